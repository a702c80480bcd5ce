package io.berth.daemon;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * The workload that trains berthd's start-up cache (JDK 25's AOT cache; bin/berthd runs it once per
 * build, with {@code -XX:AOTCacheOutput}): a daemon on throw-away roots starts, answers the calls a
 * docker client makes first, imports a small image, creates and removes a container, saves the image,
 * loads it back, builds on it, and stops. It
 * goes through {@link Main}'s own steps (command line, logging, shutdown hook), and pings while the
 * daemon starts, as a client waiting for it does (the API holds that ping until the log is replayed):
 * a lambda or class the training never met is generated or loaded at every start.
 * The classes it loads are the ones every later start finds linked in the cache. A separate run, not the
 * first real daemon, so that what the cache holds does not depend on how that daemon happened to end
 * (a {@code --help}, a refused flag, a kill).
 */
public final class AotTraining {

    private AotTraining() {
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(System.getProperty("berth.home"));
        Path root = Files.createTempDirectory("berth-aot-training");
        int status = 1;
        try {
            Path socket = root.resolve("exec").resolve("berth.sock");
            Main.Options options = Main.parse(new String[] {"--data-root", root.resolve("data").toString(),
                    "--exec-root", root.resolve("exec").toString(), "-H", "unix://" + socket,
                    "--storage-driver", args.length > 0 ? args[0] : "overlay"});
            Main.configure(options);
            try (Daemon daemon = new Daemon(Main.config(options, home))) {
                Thread hook = Main.closeOnShutdown(daemon, new CountDownLatch(1));
                CompletableFuture<Void> started = CompletableFuture.runAsync(() -> {
                    try {
                        daemon.start();
                    } catch (Exception e) {
                        throw new CompletionException(e);
                    }
                }, r -> new Thread(r, "aot-training-start").start());
                pingUntilAnswered(socket, started);
                started.join();
                exercise(socket);
                Runtime.getRuntime().removeShutdownHook(hook);
            }
            status = 0;
        } finally {
            try (Stream<Path> files = Files.walk(root)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.exit(status);
    }

    /** Pings as soon as the socket accepts, as a client waiting for the daemon does. */
    private static void pingUntilAnswered(Path socket, CompletableFuture<Void> started) throws InterruptedException {
        while (!started.isDone()) {
            try {
                call(socket, "GET", "/_ping", null);
                return;
            } catch (IOException notListeningYet) {
                Thread.sleep(5);
            }
        }
    }

    private static void exercise(Path socket) throws IOException {
        call(socket, "HEAD", "/_ping", null);
        call(socket, "GET", "/_ping", null);
        call(socket, "GET", "/v1.47/version", null);
        call(socket, "GET", "/v1.47/info", null);
        call(socket, "GET", "/v1.47/containers/json?all=1", null);
        call(socket, "GET", "/v1.47/images/json", null);
        call(socket, "POST", "/v1.47/images/create?fromSrc=-&repo=aot-training&tag=latest", oneFileTar());
        call(socket, "GET", "/v1.47/images/aot-training/json", null);
        byte[] body = "{\"Image\":\"aot-training\",\"Cmd\":[\"/hello\"],\"Env\":null,\"HostConfig\":{\"NetworkMode\":\"none\"}}"
                .getBytes(StandardCharsets.UTF_8);
        call(socket, "POST", "/v1.47/containers/create?name=aot-training", body);
        call(socket, "GET", "/v1.47/containers/aot-training/json", null);
        call(socket, "GET", "/v1.47/containers/json?all=1", null);
        call(socket, "DELETE", "/v1.47/containers/aot-training?force=1", null);
        // a save and a load of it (a few MB, so that hashing, tar reading and staging are met often enough
        // for the cache to hold their profiles), and a build with a config step and a COPY
        byte[] saved = call(socket, "GET", "/v1.47/images/get?names=aot-training", null);
        call(socket, "DELETE", "/v1.47/images/aot-training", null);
        call(socket, "POST", "/v1.47/images/load?quiet=1", saved);
        call(socket, "POST", "/v1.47/build?t=aot-training%3Abuilt&rm=1", tar(
                "Dockerfile", "FROM aot-training\nENV A=1\nCOPY hello /copied\n".getBytes(StandardCharsets.UTF_8),
                "hello", "hello\n".getBytes(StandardCharsets.UTF_8)));
        call(socket, "DELETE", "/v1.47/images/aot-training:built", null);
        call(socket, "DELETE", "/v1.47/images/aot-training", null);
    }

    /** The image's one layer: /hello, and 4 MiB of data to hash and write. */
    private static byte[] oneFileTar() throws IOException {
        byte[] data = new byte[4 << 20];
        new java.util.Random(1).nextBytes(data);
        return tar("hello", "hello\n".getBytes(StandardCharsets.UTF_8), "data", data);
    }

    /** A tar of (name, content) pairs, files with mode 0755. */
    private static byte[] tar(Object... namesAndContents) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            for (int i = 0; i < namesAndContents.length; i += 2) {
                byte[] content = (byte[]) namesAndContents[i + 1];
                TarArchiveEntry entry = new TarArchiveEntry((String) namesAndContents[i]);
                entry.setSize(content.length);
                entry.setMode(0755);
                tar.putArchiveEntry(entry);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }

    /**
     * One HTTP/1.1 call on its own connection, read to the end; returns the body (the status does not
     * matter; a chunked body is returned de-chunked only as far as {@link #dechunk} goes).
     */
    private static byte[] call(Path socket, String method, String path, byte[] body) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            String head = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                    + (body == null ? "" : "Content-Type: application/x-tar\r\nContent-Length: " + body.length + "\r\n")
                    + "\r\n";
            ch.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
            if (body != null) {
                ch.write(ByteBuffer.wrap(body));
            }
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(1 << 16);
            while (ch.read(in) >= 0) {
                response.write(in.array(), 0, in.position());
                in.clear();
            }
            return dechunk(response.toByteArray());
        }
    }

    /** The body of a raw HTTP/1.1 response, chunked or not. */
    static byte[] dechunk(byte[] raw) {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int headEnd = text.indexOf("\r\n\r\n");
        if (headEnd < 0) {
            return new byte[0];
        }
        String head = text.substring(0, headEnd).toLowerCase(java.util.Locale.ROOT);
        int pos = headEnd + 4;
        if (!head.contains("transfer-encoding: chunked")) {
            return java.util.Arrays.copyOfRange(raw, pos, raw.length);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (pos < raw.length) {
            int lineEnd = text.indexOf("\r\n", pos);
            if (lineEnd < 0) {
                break;
            }
            int size = Integer.parseInt(text.substring(pos, lineEnd).trim(), 16);
            if (size == 0 || lineEnd + 2 + size > raw.length) {
                break;
            }
            body.write(raw, lineEnd + 2, size);
            pos = lineEnd + 2 + size + 2;
        }
        return body.toByteArray();
    }
}
