package io.berth.daemon.api;

import io.berth.daemon.runtime.AttachSession;
import io.netty.channel.Channel;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.impl.Http1xServerConnection;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.util.function.Consumer;

/**
 * Takes over an HTTP connection for a raw stream, as Docker's attach and exec do.
 *
 * <p>With an {@code Upgrade: tcp} header the answer is {@code 101 UPGRADED}; without one (docker-java
 * on a reused keep-alive connection) it is {@code 200 OK}; either way the head goes out in its own write,
 * before any stream bytes, because docker-py loses bytes that share a packet with it. The client's
 * half-close is delivered as the end of its input, not as the end of the connection.
 */
public final class Hijack {

    private Hijack() {}

    /** Reads what is left of the request body, then takes the connection over. */
    public static Future<AttachSession.ClientStream> take(ApiCall call, String contentType) {
        var request = call.request();
        boolean upgrade = request.getHeader("Upgrade") != null;
        Future<Buffer> body = request.isEnded() ? Future.succeededFuture(Buffer.buffer()) : request.body();
        return body.compose(ignored -> {
            Http1xServerConnection connection = (Http1xServerConnection) request.connection();
            Channel channel = connection.channel();
            channel.attr(ApiServer.HIJACKED).set(true);
            return connection.netSocket().map(socket -> {
                StringBuilder head = new StringBuilder();
                if (upgrade) {
                    head.append("HTTP/1.1 101 UPGRADED\r\n")
                            .append("Content-Type: ").append(contentType).append("\r\n")
                            .append("Connection: Upgrade\r\nUpgrade: tcp\r\n");
                } else {
                    head.append("HTTP/1.1 200 OK\r\n")
                            .append("Content-Type: ").append(contentType).append("\r\n");
                }
                head.append("Api-Version: ").append(io.berth.daemon.Version.API).append("\r\n")
                        .append("Ostype: linux\r\n\r\n");
                socket.write(Buffer.buffer(head.toString()));
                if (call.audit() != null) {
                    call.audit().decided(upgrade ? 101 : 200); // the head goes out here, not through the response
                }
                return new Stream(socket, channel);
            });
        });
    }

    /** The hijacked connection as the attach code uses it. */
    private static final class Stream implements AttachSession.ClientStream {

        private final NetSocket socket;
        private final Channel channel;
        private Consumer<Buffer> input = b -> { };
        private boolean closed;

        Stream(NetSocket socket, Channel channel) {
            this.socket = socket;
            this.channel = channel;
            socket.handler(data -> input.accept(data));
            if (socket instanceof NetSocketInternal internal) {
                internal.eventHandler(evt -> { });
            }
        }

        @Override
        public Future<Void> write(Buffer data) {
            return socket.write(data);
        }

        @Override
        public boolean writeQueueFull() {
            return socket.writeQueueFull();
        }

        @Override
        public void drainHandler(Runnable handler) {
            socket.drainHandler(v -> handler.run());
        }

        @Override
        public void pause() {
            socket.pause();
        }

        @Override
        public void resume() {
            socket.resume();
        }

        @Override
        public void inputHandler(Consumer<Buffer> handler) {
            this.input = handler;
            Runnable eof = () -> socket.endHandler(null);
            channel.attr(ApiServer.ON_INPUT_SHUTDOWN).set(() -> handler.accept(null));
            if (Boolean.TRUE.equals(channel.attr(ApiServer.INPUT_SHUT).get())) {
                handler.accept(null);
            }
            eof.run();
        }

        @Override
        public void closeHandler(Runnable handler) {
            socket.closeHandler(v -> handler.run());
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                socket.close();
            }
        }
    }
}
