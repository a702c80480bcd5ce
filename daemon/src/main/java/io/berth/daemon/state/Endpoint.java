package io.berth.daemon.state;

import io.berth.daemon.events.PublishedPort;
import java.util.List;

/**
 * What a running container holds on a network: its interface, address, MAC and published host ports.
 * Exists from allocation (start, or connect while running) until the endpoint is torn down.
 */
public record Endpoint(String containerId, String networkId, String interfaceName, String address,
                       String macAddress, boolean defaultRoute, List<PublishedPort> ports) {

    public Endpoint {
        ports = List.copyOf(ports);
    }
}
