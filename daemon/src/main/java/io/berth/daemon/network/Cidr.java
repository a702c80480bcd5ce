package io.berth.daemon.network;

/**
 * An IPv4 network in CIDR form, and the address arithmetic IPAM needs. Addresses are ints (the 32 bits
 * of the address, compared unsigned).
 *
 * @param address the address as written (host bits may be set, as in a {@code --bip} of 10.0.0.1/16)
 * @param prefix  the prefix length, 0..32
 */
public record Cidr(int address, int prefix) {

    public Cidr {
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("invalid prefix length " + prefix);
        }
    }

    /** Parses "10.1.0.0/24"; throws IllegalArgumentException with Go's wording for anything else. */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("invalid CIDR address: " + text);
        }
        try {
            int prefix = Integer.parseInt(text.substring(slash + 1));
            if (prefix < 0 || prefix > 32 || !text.substring(slash + 1).matches("[0-9]{1,2}")) {
                throw new IllegalArgumentException("invalid CIDR address: " + text);
            }
            return new Cidr(parseAddress(text.substring(0, slash)), prefix);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid CIDR address: " + text);
        }
    }

    /** Parses a dotted-quad IPv4 address; IllegalArgumentException for anything else. */
    public static int parseAddress(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("invalid IPv4 address: " + text);
        }
        int value = 0;
        for (String part : parts) {
            if (!part.matches("[0-9]{1,3}") || (part.length() > 1 && part.startsWith("0"))) {
                throw new IllegalArgumentException("invalid IPv4 address: " + text);
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                throw new IllegalArgumentException("invalid IPv4 address: " + text);
            }
            value = (value << 8) | octet;
        }
        return value;
    }

    public static boolean isAddress(String text) {
        try {
            parseAddress(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public static String format(int address) {
        return ((address >>> 24) & 255) + "." + ((address >>> 16) & 255) + "." + ((address >>> 8) & 255) + "."
                + (address & 255);
    }

    public int mask() {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    /** The network's own address (host bits cleared). */
    public int network() {
        return address & mask();
    }

    public int broadcast() {
        return network() | ~mask();
    }

    /** This network with the host bits cleared: 10.0.0.1/16 becomes 10.0.0.0/16. */
    public Cidr canonical() {
        return new Cidr(network(), prefix);
    }

    public boolean contains(int other) {
        return (other & mask()) == network();
    }

    public boolean contains(Cidr other) {
        return other.prefix >= prefix && contains(other.network());
    }

    public boolean overlaps(Cidr other) {
        return contains(other.network()) || other.contains(network());
    }

    /** How many addresses the network spans. */
    public long size() {
        return 1L << (32 - prefix);
    }

    /** The address {@code offset} places after the network address. */
    public int at(long offset) {
        return (int) (Integer.toUnsignedLong(network()) + offset);
    }

    /** The address as text ("10.0.0.1"), without the prefix. */
    public String addressText() {
        return format(address);
    }

    @Override
    public String toString() {
        return format(address) + "/" + prefix;
    }
}
