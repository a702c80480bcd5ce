package io.berth.daemon.network.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The daemon's names as a test sets them: the same for every container, matched as the contract says. */
final class FakeNames implements EmbeddedDns.Names {

    private final Map<String, List<Inet4Address>> addresses = new ConcurrentHashMap<>();
    private final Map<Inet4Address, String> reverse = new ConcurrentHashMap<>();
    private final Map<String, List<InetSocketAddress>> upstreams = new ConcurrentHashMap<>();

    /** A berth name and its addresses; each address names it back. */
    FakeNames name(String name, String... ips) {
        List<Inet4Address> list = new ArrayList<>();
        for (String ip : ips) {
            Inet4Address address = ipv4(ip);
            list.add(address);
            reverse.put(address, name);
        }
        addresses.put(name, list);
        return this;
    }

    FakeNames upstreams(String containerId, InetSocketAddress... servers) {
        upstreams.put(containerId, List.of(servers));
        return this;
    }

    @Override
    public List<Inet4Address> lookup(String containerId, String name) {
        String key = name.toLowerCase(Locale.ROOT);
        key = key.endsWith(".") ? key.substring(0, key.length() - 1) : key;
        return addresses.getOrDefault(key, List.of());
    }

    @Override
    public Optional<String> reverse(String containerId, Inet4Address address) {
        return Optional.ofNullable(reverse.get(address));
    }

    @Override
    public List<InetSocketAddress> upstreams(String containerId) {
        return upstreams.getOrDefault(containerId, List.of());
    }

    static Inet4Address ipv4(String ip) {
        try {
            return (Inet4Address) InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
