package io.berth.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A daemon for berth's tests: it takes requests on a unix socket, a connection each as berth makes them,
 * and answers them in order with canned answers, keeping what it was sent. Closing it fails unless every
 * answer was asked for.
 */
final class FakeDaemon implements AutoCloseable {

    /** One canned answer, sent chunked. */
    record Answer(int status, String contentType, String body) {
        static Answer json(String body) {
            return new Answer(200, "application/json", body);
        }

        static Answer error(int status, String message) {
            return new Answer(status, "application/json", "{\"message\":\"" + message + "\"}");
        }

        static Answer empty(int status) {
            return new Answer(status, "text/plain", "");
        }
    }

    /** A request as received: "POST /v1.47/... HTTP/1.1", headers (names lowercased), body. */
    record Request(String line, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** berth's exit code and output for one run. */
    record Run(int code, String out, String err) {}

    final Path socket;
    final List<Request> requests = new CopyOnWriteArrayList<>();
    private final ServerSocketChannel server;
    private final CompletableFuture<Void> served = new CompletableFuture<>();

    FakeDaemon(Path socket, Answer... answers) throws IOException {
        this.socket = socket;
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread t = new Thread(() -> {
            try {
                for (Answer answer : answers) {
                    try (SocketChannel ch = server.accept()) {
                        requests.add(read(new BufferedInputStream(Channels.newInputStream(ch))));
                        write(ch, answer);
                    }
                }
                served.complete(null);
            } catch (IOException e) {
                served.completeExceptionally(e);
            }
        }, "fake-daemon");
        t.setDaemon(true);
        t.start();
    }

    /** A daemon with a single answer. */
    FakeDaemon(Path socket, int status, String contentType, String answer) throws IOException {
        this(socket, new Answer(status, contentType, answer));
    }

    private static Request read(InputStream in) throws IOException {
        String line = ApiClient.readLine(in);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h; !(h = ApiClient.readLine(in)).isEmpty(); ) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).trim().toLowerCase(), h.substring(colon + 1).trim());
        }
        byte[] body;
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = new ApiClient.ChunkedInputStream(in).readAllBytes();
        } else {
            body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
        }
        return new Request(line, headers, body);
    }

    private static void write(SocketChannel ch, Answer answer) throws IOException {
        ByteArrayOutputStream chunked = new ByteArrayOutputStream();
        new ApiClient.ChunkedOutputStream(chunked).write(answer.body().getBytes(StandardCharsets.UTF_8));
        new ApiClient.ChunkedOutputStream(chunked).close();
        String head = "HTTP/1.1 " + answer.status() + " X\r\nContent-Type: " + answer.contentType()
                + "\r\nTransfer-Encoding: chunked\r\n\r\n";
        Channels.newOutputStream(ch).write((head + chunked.toString(StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
    }

    /** Runs berth against this daemon. */
    Run berth(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> argv = new ArrayList<>(List.of("-H", "unix://" + socket));
        argv.addAll(List.of(args));
        int code = Main.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws Exception {
        try {
            served.get(10, TimeUnit.SECONDS);
        } finally {
            server.close();
        }
    }
}
