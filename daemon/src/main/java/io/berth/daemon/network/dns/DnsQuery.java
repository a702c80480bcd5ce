package io.berth.daemon.network.dns;

import static io.berth.daemon.network.dns.DnsWire.HEADER_LENGTH;
import static io.berth.daemon.network.dns.DnsWire.MAX_MESSAGE;
import static io.berth.daemon.network.dns.DnsWire.QUESTION_OFFSET;
import static io.berth.daemon.network.dns.DnsWire.TYPE_OPT;
import static io.berth.daemon.network.dns.DnsWire.UDP_DEFAULT_LIMIT;
import static io.berth.daemon.network.dns.DnsWire.u16;

/**
 * A client's query as the embedded server reads it: the message as received (forwarded as it is, but
 * for the id), its one question, and how large a UDP reply the client accepts.
 *
 * @param message     the query's bytes
 * @param name        the question's name
 * @param type        the question's type (A, AAAA, PTR, …)
 * @param qclass      the question's class (IN for anything berth answers)
 * @param questionEnd the offset just after the question; replies copy bytes 12 up to here
 * @param udpLimit    512, or the larger payload size the client announced in an EDNS OPT record
 */
record DnsQuery(byte[] message, DnsName name, int type, int qclass, int questionEnd, int udpLimit) {

    /**
     * Reads a query whose header the caller has checked (12 bytes or more, QR clear, opcode QUERY).
     *
     * @throws DnsFormatException if it does not hold exactly one readable question
     */
    static DnsQuery parse(byte[] message) throws DnsFormatException {
        if (DnsWire.questionCount(message) != 1) {
            throw new DnsFormatException("a query holds one question, not " + DnsWire.questionCount(message));
        }
        DnsName name = DnsName.read(message, QUESTION_OFFSET);
        int questionEnd = name.end() + 4;
        if (questionEnd > message.length) {
            throw new DnsFormatException("question cut short");
        }
        int type = u16(message, name.end());
        int qclass = u16(message, name.end() + 2);
        return new DnsQuery(message, name, type, qclass, questionEnd, udpLimit(message, questionEnd));
    }

    int id() {
        return DnsWire.id(message);
    }

    int flags() {
        return DnsWire.flags(message);
    }

    /**
     * The client's UDP payload size from its OPT record, found by walking the records after the question.
     * Records that cannot be walked mean no EDNS: the client gets the 512 bytes every client accepts.
     */
    private static int udpLimit(byte[] message, int questionEnd) {
        int records = u16(message, 6) + u16(message, 8) + u16(message, 10);
        int pos = questionEnd;
        try {
            for (int i = 0; i < records; i++) {
                int typeAt = DnsName.read(message, pos).end();
                if (typeAt + 10 > message.length) {
                    return UDP_DEFAULT_LIMIT;
                }
                if (u16(message, typeAt) == TYPE_OPT) {
                    return Math.min(MAX_MESSAGE, Math.max(UDP_DEFAULT_LIMIT, u16(message, typeAt + 2)));
                }
                pos = typeAt + 10 + u16(message, typeAt + 8);
            }
        } catch (DnsFormatException e) {
            return UDP_DEFAULT_LIMIT;
        }
        return UDP_DEFAULT_LIMIT;
    }

    /** Whether a message is a response to this query: its id, QR set, and the same question if it repeats one. */
    boolean isAnsweredBy(byte[] response, int sentId) {
        if (response.length < HEADER_LENGTH || DnsWire.id(response) != sentId
                || (DnsWire.flags(response) & DnsWire.FLAG_QR) == 0) {
            return false;
        }
        if (DnsWire.questionCount(response) == 0) {
            return true;
        }
        try {
            DnsName repeated = DnsName.read(response, QUESTION_OFFSET);
            return repeated.end() + 4 <= response.length
                    && repeated.text().equalsIgnoreCase(name.text())
                    && u16(response, repeated.end()) == type
                    && u16(response, repeated.end() + 2) == qclass;
        } catch (DnsFormatException e) {
            return false;
        }
    }
}
