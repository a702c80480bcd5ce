package io.berth.plugin.network;

/**
 * A port published from the host to a container ({@code -p hostIp:hostPort:containerPort/protocol}).
 *
 * @param protocol      "tcp" or "udp"
 * @param hostIp        the host address it answers on; "0.0.0.0" for every address of the host
 * @param hostPort      the host's port (already chosen by the daemon for {@code -P} and {@code -p 80})
 * @param containerPort the container's port
 */
public record PortMapping(String protocol, String hostIp, int hostPort, int containerPort) {}
