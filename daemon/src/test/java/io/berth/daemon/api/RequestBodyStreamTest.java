package io.berth.daemon.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link RequestBodyStream} against a real Vert.x HTTP server on loopback and real clients (java.net.http,
 * or a raw socket where the client must misbehave). The request the stream gets is wrapped in a proxy
 * that sees every chunk Vert.x delivers and every pause and resume, so back-pressure is observed, not
 * inferred.
 */
@Timeout(120)
class RequestBodyStreamTest {

    /** As berthd's API server sets it: the largest chunk Vert.x hands over. */
    private static final int MAX_CHUNK = 256 * 1024;

    private static Vertx vertx;
    private HttpServer server;
    private int port;
    /** The stream made for the current test's request, with what the proxy observed. */
    private CompletableFuture<Observed> received;
    private HttpClient client;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @BeforeEach
    void listen() throws Exception {
        received = new CompletableFuture<>();
        CompletableFuture<Observed> target = received;
        HttpServerOptions options = new HttpServerOptions().setMaxChunkSize(MAX_CHUNK)
                .setDecompressionSupported(false).setCompressionSupported(false);
        server = vertx.createHttpServer(options).requestHandler(request -> {
            // as ImageRoutes.load does: on the request's event loop, with its context
            Observed o = new Observed(request);
            o.stream = new RequestBodyStream(o.proxy(), vertx.getOrCreateContext());
            target.complete(o);
        });
        port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS)
                .actualPort();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(30))
                .build();
    }

    @AfterEach
    void close() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    // ---------------------------------------------------------------- tests

    @Test
    void aLargeBodyIsReadWholeAndInOrder() throws Exception {
        byte[] body = randomBytes(20 << 20, 1);
        CompletableFuture<HttpResponse<String>> response = post(body);
        Observed o = received.get(30, TimeUnit.SECONDS);
        RequestBodyStream s = o.stream;

        // a reader that mixes single bytes, small and large reads
        MessageDigest sha = sha256();
        byte[] buf = new byte[300_000];
        long total = 0;
        int round = 0;
        assertEquals(0, s.read(buf, 0, 0), "a read of nothing returns 0 at once");
        while (true) {
            int n;
            int kind = round++ % 3;
            switch (kind) {
                case 0 -> {
                    int b = s.read();
                    if (b < 0) {
                        n = -1;
                    } else {
                        buf[0] = (byte) b;
                        n = 1;
                    }
                }
                case 1 -> n = s.read(buf, 7, 1000);
                default -> n = s.read(buf, 0, buf.length);
            }
            if (n < 0) {
                break;
            }
            assertTrue(n > 0, "read returns data or the end, never 0");
            sha.update(buf, kind == 1 ? 7 : 0, n);
            total += n;
        }
        assertEquals(body.length, total);
        assertEquals(hex(sha256().digest(body)), hex(sha.digest()));
        assertEquals(-1, s.read(), "the end stays the end");
        assertEquals(-1, s.read(buf, 0, 10));
        assertEquals(0, s.available());
        s.ended().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(body.length, o.delivered.get());
        o.answer(200, "read " + total);

        HttpResponse<String> r = response.get(30, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode());
        assertEquals("read " + body.length, r.body());
        assertEquals(List.of(), o.offLoop, "pause and resume only on the request's event loop");
        assertTrue(o.maxQueued.get() <= RequestBodyStream.HIGH_WATER + o.maxChunk.get(),
                "queued " + o.maxQueued.get() + " with chunks of at most " + o.maxChunk.get());
    }

    @Test
    void aSlowReaderPausesTheRequestAboveHighWaterAndResumesItAtLowWater() throws Exception {
        byte[] body = randomBytes(40 << 20, 2);
        CompletableFuture<HttpResponse<String>> response = post(body);
        Observed o = received.get(30, TimeUnit.SECONDS);
        RequestBodyStream s = o.stream;

        // nobody reads: the queue fills up to the high-water mark, and then the request is paused
        waitFor(() -> o.paused, "the request to be paused");
        int full = s.available();
        assertTrue(full >= RequestBodyStream.HIGH_WATER, "paused at " + full);
        assertTrue(full <= RequestBodyStream.HIGH_WATER + o.maxChunk.get(),
                "paused at " + full + ", more than one chunk (" + o.maxChunk.get() + ") above the high-water mark");
        assertTrue(o.maxChunk.get() <= MAX_CHUNK, "chunk " + o.maxChunk.get());
        Thread.sleep(500);
        assertEquals(full, s.available(), "nothing is queued while the request is paused");
        assertEquals(full, o.delivered.get(), "Vert.x delivers nothing while the request is paused");
        assertEquals(1, o.pauses.get());
        assertFalse(response.isDone(), "the client is still sending");

        // read down to one byte above the low-water mark: still paused
        MessageDigest sha = sha256();
        byte[] first = s.readNBytes(full - RequestBodyStream.LOW_WATER - 1);
        sha.update(first);
        assertEquals(RequestBodyStream.LOW_WATER + 1, s.available());
        Thread.sleep(500);
        assertTrue(o.paused, "resumed above the low-water mark");
        assertEquals(RequestBodyStream.LOW_WATER + 1, s.available(), "nothing arrives until the low-water mark");
        assertEquals(full, o.delivered.get());

        // one more byte: resumed (on the event loop), and the body flows again
        sha.update((byte) s.read());
        waitFor(() -> !o.paused, "the request to be resumed");
        waitFor(() -> o.delivered.get() > full, "more of the body to arrive after the resume");

        // the rest, slowly enough that the request pauses again
        byte[] buf = new byte[64 * 1024];
        long total = full - RequestBodyStream.LOW_WATER;
        int n;
        while ((n = s.read(buf, 0, buf.length)) >= 0) {
            sha.update(buf, 0, n);
            total += n;
            if (total < 24 << 20) {
                Thread.sleep(1);
            }
        }
        assertEquals(body.length, total);
        assertEquals(hex(sha256().digest(body)), hex(sha.digest()));
        s.ended().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        o.answer(200, "ok");
        assertEquals(200, response.get(30, TimeUnit.SECONDS).statusCode());

        assertTrue(o.maxQueued.get() <= RequestBodyStream.HIGH_WATER + o.maxChunk.get(),
                "queued " + o.maxQueued.get() + " with chunks of at most " + o.maxChunk.get());
        assertTrue(o.pauses.get() >= 2, "paused again while the slow reader drained: " + o.pauses.get());
        assertEquals(List.of(), o.offLoop, "pause and resume only on the request's event loop");
        assertFalse(o.paused, "left paused");
    }

    @Test
    void aClientThatDisconnectsMidBodyMakesReadFail() throws Exception {
        byte[] sent = randomBytes(1 << 20, 3);
        try (Socket socket = rawPost(10 << 20)) {
            OutputStream out = socket.getOutputStream();
            out.write(sent);
            out.flush();
            Observed o = received.get(30, TimeUnit.SECONDS);
            // the reader has everything sent before the connection goes
            byte[] got = o.stream.readNBytes(sent.length);
            assertArrayEquals(sent, got);
            socket.close();

            IOException e = assertThrows(IOException.class, () -> o.stream.read(new byte[100], 0, 100));
            assertInstanceOf(EOFException.class, e, "the body just ended early: " + e);
            assertThrows(EOFException.class, () -> o.stream.read(), "and stays failed");
            ExecutionException ended = assertThrows(ExecutionException.class,
                    () -> o.stream.ended().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
            assertTrue(ended.getCause() != null);
        }
    }

    @Test
    void aClientThatDisconnectsWhileTheRequestIsPausedMakesReadFail() throws Exception {
        byte[] sent = randomBytes(12 << 20, 4);
        Socket socket = rawPost(20 << 20);
        CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
            try (socket) {
                socket.getOutputStream().write(sent);
                socket.getOutputStream().flush();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Observed o = received.get(30, TimeUnit.SECONDS);
        waitFor(() -> o.paused, "the request to be paused");
        // the reader drains what is queued, which resumes the request, and then learns the client is gone
        MessageDigest sha = sha256();
        byte[] buf = new byte[100_000];
        long total = 0;
        try {
            int n;
            while ((n = o.stream.read(buf, 0, buf.length)) >= 0) {
                sha.update(buf, 0, n);
                total += n;
            }
            fail("read the end of a body cut short after " + total + " bytes");
        } catch (IOException e) {
            assertInstanceOf(EOFException.class, e, "the body just ended early: " + e);
        }
        sending.get(30, TimeUnit.SECONDS);
        assertEquals(sent.length, total, "every byte that arrived is read before the failure");
        assertEquals(hex(sha256().digest(sent)), hex(sha.digest()));
        assertThrows(ExecutionException.class,
                () -> o.stream.ended().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
    }

    @Test
    void discardRestDrainsAPausedRequestSoTheAnswerReachesAClientStillSending() throws Exception {
        byte[] body = randomBytes(40 << 20, 5);
        CompletableFuture<HttpResponse<String>> response = post(body);
        Observed o = received.get(30, TimeUnit.SECONDS);
        RequestBodyStream s = o.stream;

        // the reader takes a little, then the request is paused while it "fails" (ImageRoutes.load: the loader throws)
        byte[] head = s.readNBytes(1000);
        assertArrayEquals(java.util.Arrays.copyOf(body, 1000), head);
        waitFor(() -> o.paused, "the request to be paused");
        assertFalse(s.ended().isComplete());
        assertFalse(response.isDone());

        s.discardRest(); // from a thread that is not the event loop
        assertEquals(0, s.available(), "what was queued is dropped");
        assertEquals(-1, s.read(), "a reader that reads on after discardRest sees the end");
        s.ended().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(body.length, o.delivered.get(), "the whole body was received (and dropped)");
        assertEquals(0, s.available(), "nothing is queued after discardRest");
        o.answer(400, "refused");

        HttpResponse<String> r = response.get(30, TimeUnit.SECONDS);
        assertEquals(400, r.statusCode());
        assertEquals("refused", r.body());
        assertEquals(List.of(), o.offLoop, "pause and resume only on the request's event loop");
    }

    @Test
    void discardRestAfterTheEndKeepsEndedComplete() throws Exception {
        byte[] body = randomBytes(3000, 6);
        CompletableFuture<HttpResponse<String>> response = post(body);
        Observed o = received.get(30, TimeUnit.SECONDS);
        o.stream.ended().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(body.length, o.stream.available(), "a small body is queued whole before anyone reads");
        byte[] got = new byte[10];
        assertEquals(10, o.stream.read(got, 0, 10));
        assertArrayEquals(java.util.Arrays.copyOf(body, 10), got);
        o.stream.discardRest();
        assertEquals(0, o.stream.available());
        assertEquals(-1, o.stream.read());
        assertTrue(o.stream.ended().succeeded());
        o.answer(200, "ok");
        assertEquals("ok", response.get(30, TimeUnit.SECONDS).body());
    }

    @Test
    void anInterruptedReaderGetsInterruptedIOException() throws Exception {
        try (Socket socket = rawPost(100)) {
            Observed o = received.get(30, TimeUnit.SECONDS);
            CompletableFuture<Object> outcome = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try {
                    outcome.complete(o.stream.read());
                } catch (IOException e) {
                    outcome.complete(List.of(e, Thread.currentThread().isInterrupted()));
                }
            });
            reader.start();
            waitFor(() -> reader.getState() == Thread.State.WAITING, "the reader to wait for the body");
            reader.interrupt();
            Object r = outcome.get(30, TimeUnit.SECONDS);
            assertTrue(r instanceof List<?>, "read returned " + r);
            assertInstanceOf(InterruptedIOException.class, ((List<?>) r).get(0));
            assertEquals(true, ((List<?>) r).get(1), "the interrupt status is kept");
        }
    }

    // ---------------------------------------------------------------- helpers

    /** The server's request as the stream sees it, through a proxy that records what happens to it. */
    private static final class Observed implements InvocationHandler {
        final HttpServerRequest real;
        final Thread eventLoop = Thread.currentThread();
        final AtomicLong delivered = new AtomicLong();
        final AtomicInteger maxChunk = new AtomicInteger();
        final AtomicLong maxQueued = new AtomicLong();
        final AtomicInteger pauses = new AtomicInteger();
        final List<String> offLoop = Collections.synchronizedList(new ArrayList<>());
        volatile boolean paused;
        volatile RequestBodyStream stream;

        Observed(HttpServerRequest real) {
            assertTrue(Context.isOnEventLoopThread());
            this.real = real;
        }

        HttpServerRequest proxy() {
            return (HttpServerRequest) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {HttpServerRequest.class}, this);
        }

        @Override
        @SuppressWarnings("unchecked")
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            switch (method.getName()) {
                case "handler" -> {
                    if (args[0] != null) {
                        Handler<Buffer> h = (Handler<Buffer>) args[0];
                        args = new Object[] {(Handler<Buffer>) chunk -> {
                            delivered.addAndGet(chunk.length());
                            maxChunk.accumulateAndGet(chunk.length(), Math::max);
                            h.handle(chunk);
                            maxQueued.accumulateAndGet(stream.available(), Math::max);
                        }};
                    }
                }
                case "pause" -> {
                    onLoop("pause");
                    paused = true;
                    pauses.incrementAndGet();
                }
                case "resume" -> {
                    onLoop("resume");
                    paused = false;
                }
                default -> {
                }
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }

        private void onLoop(String what) {
            if (Thread.currentThread() != eventLoop) {
                offLoop.add(what + " on " + Thread.currentThread().getName());
            }
        }

        void answer(int status, String text) {
            real.response().setStatusCode(status).end(text);
        }
    }

    private CompletableFuture<HttpResponse<String>> post(byte[] body) {
        return client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/images/load"))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).timeout(Duration.ofSeconds(90)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A connection that has sent a POST's headers announcing {@code contentLength} bytes, and no body yet. */
    private Socket rawPost(long contentLength) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 30_000);
        socket.getOutputStream().write(("POST /images/load HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-tar\r\n"
                + "Content-Length: " + contentLength + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }

    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }
}
