package io.berth.daemon.network;

import io.berth.daemon.network.dns.EmbeddedDns;
import io.berth.daemon.state.Container;
import io.berth.daemon.state.Endpoint;
import io.berth.daemon.state.EngineState;
import io.berth.daemon.state.Network;
import io.berth.daemon.state.NetworkMembership;
import io.berth.daemon.runtime.ContainerSpecs;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The names the embedded DNS server answers, read from the state: on each user-defined network a
 * container shares with the asker, the container's name, its aliases there and its short id (also as
 * "name.network"), and the asker's link aliases; everything else goes to the asker's --dns servers, or
 * the daemon's, or the host's.
 */
public final class BerthNames implements EmbeddedDns.Names {

    private final EngineState state;
    private final List<String> daemonDns;

    /** @param daemonDns the daemon's --dns servers (empty: the host's resolv.conf servers) */
    public BerthNames(EngineState state, List<String> daemonDns) {
        this.state = state;
        this.daemonDns = List.copyOf(daemonDns);
    }

    @Override
    public List<Inet4Address> lookup(String containerId, String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        if (wanted.endsWith(".")) {
            wanted = wanted.substring(0, wanted.length() - 1);
        }
        List<Inet4Address> found = new ArrayList<>();
        for (Endpoint mine : state.endpoints(containerId)) {
            Network n = state.network(mine.networkId()).orElse(null);
            if (n == null || n.predefined()) {
                continue;
            }
            String local = wanted;
            String suffix = "." + n.name().toLowerCase(Locale.ROOT);
            if (wanted.endsWith(suffix)) {
                local = wanted.substring(0, wanted.length() - suffix.length());
            }
            for (NetworkMembership m : state.members(n.id())) {
                Optional<Endpoint> e = state.endpoint(m.containerId(), n.id());
                Optional<Container> c = state.container(m.containerId());
                if (e.isPresent() && c.isPresent() && answersTo(c.get(), m, local)) {
                    found.add(address(e.get().address()));
                }
            }
            state.membership(containerId, n.id()).ifPresent(m -> {
                for (String link : m.links()) {
                    LegacyLink l = LegacyLink.parse(link);
                    if (l.alias().equalsIgnoreCase(name.replaceFirst("\\.$", ""))) {
                        try {
                            state.findContainer(l.target()).flatMap(t -> state.endpoint(t.id(), n.id()))
                                    .ifPresent(t -> found.add(address(t.address())));
                        } catch (EngineState.AmbiguousException ignored) {
                            // no answer for an ambiguous link
                        }
                    }
                }
            });
        }
        return found.stream().distinct().toList();
    }

    private static boolean answersTo(Container c, NetworkMembership m, String name) {
        if (c.name().equalsIgnoreCase(name) || c.shortId().equals(name)) {
            return true;
        }
        if (m.aliases().stream().anyMatch(a -> a.equalsIgnoreCase(name))) {
            return true;
        }
        String hostname = ContainerSpecs.hostname(c);
        return !hostname.equals(c.shortId()) && hostname.equalsIgnoreCase(name);
    }

    @Override
    public Optional<String> reverse(String containerId, Inet4Address address) {
        String text = address.getHostAddress();
        for (Endpoint mine : state.endpoints(containerId)) {
            Network n = state.network(mine.networkId()).orElse(null);
            if (n == null || n.predefined()) {
                continue;
            }
            for (Endpoint e : state.allEndpoints()) {
                if (e.networkId().equals(n.id()) && e.address().equals(text)) {
                    return state.container(e.containerId()).map(c -> c.name() + "." + n.name());
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public List<InetSocketAddress> upstreams(String containerId) {
        Optional<Container> c = state.container(containerId);
        boolean outside = state.endpoints(containerId).stream().anyMatch(e ->
                state.network(e.networkId()).map(n -> !n.internal()).orElse(false));
        if (c.isEmpty() || !outside) {
            return List.of();
        }
        List<String> servers = ContainerSpecs.strings(c.get().hostConfig().path("Dns"));
        if (servers.isEmpty()) {
            servers = daemonDns.isEmpty() ? HostFiles.hostNameservers() : daemonDns;
        }
        List<InetSocketAddress> out = new ArrayList<>();
        for (String s : servers) {
            if (Cidr.isAddress(s)) {
                out.add(new InetSocketAddress(address(s), 53));
            }
        }
        return out;
    }

    private static Inet4Address address(String text) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {
                    (byte) (Cidr.parseAddress(text) >>> 24), (byte) (Cidr.parseAddress(text) >>> 16),
                    (byte) (Cidr.parseAddress(text) >>> 8), (byte) Cidr.parseAddress(text)});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
