package io.berth.daemon.runtime;

import io.berth.plugin.isolation.AttachProtocol;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.nio.file.Path;

/**
 * A non-blocking client of a monitor's attach socket ({@link AttachProtocol}): sends HELLO with the
 * wanted streams, then delivers each frame the monitor sends to {@link #frameHandler}, and {@link #closeHandler}
 * once when the connection ends (after EXIT, or because the monitor is gone).
 */
public final class MonitorConnection {

    /** A decoded frame. */
    public record Frame(byte type, Buffer payload) {}

    private final NetSocket socket;
    private Buffer pending = Buffer.buffer();
    private Handler<Frame> frameHandler = f -> { };
    private Handler<Void> closeHandler = v -> { };

    private MonitorConnection(NetSocket socket) {
        this.socket = socket;
    }

    /** Connects and sends HELLO. */
    public static Future<MonitorConnection> open(Vertx vertx, NetClient client, Path attachSocket, int wants) {
        return client.connect(SocketAddress.domainSocketAddress(attachSocket.toString())).map(socket -> {
            MonitorConnection connection = new MonitorConnection(socket);
            socket.handler(connection::onData);
            socket.closeHandler(v -> connection.closeHandler.handle(null));
            socket.write(Buffer.buffer(AttachProtocol.hello(wants)));
            return connection;
        });
    }

    public MonitorConnection frameHandler(Handler<Frame> handler) {
        this.frameHandler = handler;
        return this;
    }

    public MonitorConnection closeHandler(Handler<Void> handler) {
        this.closeHandler = handler;
        return this;
    }

    public Future<Void> sendStdin(Buffer data) {
        return socket.write(frame(AttachProtocol.STDIN, data));
    }

    public Future<Void> sendStdinEof() {
        return socket.write(frame(AttachProtocol.STDIN_EOF, Buffer.buffer()));
    }

    public Future<Void> sendResize(int rows, int cols) {
        return socket.write(Buffer.buffer(AttachProtocol.resize(rows, cols)));
    }

    public void pause() {
        socket.pause();
    }

    public void resume() {
        socket.resume();
    }

    public boolean writeQueueFull() {
        return socket.writeQueueFull();
    }

    public void close() {
        socket.close();
    }

    private static Buffer frame(byte type, Buffer payload) {
        return Buffer.buffer(5 + payload.length()).appendByte(type).appendInt(payload.length()).appendBuffer(payload);
    }

    private void onData(Buffer data) {
        pending = pending.length() == 0 ? data : pending.appendBuffer(data);
        int offset = 0;
        while (pending.length() - offset >= 5) {
            byte type = pending.getByte(offset);
            int length = pending.getInt(offset + 1);
            if (length < 0 || length > AttachProtocol.MAX_PAYLOAD) {
                socket.close();
                return;
            }
            if (pending.length() - offset - 5 < length) {
                break;
            }
            Buffer payload = pending.getBuffer(offset + 5, offset + 5 + length);
            offset += 5 + length;
            frameHandler.handle(new Frame(type, payload));
        }
        pending = offset == pending.length() ? Buffer.buffer() : pending.getBuffer(offset, pending.length());
    }
}
