package io.berth.daemon.network.dns;

import static io.berth.daemon.network.dns.DnsWire.CLASS_IN;
import static io.berth.daemon.network.dns.DnsWire.TYPE_A;
import static io.berth.daemon.network.dns.DnsWire.TYPE_AAAA;
import static io.berth.daemon.network.dns.DnsWire.TYPE_MX;
import static io.berth.daemon.network.dns.DnsWire.TYPE_PTR;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The questions berth answers itself, the way Docker's embedded resolver does: A for a berth name (its
 * addresses, shuffled); AAAA and MX for a berth name answered "no such records" (berth is IPv4-only, and an
 * empty MX lets mail clients fall back to the address); PTR for an address berth can name. Any other
 * question, even about a berth name, goes upstream.
 */
final class LocalAnswers {

    private static final String REVERSE_ZONE = ".in-addr.arpa";

    private final EmbeddedDns.Names names;

    LocalAnswers(EmbeddedDns.Names names) {
        this.names = names;
    }

    /**
     * Berth's reply to a container's query, at most {@code limit} bytes long, or null when the query is
     * not about berth's names and goes upstream.
     */
    byte[] reply(String containerId, DnsQuery query, int limit) {
        if (query.qclass() != CLASS_IN || !query.name().plain() || query.name().text().isEmpty()) {
            return null;
        }
        String name = query.name().text();
        switch (query.type()) {
            case TYPE_A: {
                List<Inet4Address> addresses = new ArrayList<>(names.lookup(containerId, name));
                Collections.shuffle(addresses);
                return addresses.isEmpty() ? null : DnsReply.addresses(query, addresses, limit);
            }
            case TYPE_AAAA:
            case TYPE_MX:
                return names.lookup(containerId, name).isEmpty() ? null : DnsReply.noRecords(query);
            case TYPE_PTR: {
                Inet4Address address = reverseAddress(name);
                if (address == null) {
                    return null;
                }
                return names.reverse(containerId, address).map(target -> DnsReply.pointer(query, target, limit)).orElse(null);
            }
            default:
                return null;
        }
    }

    /** The address a name like {@code 2.0.18.172.in-addr.arpa} asks about, or null for any other name. */
    static Inet4Address reverseAddress(String name) {
        if (!name.toLowerCase(Locale.ROOT).endsWith(REVERSE_ZONE)) {
            return null;
        }
        String[] octets = name.substring(0, name.length() - REVERSE_ZONE.length()).split("\\.", -1);
        if (octets.length != 4) {
            return null;
        }
        byte[] address = new byte[4];
        for (int i = 0; i < 4; i++) {
            String octet = octets[3 - i];
            if (octet.isEmpty() || octet.length() > 3 || !octet.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            int value = Integer.parseInt(octet);
            if (value > 255) {
                return null;
            }
            address[i] = (byte) value;
        }
        try {
            return (Inet4Address) InetAddress.getByAddress(address);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are an IPv4 address", e);
        }
    }
}
