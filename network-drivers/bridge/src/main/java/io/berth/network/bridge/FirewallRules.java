package io.berth.network.bridge;

import static io.berth.network.bridge.OwnedChains.FILTER;
import static io.berth.network.bridge.OwnedChains.NAT;

import io.berth.plugin.network.EndpointSpec;
import io.berth.plugin.network.PortMapping;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code iptables-restore} input of a daemon's firewall: text only, no processes. Rules are written
 * exactly as iptables-save prints them, so what is installed compares line by line with what was asked.
 *
 * <p>The forward chain, in order (B: a network's bridge):
 * <ol>
 *   <li>{@code -o B RELATED,ESTABLISHED ACCEPT}: replies to what containers started, and to published ports;</li>
 *   <li>per published port, {@code -d IP -o B --dport CPORT, ctstate DNAT: ACCEPT}: a published port is
 *       reachable through the host's DNAT from anywhere, containers of other networks included, but never
 *       by routing straight to the container's address;</li>
 *   <li>{@code -i B -o B ACCEPT}: containers of one network talk freely (br_netfilter makes bridged
 *       traffic traverse FORWARD);</li>
 *   <li>internal networks: {@code -i B ! -o B DROP}: nothing leaves them;</li>
 *   <li>{@code -o B DROP}: nothing else enters a network: not from other networks (isolation, one rule
 *       per network instead of one per pair), not from other interfaces of the host;</li>
 *   <li>non-internal networks: {@code -i B ACCEPT}: everything else a container sends goes out.</li>
 * </ol>
 * Every packet to or from a bridge is decided inside the chain, so the rules work the same under a
 * FORWARD policy of DROP (as dockerd sets) or ACCEPT. nat: DNAT per published port (hostIp 0.0.0.0:
 * every local address); MASQUERADE of a subnet leaving its bridge, of 127.0.0.0/8 entering it (with
 * route_localnet on the bridge, 127.0.0.1:PORT reaches published ports), and of a container reaching
 * its own published port through the host (hairpin). Internal networks get no nat rules and their
 * endpoints' ports are not published.
 */
final class FirewallRules {

    private static final Set<String> PROTOCOLS = Set.of("tcp", "udp", "sctp");
    private static final String ALL_ADDRESSES = "0.0.0.0";

    /** A port published to a container: its bridge, its address, the host address (canonical), the mapping. */
    private record Published(String bridge, String address, String hostIp, PortMapping port) {}

    private FirewallRules() {}

    /**
     * Rewrites the owned chains to hold exactly these networks' rules, and brings the jumps into them to
     * exactly one each (deleting duplicates and outdated forms {@code installed} shows, adding missing ones).
     *
     * @throws IllegalArgumentException an endpoint of an unknown network, a malformed address, port or protocol
     */
    static String apply(OwnedChains owned, InstalledChains installed, List<BridgedNetwork> networks,
                        List<EndpointSpec> endpoints) {
        List<Published> published = published(networks, endpoints);
        List<String> nat = new ArrayList<>(dnatRules(owned.dnat(), published));
        nat.addAll(postRules(owned.post(), networks, published));
        // two host ports published to one container port make the same accept and hairpin rules: once each
        return table(FILTER, owned, installed, forwardRules(owned.forward(), networks, published).stream().distinct().toList())
                + table(NAT, owned, installed, nat.stream().distinct().toList());
    }

    /** Deletes the jumps and the owned chains that {@code installed} shows; empty when there are none. */
    static String removal(InstalledChains installed) {
        StringBuilder out = new StringBuilder();
        for (String table : List.of(FILTER, NAT)) {
            List<String> commands = new ArrayList<>();
            installed.jumps(table).forEach(rule -> commands.add(deletion(rule)));
            installed.chains(table).forEach(chain -> commands.add("-F " + chain));
            installed.chains(table).forEach(chain -> commands.add("-X " + chain));
            if (!commands.isEmpty()) {
                out.append('*').append(table).append('\n');
                commands.forEach(c -> out.append(c).append('\n'));
                out.append("COMMIT\n");
            }
        }
        return out.toString();
    }

    private static String table(String table, OwnedChains owned, InstalledChains installed, List<String> rules) {
        StringBuilder out = new StringBuilder("*" + table + "\n");
        owned.in(table).forEach(chain -> out.append(':').append(chain).append(" - [0:0]\n"));
        jumpRepairs(table, owned, installed).forEach(c -> out.append(c).append('\n'));
        rules.forEach(rule -> out.append(rule).append('\n'));
        return out.append("COMMIT\n").toString();
    }

    /** Keeps one copy of each wanted jump, deletes every other rule that jumps into an owned chain, adds what is missing. */
    private static List<String> jumpRepairs(String table, OwnedChains owned, InstalledChains installed) {
        List<String> wanted = owned.jumps().stream().filter(j -> j.table().equals(table)).map(OwnedChains.Jump::saved).toList();
        List<String> kept = new ArrayList<>();
        List<String> commands = new ArrayList<>();
        for (String rule : installed.jumps(table)) {
            if (wanted.contains(rule) && !kept.contains(rule)) {
                kept.add(rule);
            } else {
                commands.add(deletion(rule));
            }
        }
        owned.jumps().stream()
                .filter(j -> j.table().equals(table) && !kept.contains(j.saved()))
                .forEach(j -> commands.add(j.command()));
        return commands;
    }

    private static String deletion(String savedRule) {
        return "-D" + savedRule.substring("-A".length());
    }

    private static List<String> forwardRules(String chain, List<BridgedNetwork> networks, List<Published> published) {
        List<String> rules = new ArrayList<>();
        for (BridgedNetwork n : external(networks, true)) {
            rules.add(rule(chain, "-o " + n.bridge() + " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"));
        }
        for (Published p : published) {
            rules.add(rule(chain, "-d " + p.address() + "/32 -o " + p.bridge() + " -p " + p.port().protocol()
                    + " -m conntrack --ctstate DNAT" + port(p.port().protocol(), p.port().containerPort()) + " -j ACCEPT"));
        }
        for (BridgedNetwork n : networks) {
            rules.add(rule(chain, "-i " + n.bridge() + " -o " + n.bridge() + " -j ACCEPT"));
        }
        for (BridgedNetwork n : external(networks, false)) {
            rules.add(rule(chain, "-i " + n.bridge() + " ! -o " + n.bridge() + " -j DROP"));
        }
        for (BridgedNetwork n : networks) {
            rules.add(rule(chain, "-o " + n.bridge() + " -j DROP"));
        }
        for (BridgedNetwork n : external(networks, true)) {
            rules.add(rule(chain, "-i " + n.bridge() + " -j ACCEPT"));
        }
        return rules;
    }

    private static List<String> dnatRules(String chain, List<Published> published) {
        List<String> rules = new ArrayList<>();
        for (Published p : published) {
            String host = p.hostIp().equals(ALL_ADDRESSES) ? "" : "-d " + p.hostIp() + "/32 ";
            rules.add(rule(chain, host + "-p " + p.port().protocol() + port(p.port().protocol(), p.port().hostPort())
                    + " -j DNAT --to-destination " + p.address() + ":" + p.port().containerPort()));
        }
        return rules;
    }

    private static List<String> postRules(String chain, List<BridgedNetwork> networks, List<Published> published) {
        List<String> rules = new ArrayList<>();
        for (BridgedNetwork n : external(networks, true)) {
            rules.add(rule(chain, "-s " + Ipv4.subnet(n.spec().subnet()) + " ! -o " + n.bridge() + " -j MASQUERADE"));
        }
        for (BridgedNetwork n : external(networks, true)) {
            rules.add(rule(chain, "-s 127.0.0.0/8 -o " + n.bridge() + " -j MASQUERADE"));
        }
        for (Published p : published) {
            rules.add(rule(chain, "-s " + p.address() + "/32 -d " + p.address() + "/32 -p " + p.port().protocol()
                    + port(p.port().protocol(), p.port().containerPort()) + " -j MASQUERADE"));
        }
        return rules;
    }

    private static String rule(String chain, String spec) {
        return "-A " + chain + " " + spec;
    }

    private static String port(String protocol, int port) {
        return " -m " + protocol + " --dport " + port;
    }

    /** The networks that reach the world ({@code true}) or the internal ones ({@code false}). */
    private static List<BridgedNetwork> external(List<BridgedNetwork> networks, boolean external) {
        return networks.stream().filter(n -> n.spec().internal() != external).toList();
    }

    /** The published ports of endpoints on non-internal networks, checked so that they are safe to write into rules. */
    private static List<Published> published(List<BridgedNetwork> networks, List<EndpointSpec> endpoints) {
        Map<String, BridgedNetwork> byId = new LinkedHashMap<>();
        networks.forEach(n -> byId.put(n.spec().id(), n));
        List<Published> published = new ArrayList<>();
        for (EndpointSpec endpoint : endpoints) {
            BridgedNetwork network = byId.get(endpoint.networkId());
            if (network == null) {
                throw new IllegalArgumentException("endpoint of " + endpoint.containerId()
                        + " is on network " + endpoint.networkId() + ", which is not among the networks given");
            }
            if (network.spec().internal()) {
                continue;
            }
            String address = Ipv4.address(endpoint.address()).getHostAddress();
            for (PortMapping port : endpoint.ports()) {
                published.add(new Published(network.bridge(), address, checkedHostIp(port), port));
            }
        }
        return published;
    }

    private static String checkedHostIp(PortMapping port) {
        if (!PROTOCOLS.contains(port.protocol())) {
            throw new IllegalArgumentException("unsupported protocol: " + port.protocol());
        }
        if (port.hostPort() < 1 || port.hostPort() > 65535 || port.containerPort() < 1 || port.containerPort() > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        return Ipv4.address(port.hostIp()).getHostAddress();
    }
}
