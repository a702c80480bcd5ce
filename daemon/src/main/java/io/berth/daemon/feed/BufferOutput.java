package io.berth.daemon.feed;

import io.vertx.core.buffer.Buffer;
import java.io.OutputStream;

/** An OutputStream that appends to a Vert.x buffer (what Jackson writes feed messages into). */
final class BufferOutput extends OutputStream {

    private final Buffer buffer;

    BufferOutput(Buffer buffer) {
        this.buffer = buffer;
    }

    @Override
    public void write(int b) {
        buffer.appendByte((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        buffer.appendBytes(b, off, len);
    }
}
