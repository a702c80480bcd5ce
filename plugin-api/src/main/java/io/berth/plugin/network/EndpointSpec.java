package io.berth.plugin.network;

import java.util.List;

/**
 * A container's place on one network, as the daemon allocated it.
 *
 * @param containerId   the container's full id
 * @param networkId     the network's full id
 * @param interfaceName the interface's name inside the container ("eth0", "eth1", ...)
 * @param address       the container's IPv4 address on the network
 * @param macAddress    its MAC address ("02:42:0a:d2:03:02")
 * @param defaultRoute  whether the container's default route goes through this network's gateway
 * @param ports         the ports published from the host to this endpoint
 */
public record EndpointSpec(String containerId, String networkId, String interfaceName, String address,
                           String macAddress, boolean defaultRoute, List<PortMapping> ports) {

    public EndpointSpec {
        ports = List.copyOf(ports);
    }
}
