package io.berth.plugin.network;

import java.util.Map;

/**
 * A network as its driver sees it: what {@code docker network create} (or the daemon, for its default
 * bridge) decided. IPv4 only.
 *
 * @param id       the network's full id (64 hex characters)
 * @param name     its name ("bridge" for the daemon's default network)
 * @param subnet   its subnet in CIDR form ("10.210.3.0/24")
 * @param gateway  the host's address on the network ("10.210.3.1"); containers route through it unless
 *                 the network is internal
 * @param internal true for {@code --internal}: no route out, no NAT, no published ports, nothing from outside
 * @param options  the driver options ({@code -o k=v}); a bridge driver reads
 *                 {@code com.docker.network.bridge.name} for its device's name
 */
public record NetworkSpec(String id, String name, String subnet, String gateway, boolean internal,
                          Map<String, String> options) {

    public NetworkSpec {
        options = Map.copyOf(options);
    }

    /** The prefix length of {@link #subnet}. */
    public int prefixLength() {
        return Integer.parseInt(subnet.substring(subnet.indexOf('/') + 1));
    }
}
