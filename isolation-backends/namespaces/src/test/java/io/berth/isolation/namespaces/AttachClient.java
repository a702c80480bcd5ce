package io.berth.isolation.namespaces;

import io.berth.plugin.isolation.AttachProtocol;
import io.berth.plugin.isolation.ProcessState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A test client of a monitor's attach socket (reads frames on its own thread). */
final class AttachClient implements AutoCloseable {

    private final SocketChannel ch;
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final CompletableFuture<ProcessState.Exited> exit = new CompletableFuture<>();
    private final Thread reader;

    AttachClient(Path socket, int wants) throws IOException {
        ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        send(AttachProtocol.hello(wants));
        reader = new Thread(this::readLoop, "attach-reader");
        reader.setDaemon(true);
        reader.start();
    }

    void send(byte[] frame) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(frame);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    void stdin(String s) throws IOException {
        send(AttachProtocol.encode(AttachProtocol.STDIN, s.getBytes(StandardCharsets.UTF_8)));
    }

    void stdinEof() throws IOException {
        send(AttachProtocol.encode(AttachProtocol.STDIN_EOF, new byte[0]));
    }

    void resize(int rows, int cols) throws IOException {
        send(AttachProtocol.resize(rows, cols));
    }

    private void readFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new IOException("eof");
            }
        }
    }

    private void readLoop() {
        try {
            ByteBuffer h = ByteBuffer.allocate(5);
            for (;;) {
                h.clear();
                readFully(h);
                h.flip();
                byte type = h.get();
                int len = h.getInt();
                ByteBuffer p = ByteBuffer.allocate(len);
                readFully(p);
                byte[] payload = p.array();
                synchronized (this) {
                    if (type == AttachProtocol.STDOUT) {
                        stdout.writeBytes(payload);
                    } else if (type == AttachProtocol.STDERR) {
                        stderr.writeBytes(payload);
                    }
                    notifyAll();
                }
                if (type == AttachProtocol.EXIT) {
                    exit.complete(AttachProtocol.parseExit(new String(payload, StandardCharsets.US_ASCII)));
                    return;
                }
            }
        } catch (IOException e) {
            exit.completeExceptionally(e);
        }
    }

    synchronized String stdout() {
        return stdout.toString(StandardCharsets.UTF_8);
    }

    synchronized String stderr() {
        return stderr.toString(StandardCharsets.UTF_8);
    }

    /** Waits until stdout contains {@code text}. */
    synchronized void awaitStdout(String text, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!stdout().contains(text)) {
            long left = end - System.nanoTime();
            if (left <= 0 || exit.isDone()) {
                throw new AssertionError("no '" + text + "' in stdout: " + stdout());
            }
            wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
    }

    ProcessState.Exited awaitExit(Duration timeout) throws Exception {
        return exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
