package io.berth.daemon.network.dns;

/**
 * The numbers of the DNS wire format (RFC 1035; AAAA from RFC 3596, OPT from RFC 6891) that the embedded
 * server reads and writes, and access to the header's 16-bit fields.
 *
 * <p>A message starts with a 12-byte header: id, flags, then the counts of questions, answers, authority
 * and additional records. The flags word holds QR (this is a response), the opcode, AA (authoritative),
 * TC (truncated), RD (recursion desired), RA (recursion available), CD (checking disabled) and the rcode.
 */
final class DnsWire {

    static final int HEADER_LENGTH = 12;
    /** Where the first question's name starts; answers point here to repeat it. */
    static final int QUESTION_OFFSET = HEADER_LENGTH;
    /** The largest UDP message a client accepts unless its query says more (EDNS). */
    static final int UDP_DEFAULT_LIMIT = 512;
    /** The largest message at all; over TCP the two-byte length prefix allows no more. */
    static final int MAX_MESSAGE = 65535;

    static final int FLAG_QR = 0x8000;
    static final int OPCODE_MASK = 0x7800;
    static final int FLAG_AA = 0x0400;
    static final int FLAG_TC = 0x0200;
    static final int FLAG_RD = 0x0100;
    static final int FLAG_RA = 0x0080;
    static final int FLAG_CD = 0x0010;
    static final int RCODE_MASK = 0x000F;

    static final int TYPE_A = 1;
    static final int TYPE_PTR = 12;
    static final int TYPE_MX = 15;
    static final int TYPE_AAAA = 28;
    static final int TYPE_OPT = 41;
    static final int CLASS_IN = 1;

    static final int NOERROR = 0;
    static final int FORMERR = 1;
    static final int SERVFAIL = 2;
    static final int NOTIMP = 4;
    static final int REFUSED = 5;

    private DnsWire() {
    }

    static int u16(byte[] message, int offset) {
        return (message[offset] & 0xFF) << 8 | (message[offset + 1] & 0xFF);
    }

    static void putU16(byte[] message, int offset, int value) {
        message[offset] = (byte) (value >>> 8);
        message[offset + 1] = (byte) value;
    }

    static int id(byte[] message) {
        return u16(message, 0);
    }

    static int flags(byte[] message) {
        return u16(message, 2);
    }

    static int questionCount(byte[] message) {
        return u16(message, 4);
    }

    static int rcode(byte[] message) {
        return flags(message) & RCODE_MASK;
    }
}
