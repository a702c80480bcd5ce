package io.berth.daemon.network.dns;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * DNS messages built and read byte by byte, the way dig would send and print them, so the tests check the
 * server against the wire format rather than against its own code.
 */
final class TestMessages {

    static final int A = 1;
    static final int PTR = 12;
    static final int MX = 15;
    static final int TXT = 16;
    static final int AAAA = 28;

    private TestMessages() {
    }

    /** A standard query with RD set and one IN question. */
    static byte[] query(int id, String name, int type) {
        ByteBuffer b = ByteBuffer.allocate(512);
        b.putShort((short) id).putShort((short) 0x0100).putShort((short) 1).putShort((short) 0).putShort((short) 0).putShort((short) 0);
        b.put(labels(name)).putShort((short) type).putShort((short) 1);
        return copy(b);
    }

    /** The same query with an EDNS OPT record announcing {@code udpSize}. */
    static byte[] queryWithEdns(int id, String name, int type, int udpSize) {
        byte[] plain = query(id, name, type);
        ByteBuffer b = ByteBuffer.allocate(plain.length + 11).put(plain);
        b.putShort(10, (short) 1);
        b.put((byte) 0).putShort((short) 41).putShort((short) udpSize).putInt(0).putShort((short) 0);
        return b.array();
    }

    /** An upstream's answer to {@code query}: one A record whose name points back at the question. */
    static byte[] answer(byte[] query, String address, int ttl) {
        int questionEnd = questionEnd(query);
        ByteBuffer b = ByteBuffer.allocate(questionEnd + 16);
        b.put(query, 0, questionEnd);
        b.putShort(2, (short) 0x8180).putShort(6, (short) 1).putShort(8, (short) 0).putShort(10, (short) 0);
        b.putShort((short) 0xC00C).putShort((short) A).putShort((short) 1).putInt(ttl).putShort((short) 4).put(ipv4(address));
        return b.array();
    }

    /** An upstream's reply to {@code query} with no records, the given flags (e.g. TC) and rcode. */
    static byte[] empty(byte[] query, int extraFlags, int rcode) {
        int questionEnd = questionEnd(query);
        ByteBuffer b = ByteBuffer.allocate(questionEnd).put(query, 0, questionEnd);
        b.putShort(2, (short) (0x8180 | extraFlags | rcode)).putShort(6, (short) 0).putShort(8, (short) 0).putShort(10, (short) 0);
        return b.array();
    }

    static int id(byte[] message) {
        return (message[0] & 0xFF) << 8 | (message[1] & 0xFF);
    }

    static byte[] withId(byte[] message, int id) {
        byte[] copy = message.clone();
        copy[0] = (byte) (id >>> 8);
        copy[1] = (byte) id;
        return copy;
    }

    /** The question's name as dotted text. */
    static String questionName(byte[] message) {
        StringBuilder name = new StringBuilder();
        int pos = 12;
        while (message[pos] != 0) {
            if (name.length() > 0) {
                name.append('.');
            }
            name.append(new String(message, pos + 1, message[pos], StandardCharsets.US_ASCII));
            pos += 1 + message[pos];
        }
        return name.toString();
    }

    static int questionType(byte[] message) {
        int typeAt = questionEnd(message) - 4;
        return (message[typeAt] & 0xFF) << 8 | (message[typeAt + 1] & 0xFF);
    }

    /** A record of a reply's answer section. */
    record Answer(int type, int ttl, byte[] data) {
        String address() {
            try {
                return InetAddress.getByAddress(data).getHostAddress();
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }

        /** PTR data as dotted text (berth writes it uncompressed). */
        String target() {
            StringBuilder name = new StringBuilder();
            for (int pos = 0; data[pos] != 0; pos += 1 + data[pos]) {
                name.append(new String(data, pos + 1, data[pos], StandardCharsets.US_ASCII)).append('.');
            }
            return name.toString();
        }
    }

    /** A reply as a client reads it. */
    record Reply(int id, int flags, int questions, List<Answer> answers) {
        int rcode() {
            return flags & 0xF;
        }

        boolean authoritative() {
            return (flags & 0x0400) != 0;
        }

        boolean truncated() {
            return (flags & 0x0200) != 0;
        }

        boolean isResponse() {
            return (flags & 0x8000) != 0;
        }

        List<String> addresses() {
            return answers.stream().filter(a -> a.type() == A).map(Answer::address).toList();
        }
    }

    /** Reads a reply whose answers name the question by a pointer or in full, like every server here writes. */
    static Reply read(byte[] m) {
        ByteBuffer b = ByteBuffer.wrap(m);
        int id = b.getShort() & 0xFFFF;
        int flags = b.getShort() & 0xFFFF;
        int questions = b.getShort() & 0xFFFF;
        int answers = b.getShort() & 0xFFFF;
        b.position(12);
        for (int i = 0; i < questions; i++) {
            skipName(b);
            b.position(b.position() + 4);
        }
        List<Answer> records = new ArrayList<>();
        for (int i = 0; i < answers; i++) {
            skipName(b);
            int type = b.getShort() & 0xFFFF;
            b.getShort();
            int ttl = b.getInt();
            byte[] data = new byte[b.getShort() & 0xFFFF];
            b.get(data);
            records.add(new Answer(type, ttl, data));
        }
        return new Reply(id, flags, questions, records);
    }

    private static void skipName(ByteBuffer b) {
        while (true) {
            int len = b.get() & 0xFF;
            if (len == 0) {
                return;
            }
            if ((len & 0xC0) == 0xC0) {
                b.get();
                return;
            }
            b.position(b.position() + len);
        }
    }

    static byte[] labels(String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String label : name.split("\\.")) {
            if (!label.isEmpty()) {
                out.write(label.length());
                out.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
            }
        }
        out.write(0);
        return out.toByteArray();
    }

    static byte[] ipv4(String address) {
        try {
            return InetAddress.getByName(address).getAddress();
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static int questionEnd(byte[] query) {
        int pos = 12;
        while (query[pos] != 0) {
            pos += 1 + query[pos];
        }
        return pos + 5;
    }

    private static byte[] copy(ByteBuffer b) {
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }
}
