package io.berth.cli;

import java.util.Arrays;

/**
 * IP addresses and CIDR prefixes as Go's {@code net} package reads and prints them, which is what the
 * docker CLI's checks of --dns, -p's host address and network create's --subnet/--gateway/--ip-range
 * accept. An address is 16 bytes; an IPv4 address is held IPv4-mapped ({@code ::ffff:a.b.c.d}) and
 * printed dotted, as Go does. Nothing here resolves names.
 */
final class IpAddress {

    private IpAddress() {}

    /** The address in {@code text} (dotted IPv4 without leading zeros, or IPv6 without a zone), or null. */
    static byte[] parse(String text) {
        int dot = text.indexOf('.');
        int colon = text.indexOf(':');
        if (colon >= 0 && (dot < 0 || colon < dot)) {
            return parseIpv6(text);
        }
        byte[] v4 = parseIpv4(text);
        if (v4 == null) {
            return null;
        }
        byte[] ip = new byte[16];
        ip[10] = (byte) 0xff;
        ip[11] = (byte) 0xff;
        System.arraycopy(v4, 0, ip, 12, 4);
        return ip;
    }

    /** Go's {@code IP.String()}: dotted for IPv4, RFC 5952 for IPv6 (lowercase, the longest zero run as "::"). */
    static String format(byte[] ip) {
        if (isIpv4(ip)) {
            return (ip[12] & 0xff) + "." + (ip[13] & 0xff) + "." + (ip[14] & 0xff) + "." + (ip[15] & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((ip[2 * i] & 0xff) << 8) | (ip[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is not shortened
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                b.append("::");
                i += bestLength - 1;
                continue;
            }
            if (b.length() > 0 && b.charAt(b.length() - 1) != ':') {
                b.append(':');
            }
            b.append(Integer.toHexString(groups[i]));
        }
        return b.toString();
    }

    /** 127.0.0.0/8 or ::1. */
    static boolean isLoopback(byte[] ip) {
        if (isIpv4(ip)) {
            return ip[12] == 127;
        }
        for (int i = 0; i < 15; i++) {
            if (ip[i] != 0) {
                return false;
            }
        }
        return ip[15] == 1;
    }

    static boolean isIpv4(byte[] ip) {
        for (int i = 0; i < 10; i++) {
            if (ip[i] != 0) {
                return false;
            }
        }
        return ip[10] == (byte) 0xff && ip[11] == (byte) 0xff;
    }

    /** A CIDR prefix: the address as written ({@code 10.0.0.7} of 10.0.0.7/24) and the prefix length in 128 bits. */
    record Cidr(byte[] address, int bits) {

        /** Go's {@code net.ParseCIDR}; an invalid prefix is "invalid CIDR address: TEXT". */
        static Cidr parse(String text) {
            int slash = text.indexOf('/');
            byte[] ip = slash < 0 ? null : IpAddress.parse(text.substring(0, slash));
            String mask = slash < 0 ? "" : text.substring(slash + 1);
            if (ip == null || !mask.matches("\\d+")) {
                throw new IllegalArgumentException("invalid CIDR address: " + text);
            }
            boolean writtenAsIpv4 = text.substring(0, slash).indexOf(':') < 0;
            String significant = mask.replaceFirst("^0+(?=\\d)", "");
            int bits = significant.length() > 3 ? Integer.MAX_VALUE : Integer.parseInt(significant);
            if (bits > (writtenAsIpv4 ? 32 : 128)) {
                throw new IllegalArgumentException("invalid CIDR address: " + text);
            }
            return new Cidr(ip, writtenAsIpv4 ? bits + 96 : bits);
        }

        /** Go's {@code IPNet.Contains}: IPv4 only in IPv4 networks, IPv6 only in IPv6 ones. */
        boolean contains(byte[] ip) {
            if (ip == null || isIpv4(ip) != isIpv4(address)) {
                return false;
            }
            int prefix = isIpv4(address) ? Math.max(bits, 96) : bits;
            for (int bit = 0; bit < prefix; bit++) {
                int mask = 0x80 >> (bit % 8);
                if ((ip[bit / 8] & mask) != (address[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Four decimal fields 0-255, no leading zeros (Go 1.17 and later refuse them). */
    private static byte[] parseIpv4(String text) {
        String[] fields = text.split("\\.", -1);
        if (fields.length != 4) {
            return null;
        }
        byte[] ip = new byte[4];
        for (int i = 0; i < 4; i++) {
            String f = fields[i];
            if (!f.matches("0|[1-9]\\d{0,2}") || Integer.parseInt(f) > 255) {
                return null;
            }
            ip[i] = (byte) Integer.parseInt(f);
        }
        return ip;
    }

    /** Hex groups of 1-4 digits, at most one "::", maybe a dotted IPv4 address in the last 32 bits (Go's netip). */
    private static byte[] parseIpv6(String text) {
        if (text.indexOf('%') >= 0) {
            return null; // a zone: net.ParseIP refuses it
        }
        byte[] ip = new byte[16];
        int ellipsis = -1; // where "::" stands, in bytes
        String s = text;
        if (s.startsWith("::")) {
            ellipsis = 0;
            s = s.substring(2);
            if (s.isEmpty()) {
                return ip;
            }
        }
        int i = 0;
        while (i < 16) {
            int digits = 0;
            while (digits < s.length() && Character.digit(s.charAt(digits), 16) >= 0) {
                digits++;
            }
            if (digits == 0) {
                return null;
            }
            if (digits < s.length() && s.charAt(digits) == '.') {
                byte[] v4 = (ellipsis >= 0 || i == 12) && i + 4 <= 16 ? parseIpv4(s) : null;
                if (v4 == null) {
                    return null;
                }
                System.arraycopy(v4, 0, ip, i, 4);
                i += 4;
                s = "";
                break;
            }
            if (digits > 4) {
                return null;
            }
            int group = Integer.parseInt(s.substring(0, digits), 16);
            ip[i] = (byte) (group >> 8);
            ip[i + 1] = (byte) group;
            i += 2;
            s = s.substring(digits);
            if (s.isEmpty()) {
                break;
            }
            if (s.charAt(0) != ':' || s.length() == 1) {
                return null;
            }
            s = s.substring(1);
            if (s.charAt(0) == ':') {
                if (ellipsis >= 0) {
                    return null;
                }
                ellipsis = i;
                s = s.substring(1);
                if (s.isEmpty()) {
                    break;
                }
            }
        }
        if (!s.isEmpty()) {
            return null;
        }
        if (i < 16) {
            if (ellipsis < 0) {
                return null;
            }
            int n = 16 - i;
            System.arraycopy(ip, ellipsis, ip, ellipsis + n, i - ellipsis);
            Arrays.fill(ip, ellipsis, ellipsis + n, (byte) 0);
        } else if (ellipsis >= 0) {
            return null; // "::" must stand for at least one group
        }
        return ip;
    }
}
