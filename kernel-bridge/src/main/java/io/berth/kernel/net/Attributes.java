package io.berth.kernel.net;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The attributes (struct nlattr: u16 length, u16 type, payload padded to 4 bytes) found in one span of
 * a netlink message, by type with the flag bits masked off. A truncated attribute ends the span.
 */
final class Attributes {

    private final ByteBuffer buf;
    /** type → {offset of the payload, payload length}. */
    private final Map<Integer, int[]> payloads = new HashMap<>();

    private Attributes(ByteBuffer buf) {
        this.buf = buf;
    }

    /** The attributes between {@code from} (inclusive) and {@code to} (exclusive) in {@code buf}. */
    static Attributes parse(ByteBuffer buf, int from, int to) {
        Attributes a = new Attributes(buf);
        int at = from;
        while (at + Rtnl.NLA_HDRLEN <= to) {
            int length = buf.getShort(at) & 0xffff;
            if (length < Rtnl.NLA_HDRLEN || at + length > to) {
                break;
            }
            int type = buf.getShort(at + 2) & Rtnl.NLA_TYPE_MASK;
            a.payloads.put(type, new int[] {at + Rtnl.NLA_HDRLEN, length - Rtnl.NLA_HDRLEN});
            at += align(length);
        }
        return a;
    }

    /** Netlink pads every header and attribute to 4 bytes. */
    static int align(int length) {
        return (length + 3) & ~3;
    }

    boolean has(int type) {
        return payloads.containsKey(type);
    }

    /** The payload up to its first NUL, or {@code absent}. */
    String string(int type, String absent) {
        int[] p = payloads.get(type);
        if (p == null) {
            return absent;
        }
        int length = 0;
        while (length < p[1] && buf.get(p[0] + length) != 0) {
            length++;
        }
        byte[] text = new byte[length];
        buf.get(p[0], text);
        return new String(text, StandardCharsets.UTF_8);
    }

    int u32(int type, int absent) {
        int[] p = payloads.get(type);
        return p == null || p[1] < 4 ? absent : buf.getInt(p[0]);
    }

    int u8(int type, int absent) {
        int[] p = payloads.get(type);
        return p == null || p[1] < 1 ? absent : buf.get(p[0]) & 0xff;
    }

    /** The raw payload, or null. */
    byte[] bytes(int type) {
        int[] p = payloads.get(type);
        if (p == null) {
            return null;
        }
        byte[] out = new byte[p[1]];
        buf.get(p[0], out);
        return out;
    }

    /** The attributes nested in attribute {@code type}; none when it is absent. */
    Attributes nested(int type) {
        int[] p = payloads.get(type);
        return p == null ? new Attributes(buf) : parse(buf, p[0], p[0] + p[1]);
    }
}
