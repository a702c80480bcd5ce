package io.berth.daemon.state;

import java.util.List;

/**
 * A container's place on a network as configured (it holds while the container exists, running or not).
 *
 * @param aliases     names it answers to on the network besides its name, short id and hostname
 * @param ipv4Address the address asked for ({@code --ip}); empty for any
 * @param links       legacy links ("name:alias")
 */
public record NetworkMembership(String containerId, String networkId, List<String> aliases, String ipv4Address,
                                List<String> links) {

    public NetworkMembership {
        aliases = List.copyOf(aliases);
        links = List.copyOf(links);
    }
}
