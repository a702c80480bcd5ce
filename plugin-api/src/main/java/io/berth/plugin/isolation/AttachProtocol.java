package io.berth.plugin.isolation;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * The wire protocol of a monitor's attach socket (a unix stream socket), version 1.
 *
 * <p>Both directions carry frames: one type byte, a 4-byte big-endian payload length, the payload.
 * A client's first frame is {@link #HELLO}; its one-byte payload is a bit set of the streams it wants
 * ({@link #WANT_STDIN}, {@link #WANT_STDOUT}, {@link #WANT_STDERR}); a client that wants none is a
 * watcher that only learns of the exit. Output that the monitor reads from the container after the
 * HELLO is sent to every client that wants that stream (for a TTY everything is {@link #STDOUT}).
 * When the container has exited and all its output has been delivered, the monitor sends
 * {@link #EXIT} to every client and closes the connection.
 *
 * <p>Frames a client sends after HELLO: {@link #STDIN} data, {@link #STDIN_EOF} (close the
 * container's stdin; ignored unless it was opened), {@link #RESIZE} (payload: rows and columns as two
 * big-endian 16-bit numbers).
 *
 * <p>EXIT's payload is ASCII: {@code exit=<code> oom=<0|1> finished=<unix nanos>}, the same as
 * {@link ProcessState.Exited}.
 */
public final class AttachProtocol {

    public static final int VERSION = 1;

    public static final byte HELLO = 0x01;
    public static final byte STDIN = 0x02;
    public static final byte STDIN_EOF = 0x03;
    public static final byte RESIZE = 0x04;

    public static final byte STDOUT = 0x11;
    public static final byte STDERR = 0x12;
    public static final byte EXIT = 0x13;

    public static final int WANT_STDIN = 1;
    public static final int WANT_STDOUT = 2;
    public static final int WANT_STDERR = 4;

    /** Largest payload a peer may send; larger frames are a protocol error. */
    public static final int MAX_PAYLOAD = 1 << 20;

    private AttachProtocol() {}

    /** One frame. */
    public record Frame(byte type, byte[] payload) {}

    public static byte[] encode(byte type, byte[] payload, int offset, int length) {
        ByteBuffer buf = ByteBuffer.allocate(5 + length);
        buf.put(type).putInt(length).put(payload, offset, length);
        return buf.array();
    }

    public static byte[] encode(byte type, byte[] payload) {
        return encode(type, payload, 0, payload.length);
    }

    public static byte[] hello(int wants) {
        return encode(HELLO, new byte[] {(byte) wants});
    }

    public static byte[] resize(int rows, int cols) {
        return encode(RESIZE, ByteBuffer.allocate(4).putShort((short) rows).putShort((short) cols).array());
    }

    public static void write(OutputStream out, byte type, byte[] payload) throws IOException {
        out.write(encode(type, payload));
        out.flush();
    }

    /** Reads one frame, or returns null at a clean end of stream between frames. */
    public static Frame read(DataInputStream in) throws IOException {
        int type = in.read();
        if (type < 0) {
            return null;
        }
        int length;
        try {
            length = in.readInt();
        } catch (EOFException e) {
            throw new IOException("attach protocol: truncated frame header");
        }
        if (length < 0 || length > MAX_PAYLOAD) {
            throw new IOException("attach protocol: frame of " + length + " bytes is too large");
        }
        byte[] payload = in.readNBytes(length);
        if (payload.length != length) {
            throw new IOException("attach protocol: truncated frame");
        }
        return new Frame((byte) type, payload);
    }

    /** Parses an EXIT payload. */
    public static ProcessState.Exited parseExit(String payload) {
        int code = 0;
        boolean oom = false;
        long finished = 0;
        for (String field : payload.trim().split("\\s+")) {
            int eq = field.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = field.substring(0, eq);
            String value = field.substring(eq + 1);
            switch (key) {
                case "exit" -> code = Integer.parseInt(value);
                case "oom" -> oom = "1".equals(value);
                case "finished" -> finished = Long.parseLong(value);
                default -> { }
            }
        }
        return new ProcessState.Exited(code, oom, finished);
    }
}
