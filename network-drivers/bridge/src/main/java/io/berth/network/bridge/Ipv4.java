package io.berth.network.bridge;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Strict IPv4 literals and subnets. Everything that ends up in an iptables rule or a socket bind is read
 * here first, so that a malformed value is an {@link IllegalArgumentException} instead of a name lookup or
 * a line of someone else's rule text.
 */
final class Ipv4 {

    private Ipv4() {}

    /** A dotted quad ("10.210.3.2"); never resolves a host name. */
    static Inet4Address address(String literal) {
        String[] parts = literal.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + literal);
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            if (!parts[i].matches("\\d{1,3}") || Integer.parseInt(parts[i]) > 255) {
                throw new IllegalArgumentException("not an IPv4 address: " + literal);
            }
            bytes[i] = (byte) Integer.parseInt(parts[i]);
        }
        try {
            return (Inet4Address) InetAddress.getByAddress(bytes);
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /** A subnet in CIDR form, written as iptables writes it: host bits cleared ("10.210.3.7/24" → "10.210.3.0/24"). */
    static String subnet(String cidr) {
        int slash = cidr.indexOf('/');
        String length = slash < 0 ? "" : cidr.substring(slash + 1);
        if (!length.matches("\\d{1,2}") || Integer.parseInt(length) > 32) {
            throw new IllegalArgumentException("not an IPv4 subnet: " + cidr);
        }
        int prefix = Integer.parseInt(length);
        int bits = toInt(address(cidr.substring(0, slash)));
        int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
        int network = bits & mask;
        return (network >>> 24) + "." + (network >>> 16 & 0xff) + "." + (network >>> 8 & 0xff) + "." + (network & 0xff)
                + "/" + prefix;
    }

    private static int toInt(Inet4Address address) {
        byte[] b = address.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }
}
