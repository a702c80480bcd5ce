package io.berth.eventlog;

import net.openhft.chronicle.bytes.Bytes;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The byte layout of one document (one appended batch), see {@link ChronicleEventLog}. Encoding and
 * decoding work on heap arrays: a document is copied out of the mapped file in one bulk copy, checked
 * and decoded there (strings straight from the array, one copy each).
 *
 * <p>Format 2 (written now) is format 1 followed by a CRC32C of everything before it, so a document
 * whose bytes were damaged is recognised instead of decoded into wrong events. Format 1 documents (no
 * checksum) are still read.
 */
final class DocumentCodec {

    static final byte FORMAT_V1 = 1;
    static final byte FORMAT_V2 = 2;
    /** format, count, first position, time: what a seek reads of a document. */
    static final int HEADER_BYTES = 1 + 4 + 8 + 8;
    private static final int CRC_BYTES = 4;
    /** The largest document {@link ChronicleEventLog#append} writes; a longer one is damage. */
    static final long MAX_DOCUMENT_BYTES = ChronicleEventLog.MAX_BATCH_BYTES;

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private DocumentCodec() {
    }

    /** The first {@link #HEADER_BYTES} of a document: how many events, the first position, the batch's time. */
    record Header(int count, long first, long timeNanos) {
        long last() {
            return first + count - 1;
        }
    }

    /** Thrown for a document that is not a well-formed event-log document (damaged or foreign). */
    static final class CorruptDocumentException extends IllegalStateException {
        CorruptDocumentException(String message) {
            super("corrupt event-log document: " + message);
        }
    }

    // ---------------------------------------------------------------------------------------- encode

    /** The exact size {@link #encode} writes. */
    static long encodedSize(List<Envelope> events) {
        long size = 1 + 4 + CRC_BYTES;
        for (Envelope e : events) {
            size += 8 + 8 + 4 + 1
                    + stringSize(e.type()) + stringSize(e.aggregateKind()) + stringSize(e.aggregateId())
                    + stringSize(e.correlationId()) + stringSize(e.payload());
            Actor a = e.actor();
            if (a != null) {
                size += stringSize(a.origin()) + 4 + 4 + 4 + stringSize(a.command());
            }
        }
        return size;
    }

    /**
     * Encodes {@code events} (format 2) into {@code out}, which must hold at least
     * {@link #encodedSize} bytes; returns the number of bytes written.
     */
    static int encode(List<Envelope> events, byte[] out) {
        int p = 0;
        out[p++] = FORMAT_V2;
        INT.set(out, p, events.size());
        p += 4;
        for (Envelope e : events) {
            LONG.set(out, p, e.position());
            LONG.set(out, p + 8, e.timeNanos());
            p = writeString(out, p + 16, e.type());
            INT.set(out, p, e.revision());
            p = writeString(out, p + 4, e.aggregateKind());
            p = writeString(out, p, e.aggregateId());
            p = writeString(out, p, e.correlationId());
            Actor a = e.actor();
            if (a == null) {
                out[p++] = 0;
            } else {
                out[p++] = 1;
                p = writeString(out, p, a.origin());
                INT.set(out, p, a.uid());
                INT.set(out, p + 4, a.gid());
                INT.set(out, p + 8, a.pid());
                p = writeString(out, p + 12, a.command());
            }
            p = writeString(out, p, e.payload());
        }
        INT.set(out, p, crc(out, p));
        return p + CRC_BYTES;
    }

    private static int crc(byte[] doc, int length) {
        CRC32C crc = new CRC32C();
        crc.update(doc, 0, length);
        return (int) crc.getValue();
    }

