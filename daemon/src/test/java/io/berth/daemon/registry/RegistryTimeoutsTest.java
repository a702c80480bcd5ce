package io.berth.daemon.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every wait on a registry is bounded: a registry that never answers, a download that stops halfway and
 * an upload the registry stops reading all fail within their timeouts, naming the registry, and leave
 * the calling thread without an interrupt. The "registry" is a socket on 127.0.0.1 that misbehaves.
 */
class RegistryTimeoutsTest {

    static final String DIGEST = "sha256:" + "0".repeat(64);

    ServerSocket server;
    final List<Socket> accepted = new ArrayList<>();
    RegistryClient client;
    String registry;

    @BeforeEach
    void listen() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        registry = "127.0.0.1:" + server.getLocalPort();
        client = new RegistryClient(RegistryConfig.defaults()
                .withTimeouts(Duration.ofMillis(500), Duration.ofMillis(400), Duration.ofMillis(400)));
        Thread t = new Thread(this::serve, "fake registry");
        t.setDaemon(true);
        t.start();
    }

    @AfterEach
    void close() throws IOException {
        server.close();
        synchronized (accepted) {
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    /** /v2/silent/…: never answers; /v2/half/…: 10 bytes of 100000, then nothing; uploads: 202, then reads nothing more. */
    private void serve() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                synchronized (accepted) {
                    accepted.add(s);
                }
                Thread t = new Thread(() -> answer(s));
                t.setDaemon(true);
                t.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void answer(Socket s) {
        try {
            String head = readHead(s.getInputStream());
            String line = head.substring(0, head.indexOf('\r'));
            OutputStream out = s.getOutputStream();
            if (line.contains("/v2/half/")) {
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n0123456789".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } else if (line.startsWith("POST ") && line.contains("/blobs/uploads/")) {
                out.write("HTTP/1.1 202 Accepted\r\nLocation: /v2/up/blobs/uploads/1\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                readHead(s.getInputStream()); // the PUT's head; its body is never read
            }
            Thread.sleep(30_000);
        } catch (IOException | InterruptedException | RuntimeException gone) {
            // the client gave up, or the test is over
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            String s = b.toString(StandardCharsets.US_ASCII);
            if (s.endsWith("\r\n\r\n")) {
                return s;
            }
        }
        throw new IOException("connection closed");
    }

    static long millisSince(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    @Test
    void aRegistryThatNeverAnswers() {
        long start = System.nanoTime();
        RegistryException e = assertThrows(RegistryException.class,
                () -> client.open(registry, "silent", Credentials.anonymous()).fetchManifest("v1"));
        assertEquals(RegistryException.Kind.UNREACHABLE, e.kind());
        assertTrue(e.getMessage().startsWith("registry " + registry + " is unreachable"), e.getMessage());
        assertTrue(e.getMessage().contains("no answer within 400 ms"), e.getMessage());
        assertTrue(millisSince(start) < 3000, millisSince(start) + " ms");
        assertFalse(Thread.currentThread().isInterrupted());
    }

    @Test
    void aDownloadThatStops() {
        long start = System.nanoTime();
        List<Long> progress = new ArrayList<>();
        RegistryException e = assertThrows(RegistryException.class, () -> client.open(registry, "half", Credentials.anonymous())
                .fetchBlob(DIGEST, 100000, new ByteArrayOutputStream(), (c, t) -> progress.add(c)));
        assertEquals(RegistryException.Kind.UNREACHABLE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("moved no data for 400 ms"), e.getMessage());
        assertEquals(List.of(10L), progress);
        assertTrue(millisSince(start) < 3000, millisSince(start) + " ms");
        assertFalse(Thread.currentThread().isInterrupted(), "the stall guard's interrupt is cleared");
    }

    @Test
    void anUploadTheRegistryStopsReading() {
        long size = 256L << 20; // far more than the socket buffers hold
        InputStream zeros = new InputStream() {
            long left = size;

            @Override
            public int read() {
                return left-- > 0 ? 0 : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + n, (byte) 0);
                left -= n;
                return n;
            }
        };
        long start = System.nanoTime();
        RegistryException e = assertThrows(RegistryException.class,
                () -> client.open(registry, "up", Credentials.anonymous()).pushBlob(DIGEST, size, zeros, ProgressListener.NONE));
        assertEquals(RegistryException.Kind.UNREACHABLE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("moved no data"), e.getMessage());
        assertTrue(millisSince(start) < 5000, millisSince(start) + " ms");
        assertFalse(Thread.currentThread().isInterrupted(), "the stall guard's interrupt is cleared");
    }
}
