package io.berth.daemon.runtime;

import io.berth.plugin.isolation.AttachProtocol;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import java.nio.file.Path;

/**
 * One client attached to a container through a hijacked HTTP connection: bridges the client's raw
 * stream to the container's monitor. Without a TTY, output goes to the client in Docker's multiplexed
 * form (an 8-byte header per frame: stream type, three zero bytes, big-endian length); with a TTY it is
 * raw. The client's input becomes the container's stdin, and its half-close the end of that stdin.
 */
public final class AttachSession {

    private final ClientStream client;
    private final boolean stdin;
    private final boolean stdout;
    private final boolean stderr;
    private final boolean tty;
    /** Input that arrives before the container runs is kept for it, up to this much; then the client waits. */
    static final int MAX_EARLY_INPUT = 1 << 20;

    private MonitorConnection monitor;
    private boolean stdinClosedEarly;
    private final java.util.List<Buffer> earlyInput = new java.util.ArrayList<>();
    private int earlyInputBytes;

    /** The client side, as the HTTP layer exposes a hijacked connection. */
    public interface ClientStream {
        Future<Void> write(Buffer data);

        boolean writeQueueFull();

        void drainHandler(Runnable handler);

        void pause();

        void resume();

        /** Data the client sends; {@code null} means it half-closed (stdin EOF). */
        void inputHandler(java.util.function.Consumer<Buffer> handler);

        void closeHandler(Runnable handler);

        void close();
    }

    public AttachSession(ClientStream client, boolean stdin, boolean stdout, boolean stderr, boolean tty) {
        this.client = client;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
        this.tty = tty;
        client.inputHandler(data -> {
            if (monitor == null) {
                // the client sends stdin as soon as it is attached, before the container starts: keep it
                if (data == null) {
                    stdinClosedEarly = true;
                } else if (stdin) {
                    earlyInput.add(data);
                    earlyInputBytes += data.length();
                    if (earlyInputBytes >= MAX_EARLY_INPUT) {
                        client.pause();
                    }
                }
                return;
            }
            forwardInput(data);
        });
    }

    private void forwardInput(Buffer data) {
        if (!stdin) {
            return;
        }
        if (data == null) {
            monitor.sendStdinEof();
        } else {
            monitor.sendStdin(data);
        }
    }

    /** Connects to the monitor; the returned future completes once HELLO is on its way. */
    public Future<Void> connect(Vertx vertx, NetClient netClient, Path attachSocket) {
        int wants = (stdin ? AttachProtocol.WANT_STDIN : 0) | (stdout ? AttachProtocol.WANT_STDOUT : 0)
                | (stderr ? AttachProtocol.WANT_STDERR : 0);
        return MonitorConnection.open(vertx, netClient, attachSocket, wants).map(m -> {
            monitor = m;
            m.frameHandler(this::onFrame);
            m.closeHandler(v -> client.close());
            client.closeHandler(m::close);
            client.drainHandler(m::resume);
            earlyInput.forEach(m::sendStdin);
            earlyInput.clear();
            if (earlyInputBytes >= MAX_EARLY_INPUT) {
                client.resume();
            }
            if (stdinClosedEarly && stdin) {
                m.sendStdinEof();
            }
            return null;
        });
    }

    /** Ends the session (the container will not run again for it). */
    public void close() {
        if (monitor != null) {
            monitor.close();
        }
        client.close();
    }

    public void resize(int rows, int cols) {
        if (monitor != null) {
            monitor.sendResize(rows, cols);
        }
    }

    private void onFrame(MonitorConnection.Frame frame) {
        switch (frame.type()) {
            case AttachProtocol.STDOUT -> send(1, frame.payload());
            case AttachProtocol.STDERR -> send(2, frame.payload());
            case AttachProtocol.EXIT -> client.close();
            default -> { }
        }
    }

    private void send(int stream, Buffer payload) {
        if (payload.length() == 0) {
            return;
        }
        if (tty) {
            client.write(payload);
        } else {
            client.write(Buffer.buffer(8 + payload.length())
                    .appendByte((byte) stream).appendByte((byte) 0).appendByte((byte) 0).appendByte((byte) 0)
                    .appendInt(payload.length()).appendBuffer(payload));
        }
        if (client.writeQueueFull()) {
            monitor.pause();
        }
    }
}
