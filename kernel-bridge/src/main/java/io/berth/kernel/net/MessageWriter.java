package io.berth.kernel.net;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes one netlink request at the start of a buffer: the 16-byte header, the family header
 * (ifinfomsg, ifaddrmsg, rtmsg) and attributes, each padded to 4 bytes, in host byte order. Nested
 * attributes are opened with {@link #nest} and closed with {@link #end}, which fills in their length.
 * The sequence number is left 0 for the socket to set when it sends.
 */
final class MessageWriter {

    private final ByteBuffer buf;
    private int pos;

    MessageWriter(ByteBuffer buf) {
        if (buf.order() != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException("netlink buffers are in host byte order");
        }
        this.buf = buf;
    }

    /** Starts a new message (forgetting any previous one) with NLM_F_REQUEST added to {@code flags}. */
    MessageWriter header(int type, int flags) {
        pos = 0;
        u32(0).u16(type).u16(flags | Rtnl.NLM_F_REQUEST).u32(0).u32(0);
        return this;
    }

    /** struct ifinfomsg: the link is named by {@code index}, or by IFLA_IFNAME when it is 0. */
    MessageWriter ifinfo(int family, int index, int flags, int change) {
        return u8(family).u8(0).u16(0).u32(index).u32(flags).u32(change);
    }

    /** struct ifaddrmsg. */
    MessageWriter ifaddr(int family, int prefixLength, int scope, int index) {
        return u8(family).u8(prefixLength).u8(0).u8(scope).u32(index);
    }

    /** struct rtmsg. */
    MessageWriter rtmsg(int family, int dstLength, int table, int protocol, int scope, int type) {
        return u8(family).u8(dstLength).u8(0).u8(0).u8(table).u8(protocol).u8(scope).u8(type).u32(0);
    }

    MessageWriter attr(int type, byte[] value) {
        u16(Rtnl.NLA_HDRLEN + value.length).u16(type);
        ensure(value.length);
        buf.put(pos, value);
        pos += value.length;
        pad();
        return this;
    }

    /** A NUL-terminated string attribute, as the kernel expects for names and kinds. */
    MessageWriter attr(int type, String value) {
        byte[] text = value.getBytes(StandardCharsets.UTF_8);
        byte[] withNul = new byte[text.length + 1];
        System.arraycopy(text, 0, withNul, 0, text.length);
        return attr(type, withNul);
    }

    MessageWriter attrU32(int type, int value) {
        u16(Rtnl.NLA_HDRLEN + 4).u16(type).u32(value);
        return this;
    }

    MessageWriter attrU8(int type, int value) {
        u16(Rtnl.NLA_HDRLEN + 1).u16(type).u8(value);
        pad();
        return this;
    }

    /** Opens a nested attribute; returns where it starts, for {@link #end}. */
    int nest(int type) {
        int start = pos;
        u16(0).u16(type | Rtnl.NLA_F_NESTED);
        return start;
    }

    /**
     * Opens an attribute whose payload is a family header followed by attributes (VETH_INFO_PEER
     * carries an ifinfomsg); the kernel does not want the nested flag on it.
     */
    int open(int type) {
        int start = pos;
        u16(0).u16(type);
        return start;
    }

    /** Closes the attribute opened at {@code start}. */
    MessageWriter end(int start) {
        buf.putShort(start, (short) (pos - start));
        return this;
    }

    /** Fills in the message length and returns it. */
    int finish() {
        buf.putInt(0, pos);
        return pos;
    }

    /** The request's bytes so far (for tests and error messages). */
    byte[] bytes() {
        byte[] out = new byte[pos];
        buf.get(0, out);
        return out;
    }

    private MessageWriter u8(int v) {
        ensure(1);
        buf.put(pos, (byte) v);
        pos += 1;
        return this;
    }

    private MessageWriter u16(int v) {
        ensure(2);
        buf.putShort(pos, (short) v);
        pos += 2;
        return this;
    }

    private MessageWriter u32(int v) {
        ensure(4);
        buf.putInt(pos, v);
        pos += 4;
        return this;
    }

    private void pad() {
        while ((pos & 3) != 0) {
            u8(0);
        }
    }

    private void ensure(int n) {
        if (pos + n > buf.capacity()) {
            throw new BufferOverflowException();
        }
    }
}