    /** UTF-8 length + 4; a lone surrogate is written as '?' (as {@code String.getBytes} does). */
    private static long stringSize(String s) {
        if (s == null) {
            return 4;
        }
        long n = 4;
        int len = s.length();
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                    n += 4;
                    i++;
                } else {
                    n += 1; // '?'
                }
            } else {
                n += 3;
            }
        }
        return n;
    }

    private static int writeString(byte[] out, int p, String s) {
        if (s == null) {
            INT.set(out, p, -1);
            return p + 4;
        }
        int lengthAt = p;
        p += 4;
        int len = s.length();
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[p++] = (byte) c;
            } else if (c < 0x800) {
                out[p++] = (byte) (0xC0 | (c >> 6));
                out[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, s.charAt(++i));
                    out[p++] = (byte) (0xF0 | (cp >> 18));
                    out[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                    out[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    out[p++] = (byte) (0x80 | (cp & 0x3F));
                } else {
                    out[p++] = '?';
                }
            } else {
                out[p++] = (byte) (0xE0 | (c >> 12));
                out[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                out[p++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        INT.set(out, lengthAt, p - lengthAt - 4);
        return p;
    }

    // ---------------------------------------------------------------------------------------- decode

    /** Reads the header at the document's read position (moving it); format 1 and 2 share it. */
    static Header readHeader(Bytes<?> in) {
        if (in.readRemaining() < HEADER_BYTES) {
            throw new CorruptDocumentException(in.readRemaining() + " bytes, shorter than a header");
        }
        byte format = in.readByte();
        if (format != FORMAT_V1 && format != FORMAT_V2) {
            throw new CorruptDocumentException("unknown format " + format);
        }
        int count = in.readInt();
        if (count < 1) {
            throw new CorruptDocumentException("count " + count);
        }
        long first = in.readLong();
        return new Header(count, first, in.readLong());
    }

    /** Reads the header of the document in {@code doc[0, length)}. */
    static Header readHeader(byte[] doc, int length) {
        if (length < HEADER_BYTES) {
            throw new CorruptDocumentException(length + " bytes, shorter than a header");
        }
        if (doc[0] != FORMAT_V1 && doc[0] != FORMAT_V2) {
            throw new CorruptDocumentException("unknown format " + doc[0]);
        }
        return new Header((int) INT.get(doc, 1), (long) LONG.get(doc, 5), (long) LONG.get(doc, 13));
    }

    /** Copies the rest of the document at {@code in}'s read position into {@code reuse} (or a larger array). */
    static byte[] copy(Bytes<?> in, byte[] reuse) {
        long remaining = in.readRemaining();
        if (remaining > MAX_DOCUMENT_BYTES) {
            throw new CorruptDocumentException(remaining + " bytes, more than any batch ("
                    + MAX_DOCUMENT_BYTES + ")");
        }
        byte[] out = reuse.length >= remaining ? reuse : Arrays.copyOf(reuse, (int) Math.max(remaining, reuse.length * 2L));
        in.read(out, 0, (int) remaining);
        return out;
    }

    /**
     * Decodes the document in {@code doc[0, length)} into {@code into}, after checking it: the checksum
     * (format 2), the structure (every length inside the document, nothing left over), and that the
     * positions are consecutive. Throws {@link CorruptDocumentException} (adding nothing) otherwise.
     */
    static void decode(byte[] doc, int length, List<Envelope> into) {
        if (length < HEADER_BYTES) {
            throw new CorruptDocumentException(length + " bytes, shorter than a header");
        }
        byte format = doc[0];
        int end;
        if (format == FORMAT_V2) {
            end = length - CRC_BYTES;
            if ((int) INT.get(doc, end) != crc(doc, end)) {
                throw new CorruptDocumentException("checksum mismatch");
            }
        } else if (format == FORMAT_V1) {
            end = length;
        } else {
            throw new CorruptDocumentException("unknown format " + format);
        }
        int count = (int) INT.get(doc, 1);
        if (count < 1) {
            throw new CorruptDocumentException("count " + count);
        }
        int sizeBefore = into.size();
        try {
            Reader r = new Reader(doc, 5, end);
            long expected = 0;
            for (int i = 0; i < count; i++) {
                long position = r.readLong();
                if (i > 0 && position != expected) {
                    throw new CorruptDocumentException("position " + position + " after " + (expected - 1));
                }
                expected = position + 1;
                long timeNanos = r.readLong();
                String type = r.readString();
                int revision = r.readInt();
                String kind = r.readString();
                String id = r.readString();
                String correlation = r.readString();
                Actor actor = null;
                if (r.readByte() != 0) {
                    String origin = r.readString();
                    int uid = r.readInt();
                    int gid = r.readInt();
                    int pid = r.readInt();
                    actor = new Actor(origin, uid, gid, pid, r.readString());
                }
                String payload = r.readString();
                into.add(new Envelope(position, timeNanos, type, revision, kind, id, correlation, actor, payload));
            }
            if (r.p != end) {
                throw new CorruptDocumentException((end - r.p) + " bytes left over");
            }
        } catch (CorruptDocumentException e) {
            into.subList(sizeBefore, into.size()).clear();
            throw e;
        }
    }

    /** A bounds-checked reader over one document in an array. */
    private static final class Reader {
        private final byte[] doc;
        private final int end;
        private int p;

        Reader(byte[] doc, int p, int end) {
            this.doc = doc;
            this.p = p;
            this.end = end;
        }

        private void need(int n) {
            if (n < 0 || n > end - p) {
                throw new CorruptDocumentException("a field of " + n + " bytes at " + p + " runs past the end "
                        + end);
            }
        }

        byte readByte() {
            need(1);
            return doc[p++];
        }

        int readInt() {
            need(4);
            int v = (int) INT.get(doc, p);
            p += 4;
            return v;
        }

        long readLong() {
            need(8);
            long v = (long) LONG.get(doc, p);
            p += 8;
            return v;
        }

        String readString() {
            int len = readInt();
            if (len == -1) {
                return null;
            }
            need(len);
            String s = new String(doc, p, len, StandardCharsets.UTF_8);
            p += len;
            return s;
        }
    }
}
