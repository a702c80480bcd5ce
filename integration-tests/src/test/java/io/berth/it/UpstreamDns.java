package io.berth.it;

import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A tiny DNS server that a network test starts on the host side as the daemon's (or a container's)
 * upstream server, so that no query leaves the machine: it answers A queries for the names it is given,
 * NOERROR without answers for their other types, and NXDOMAIN for every other name. It prints
 * {@code ready} once it listens, then {@code query <name> <type number>} for each question.
 *
 * <p>Run as its own process ({@code java -cp <test classpath> io.berth.it.UpstreamDns ADDRESS NAME=IPV4...}),
 * so that a test can start it inside another network namespace; it listens on ADDRESS port 53 (UDP).
 */
public final class UpstreamDns {

    private static final int TYPE_A = 1;
    private static final int CLASS_IN = 1;
    private static final int NXDOMAIN = 3;

    private UpstreamDns() {}

    public static void main(String[] args) throws Exception {
        Map<String, byte[]> names = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            String[] nameAndAddress = args[i].split("=", 2);
            names.put(nameAndAddress[0].toLowerCase(Locale.ROOT), InetAddress.getByName(nameAndAddress[1]).getAddress());
        }
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(args[0]), 53))) {
            System.out.println("ready");
            System.out.flush();
            byte[] buffer = new byte[512];
            while (true) {
                DatagramPacket query = new DatagramPacket(buffer, buffer.length);
                socket.receive(query);
                byte[] reply = reply(Arrays.copyOf(query.getData(), query.getLength()), names);
                if (reply != null) {
                    socket.send(new DatagramPacket(reply, reply.length, query.getSocketAddress()));
                }
            }
        }
    }

    /** The response to one query message, or null when it is not a single well-formed question. */
    static byte[] reply(byte[] query, Map<String, byte[]> names) {
        if (query.length < 12 || u16(query, 4) != 1) {
            return null;
        }
        StringBuilder name = new StringBuilder();
        int pos = 12;
        while (pos < query.length && query[pos] != 0) {
            int len = query[pos] & 0xff;
            if (len > 63 || pos + 1 + len > query.length) {
                return null;
            }
            name.append(name.length() == 0 ? "" : ".").append(new String(query, pos + 1, len, StandardCharsets.US_ASCII));
            pos += 1 + len;
        }
        int questionEnd = pos + 5;
        if (questionEnd > query.length) {
            return null;
        }
        int type = u16(query, pos + 1);
        String asked = name.toString().toLowerCase(Locale.ROOT);
        System.out.println("query " + asked + " " + type);
        System.out.flush();
        byte[] address = names.get(asked);
        boolean answer = address != null && type == TYPE_A && u16(query, pos + 3) == CLASS_IN;

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(query, 0, 2);                                   // id
        out.write(0x80 | 0x04 | (query[2] & 0x79));               // response, authoritative, the query's opcode and RD
        out.write(0x80 | (address == null ? NXDOMAIN : 0));       // recursion available, rcode
        out.writeBytes(new byte[] {0, 1, 0, (byte) (answer ? 1 : 0), 0, 0, 0, 0});
        out.write(query, 12, questionEnd - 12);                   // the question, as asked
        if (answer) {
            out.writeBytes(new byte[] {(byte) 0xc0, 12, 0, TYPE_A, 0, CLASS_IN, 0, 0, 0, 60, 0, 4});
            out.writeBytes(address);
        }
        return out.toByteArray();
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    }
}
