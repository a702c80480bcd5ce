package io.berth.network.bridge;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The iptables chains one daemon owns, named from its id, and the rules ("jumps") that lead into them
 * from the built-in chains. A daemon's firewall changes nothing else, so daemons with different ids
 * side by side never touch each other's rules.
 *
 * @param forward filter table: what may cross between containers, their networks and the world
 * @param dnat    nat table: published host ports, rewritten to a container's address
 * @param post    nat table: masquerading of traffic that leaves a network
 */
record OwnedChains(String forward, String dnat, String post) {

    static final String FILTER = "filter";
    static final String NAT = "nat";

    /** The longest chain name iptables accepts. */
    private static final int MAX_CHAIN_NAME = 28;
    private static final Pattern DAEMON_ID = Pattern.compile("[A-Za-z0-9]+");

    /**
     * A rule in a built-in chain that jumps to an owned chain.
     *
     * @param table   "filter" or "nat"
     * @param saved   the rule as iptables-save prints it ("-A FORWARD -j BERTH-1a2b3c4d-FWD")
     * @param command how it is added: appended, or inserted as the built-in chain's first rule
     */
    record Jump(String table, String saved, String command) {}

    static OwnedChains of(String daemonId) {
        OwnedChains chains = new OwnedChains("BERTH-" + daemonId + "-FWD", "BERTH-" + daemonId + "-DNAT",
                "BERTH-" + daemonId + "-POST");
        if (!DAEMON_ID.matcher(daemonId).matches() || chains.dnat().length() > MAX_CHAIN_NAME) {
            throw new IllegalArgumentException("a daemon id for chain names is 1 to 17 letters or digits: " + daemonId);
        }
        return chains;
    }

    /** The owned chains of {@code table}. */
    List<String> in(String table) {
        return table.equals(FILTER) ? List.of(forward) : List.of(dnat, post);
    }

    boolean owns(String chain) {
        return chain.equals(forward) || chain.equals(dnat) || chain.equals(post);
    }

    /**
     * FORWARD's jump comes first, ahead of whatever else filters forwarded traffic (a DROP policy, other
     * engines' chains); nat's jumps catch published ports on the host's own addresses, from outside
     * (PREROUTING) and from the host itself (OUTPUT, including 127.0.0.1), and masquerade on the way out.
     */
    List<Jump> jumps() {
        return List.of(
                new Jump(FILTER, "-A FORWARD -j " + forward, "-I FORWARD 1 -j " + forward),
                appended(NAT, "-A PREROUTING -m addrtype --dst-type LOCAL -j " + dnat),
                appended(NAT, "-A OUTPUT -m addrtype --dst-type LOCAL -j " + dnat),
                appended(NAT, "-A POSTROUTING -j " + post));
    }

    private static Jump appended(String table, String rule) {
        return new Jump(table, rule, rule);
    }
}
