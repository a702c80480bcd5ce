package io.berth.daemon.network.dns;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/** DNS over TCP (RFC 1035 4.2.2, RFC 7766): each message is preceded by its length in two bytes. */
final class TcpFrames {

    private TcpFrames() {
    }

    /** The message with its length in front, ready to write. */
    static ByteBuffer frame(byte[] message) {
        if (message.length > DnsWire.MAX_MESSAGE) {
            throw new IllegalArgumentException("a DNS message has at most 65535 bytes, not " + message.length);
        }
        return ByteBuffer.allocate(2 + message.length).putShort((short) message.length).put(message).flip();
    }

    /** Reads framed messages from a non-blocking channel as their bytes arrive. */
    static final class Reader {

        private final ByteBuffer length = ByteBuffer.allocate(2);
        private ByteBuffer body;
        private boolean ended;

        /** The next whole message, or null until more bytes arrive or when the stream has ended. */
        byte[] next(ReadableByteChannel channel) throws IOException {
            if (ended) {
                return null;
            }
            if (body == null) {
                if (channel.read(length) < 0) {
                    ended = true;
                }
                if (length.hasRemaining()) {
                    return null;
                }
                body = ByteBuffer.allocate(length.getShort(0) & 0xFFFF);
            }
            if (body.hasRemaining() && channel.read(body) < 0) {
                ended = true;
            }
            if (body.hasRemaining()) {
                return null;
            }
            byte[] message = body.array();
            body = null;
            length.clear();
            return message;
        }

        /** Whether the peer has closed its side; a message it cut short is lost. */
        boolean ended() {
            return ended;
        }
    }
}
