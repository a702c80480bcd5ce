package io.berth.network.bridge;

import io.berth.plugin.network.EndpointSpec;
import java.io.IOException;
import java.util.List;

/**
 * berth's iptables rules (IPv4) for one daemon's bridge networks: masquerading out of them, published
 * ports into them, isolation between them. {@link FirewallRules} says what the rules are.
 *
 * <p>The firewall owns three chains named from the daemon id ({@code BERTH-<id>-FWD} in filter,
 * {@code BERTH-<id>-DNAT} and {@code BERTH-<id>-POST} in nat) and one jump into each from FORWARD (as
 * its first rule), PREROUTING and OUTPUT (for local destinations) and POSTROUTING. It changes nothing
 * else, so firewalls of daemons with different ids coexist and removing one leaves the others intact.
 *
 * <p>{@link #apply} always writes the whole content of the owned chains, so the same call serves every
 * change and the reconciliation after a daemon restart (stale rules vanish). Each call is one
 * {@code iptables-restore} process; the first call of an instance, and the first after a failure, also
 * runs {@code iptables-save} to learn which jumps exist (and repairs missing, duplicated or outdated
 * ones). Between calls the instance trusts that nobody removed its jumps: a daemon that suspects
 * otherwise (a firewall reload) uses a new instance. Thread-safe.
 */
public final class Firewall {

    private final OwnedChains owned;
    private final Iptables iptables;
    /** What this instance knows to be installed; null when it has to look. */
    private InstalledChains installed;

    /**
     * @param daemonId the daemon's id ({@code DriverContext.daemonId()}): 1 to 17 letters or digits
     * @param iptables where the rules go: {@link Iptables#host()}, or a test's namespace
     */
    public Firewall(String daemonId, Iptables iptables) {
        this.owned = OwnedChains.of(daemonId);
        this.iptables = iptables;
    }

    /**
     * Makes the owned chains hold exactly the rules of these networks and these endpoints' published
     * ports, creating the chains and jumps when missing. Each table changes atomically (filter first, then
     * nat); if the call fails the next one starts again from what is installed.
     *
     * @param networks  every network of this daemon's driver, with its bridge
     * @param endpoints every endpoint on those networks (ports of endpoints on internal networks are ignored)
     * @throws IllegalArgumentException an endpoint on a network not given, a malformed address, port or
     *                                  protocol (tcp, udp, sctp); nothing is changed then
     * @throws IOException              iptables failed; the message carries its error output
     */
    public synchronized void apply(List<BridgedNetwork> networks, List<EndpointSpec> endpoints) throws IOException {
        InstalledChains current = installed != null ? installed : InstalledChains.parse(iptables.save(), owned);
        String input = FirewallRules.apply(owned, current, networks, endpoints);
        installed = null;
        iptables.restore(input);
        installed = InstalledChains.complete(owned);
    }

    /** Removes the jumps and the owned chains, whatever state they are in. Nothing installed is no error. */
    public synchronized void removeAll() throws IOException {
        installed = null;
        String input = FirewallRules.removal(InstalledChains.parse(iptables.save(), owned));
        if (!input.isEmpty()) {
            iptables.restore(input);
        }
    }
}
