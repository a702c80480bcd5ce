package io.berth.daemon.state;

import java.util.Map;

/**
 * A network as the event log describes it. Immutable: the projection replaces it on every event.
 *
 * @param driver        the network driver's name ("bridge", "host", "null")
 * @param subnet        IPv4 CIDR, empty for drivers without addresses
 * @param gateway       the host's address on the network, empty likewise
 * @param ipRange       the part of the subnet containers get addresses from; empty: all of it
 * @param lastAllocated the address handed out last: allocation goes on from there, so an address is
 *                      reused only after the range wrapped around (empty: none yet)
 */
public record Network(String id, String name, String driver, String subnet, String gateway, String ipRange,
                      boolean internal, boolean attachable, Map<String, String> labels, Map<String, String> options,
                      long createdNanos, String lastAllocated) {

    /** The predefined networks every daemon has, as Docker's: they cannot be removed. */
    public static final java.util.Set<String> PREDEFINED = java.util.Set.of("bridge", "host", "none");

    public Network {
        labels = Map.copyOf(labels);
        options = Map.copyOf(options);
    }

    public String shortId() {
        return id.substring(0, 12);
    }

    /** Whether containers on it get addresses and interfaces of their own (not host or none). */
    public boolean hasEndpoints() {
        return !subnet.isEmpty();
    }

    public boolean predefined() {
        return PREDEFINED.contains(name);
    }

    Network withLastAllocated(String address) {
        return new Network(id, name, driver, subnet, gateway, ipRange, internal, attachable, labels, options,
                createdNanos, address);
    }
}
