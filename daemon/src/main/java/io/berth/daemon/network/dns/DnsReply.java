package io.berth.daemon.network.dns;

import static io.berth.daemon.network.dns.DnsWire.CLASS_IN;
import static io.berth.daemon.network.dns.DnsWire.FLAG_AA;
import static io.berth.daemon.network.dns.DnsWire.FLAG_CD;
import static io.berth.daemon.network.dns.DnsWire.FLAG_QR;
import static io.berth.daemon.network.dns.DnsWire.FLAG_RA;
import static io.berth.daemon.network.dns.DnsWire.FLAG_RD;
import static io.berth.daemon.network.dns.DnsWire.FLAG_TC;
import static io.berth.daemon.network.dns.DnsWire.HEADER_LENGTH;
import static io.berth.daemon.network.dns.DnsWire.NOERROR;
import static io.berth.daemon.network.dns.DnsWire.OPCODE_MASK;
import static io.berth.daemon.network.dns.DnsWire.QUESTION_OFFSET;
import static io.berth.daemon.network.dns.DnsWire.TYPE_A;
import static io.berth.daemon.network.dns.DnsWire.TYPE_PTR;
import static io.berth.daemon.network.dns.DnsWire.putU16;

import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The replies the embedded server writes itself. Answers from upstream servers are relayed as they came
 * and never pass through here. Every reply echoes the query's id, opcode, RD and CD and sets RA, as a
 * recursive server's reply does; answers for berth's names are authoritative (AA) with a TTL of 600 s.
 */
final class DnsReply {

    static final int TTL_SECONDS = 600;
    /** An answer record's fixed part: a pointer to the question's name, type, class, TTL, data length. */
    private static final int RECORD_HEAD = 2 + 2 + 2 + 4 + 2;
    private static final int POINTER_TO_QUESTION = 0xC000 | QUESTION_OFFSET;

    private DnsReply() {
    }

    /** A header and nothing else, for a message whose question could not be read (FORMERR, NOTIMP). */
    static byte[] headerOnly(byte[] query, int rcode) {
        byte[] reply = new byte[HEADER_LENGTH];
        putU16(reply, 0, DnsWire.id(query));
        putU16(reply, 2, replyFlags(DnsWire.flags(query), false, false, rcode));
        return reply;
    }

    /** An error (SERVFAIL, REFUSED, …) that repeats the question. */
    static byte[] error(DnsQuery query, int rcode) {
        return build(query, rcode, false, 0, List.of(), DnsWire.MAX_MESSAGE);
    }

    /** "The name is berth's, but it has no records of this type" (AAAA and MX of a container name). */
    static byte[] noRecords(DnsQuery query) {
        return build(query, NOERROR, true, 0, List.of(), DnsWire.MAX_MESSAGE);
    }

    /** A records, as many as fit in {@code limit} bytes; TC tells the client there were more. */
    static byte[] addresses(DnsQuery query, List<Inet4Address> addresses, int limit) {
        return build(query, NOERROR, true, TYPE_A, addresses.stream().map(Inet4Address::getAddress).toList(), limit);
    }

    /** A PTR record naming {@code target}, a dotted name. */
    static byte[] pointer(DnsQuery query, String target, int limit) {
        return build(query, NOERROR, true, TYPE_PTR, List.of(DnsName.encode(target)), limit);
    }

    private static byte[] build(DnsQuery query, int rcode, boolean authoritative, int type, List<byte[]> records, int limit) {
        int size = query.questionEnd();
        int fitting = 0;
        for (byte[] data : records) {
            if (size + RECORD_HEAD + data.length > limit) {
                break;
            }
            size += RECORD_HEAD + data.length;
            fitting++;
        }
        boolean truncated = fitting < records.size();
        ByteBuffer reply = ByteBuffer.allocate(size);
        reply.putShort((short) query.id());
        reply.putShort((short) replyFlags(query.flags(), authoritative, truncated, rcode));
        reply.putShort((short) 1).putShort((short) fitting).putShort((short) 0).putShort((short) 0);
        reply.put(query.message(), QUESTION_OFFSET, query.questionEnd() - QUESTION_OFFSET);
        for (byte[] data : records.subList(0, fitting)) {
            reply.putShort((short) POINTER_TO_QUESTION).putShort((short) type).putShort((short) CLASS_IN);
            reply.putInt(TTL_SECONDS).putShort((short) data.length).put(data);
        }
        return reply.array();
    }

    private static int replyFlags(int queryFlags, boolean authoritative, boolean truncated, int rcode) {
        return FLAG_QR | queryFlags & (OPCODE_MASK | FLAG_RD | FLAG_CD) | FLAG_RA
                | (authoritative ? FLAG_AA : 0) | (truncated ? FLAG_TC : 0) | rcode;
    }
}
