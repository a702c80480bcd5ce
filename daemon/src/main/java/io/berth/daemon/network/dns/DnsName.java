package io.berth.daemon.network.dns;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A domain name read from a message.
 *
 * @param text  the labels joined by dots, without a trailing dot; "" for the root
 * @param plain whether every label is printable ASCII without dots, spaces or backslashes, i.e. whether
 *              {@code text} names exactly what the message holds; only plain names can be berth's
 * @param end   the offset just after the name where it was read (after its first compression pointer)
 */
record DnsName(String text, boolean plain, int end) {

    static final int MAX_LENGTH = 255;
    static final int MAX_LABEL = 63;

    /**
     * Reads the name at {@code offset}, following compression pointers. A pointer must point before
     * itself; with the 255-byte limit on the whole name that makes every read end, whatever the bytes.
     */
    static DnsName read(byte[] message, int offset) throws DnsFormatException {
        StringBuilder text = new StringBuilder();
        boolean plain = true;
        int length = 0;
        int end = -1;
        int pos = offset;
        while (true) {
            if (pos >= message.length) {
                throw new DnsFormatException("name runs past the end of the message");
            }
            int label = message[pos] & 0xFF;
            if ((label & 0xC0) == 0xC0) {
                if (pos + 1 >= message.length) {
                    throw new DnsFormatException("compression pointer cut short");
                }
                int target = (label & 0x3F) << 8 | (message[pos + 1] & 0xFF);
                if (target >= pos) {
                    throw new DnsFormatException("compression pointer does not point backwards");
                }
                if (end < 0) {
                    end = pos + 2;
                }
                pos = target;
                continue;
            }
            if (label > MAX_LABEL) {
                throw new DnsFormatException("unknown label type " + (label >>> 6));
            }
            length += label + 1;
            if (length > MAX_LENGTH) {
                throw new DnsFormatException("name longer than " + MAX_LENGTH + " bytes");
            }
            if (label == 0) {
                return new DnsName(text.toString(), plain, end < 0 ? pos + 1 : end);
            }
            if (pos + 1 + label > message.length) {
                throw new DnsFormatException("label runs past the end of the message");
            }
            if (text.length() > 0) {
                text.append('.');
            }
            for (int i = pos + 1; i <= pos + label; i++) {
                int c = message[i] & 0xFF;
                plain &= c > ' ' && c < 0x7F && c != '.' && c != '\\';
                text.append((char) c);
            }
            pos += 1 + label;
        }
    }

    /**
     * The wire form of a dotted name (a trailing dot is allowed), uncompressed.
     *
     * @throws IllegalArgumentException if a label is empty, too long, not ASCII, or the name is too long
     */
    static byte[] encode(String name) {
        String trimmed = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!trimmed.isEmpty()) {
            for (String label : trimmed.split("\\.", -1)) {
                byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
                if (bytes.length == 0 || bytes.length > MAX_LABEL || !label.chars().allMatch(c -> c > ' ' && c < 0x7F)) {
                    throw new IllegalArgumentException("not a domain name: " + name);
                }
                out.write(bytes.length);
                out.writeBytes(bytes);
            }
        }
        out.write(0);
        if (out.size() > MAX_LENGTH) {
            throw new IllegalArgumentException("domain name longer than " + MAX_LENGTH + " bytes: " + name);
        }
        return out.toByteArray();
    }
}
