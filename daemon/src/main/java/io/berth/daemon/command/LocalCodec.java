package io.berth.daemon.command;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/** Passes event-bus messages by reference: commands and results never leave the daemon's JVM. */
final class LocalCodec<T> implements MessageCodec<T, T> {

    private final Class<T> type;

    private LocalCodec(Class<T> type) {
        this.type = type;
    }

    static <T> void register(Vertx vertx, Class<T> type) {
        vertx.eventBus().registerDefaultCodec(type, new LocalCodec<>(type));
    }

    @Override
    public void encodeToWire(Buffer buffer, T t) {
        throw new UnsupportedOperationException(type.getName() + " is a local message");
    }

    @Override
    public T decodeFromWire(int pos, Buffer buffer) {
        throw new UnsupportedOperationException(type.getName() + " is a local message");
    }

    @Override
    public T transform(T t) {
        return t;
    }

    @Override
    public String name() {
        return type.getName();
    }

    @Override
    public byte systemCodecID() {
        return -1;
    }
}
