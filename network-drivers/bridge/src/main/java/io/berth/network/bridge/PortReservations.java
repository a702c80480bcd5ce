package io.berth.network.bridge;

import io.berth.plugin.network.PortInUseException;
import io.berth.plugin.network.PortMapping;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Holds the host ports published to containers, so that no other process can take them while they
 * are published, and a port another process has is a clear error at publish time.
 *
 * <p>A reservation is an IPv4 socket bound to hostIp:hostPort (0.0.0.0: every address) of the mapping's
 * protocol, never listening or connected: it receives nothing, since DNAT rewrites the packets of a
 * published port before any local socket could see them. It is bound without SO_REUSEADDR, so every
 * other bind of that port and an overlapping address fails, whether it sets SO_REUSEADDR or not
 * (Linux lets two SO_REUSEADDR sockets share a port only while both ask for it). tcp and udp.
 *
 * <p>Reservations belong to an owner (an endpoint, a container: the caller chooses); reserving the same
 * mapping for the same owner again is a no-op. Thread-safe.
 */
public final class PortReservations {

    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

    private final Path ephemeralRange;
    /** owner → its mappings → the socket that holds each. */
    private final Map<String, Map<PortMapping, NetworkChannel>> held = new HashMap<>();

    public PortReservations() {
        this(EPHEMERAL_RANGE);
    }

    /** @param ephemeralRange a file like /proc/sys/net/ipv4/ip_local_port_range ("32768\t60999") */
    PortReservations(Path ephemeralRange) {
        this.ephemeralRange = ephemeralRange;
    }

    /**
     * Binds the mapping's host port for {@code owner}; a no-op when the owner holds this mapping already.
     *
     * @param targetIp the container address the port is published to (for the error message)
     * @throws PortInUseException the port cannot be bound, in Docker's words: {@code failed to bind host
     *                            port for 0.0.0.0:18080:10.210.3.2:80/tcp: address already in use}
     * @throws IllegalArgumentException a protocol other than tcp or udp, or hostIp not an IPv4 literal
     */
    public synchronized void reserve(String owner, PortMapping mapping, String targetIp) throws PortInUseException {
        if (held.getOrDefault(owner, Map.of()).containsKey(mapping)) {
            return;
        }
        NetworkChannel socket;
        try {
            socket = bind(mapping.protocol(), mapping.hostIp(), mapping.hostPort());
        } catch (IOException e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().toLowerCase(Locale.ROOT);
            throw new PortInUseException("failed to bind host port for " + mapping.hostIp() + ":" + mapping.hostPort()
                    + ":" + targetIp + ":" + mapping.containerPort() + "/" + mapping.protocol() + ": " + reason);
        }
        held.computeIfAbsent(owner, o -> new LinkedHashMap<>()).put(mapping, socket);
    }

    /** Frees every port {@code owner} holds; an owner holding nothing is no error. */
    public synchronized void release(String owner) {
        Map<PortMapping, NetworkChannel> ownersPorts = held.remove(owner);
        if (ownersPorts != null) {
            ownersPorts.values().forEach(PortReservations::close);
        }
    }

    /** Frees every port of every owner (daemon shutdown). */
    public synchronized void releaseAll() {
        held.values().forEach(ports -> ports.values().forEach(PortReservations::close));
        held.clear();
    }

    /**
     * A port of the kernel's ephemeral range (ip_local_port_range) that {@code protocol} can bind on
     * {@code hostIp} right now, tried from a random start. Nothing holds it afterwards: reserve it at once.
     *
     * @throws IOException no port of the range is free, hostIp cannot be bound, or the range cannot be read
     */
    public int pickFree(String protocol, String hostIp) throws IOException {
        // one line read as lines: Files.readString stops after the first read() on a procfs file
        String[] bounds = Files.readAllLines(ephemeralRange).get(0).strip().split("\\s+");
        int low = Integer.parseInt(bounds[0]);
        int size = Integer.parseInt(bounds[1]) - low + 1;
        bind(protocol, hostIp, 0).close(); // an address the host does not have fails here, not once per port
        int start = ThreadLocalRandom.current().nextInt(size);
        for (int i = 0; i < size; i++) {
            int port = low + (start + i) % size;
            try (NetworkChannel probe = bind(protocol, hostIp, port)) {
                return port;
            } catch (BindException taken) {
                // try the next one
            }
        }
        throw new IOException("no free " + protocol + " port on " + hostIp + " in " + low + "-" + (low + size - 1));
    }

    private static NetworkChannel bind(String protocol, String hostIp, int port) throws IOException {
        InetSocketAddress address = new InetSocketAddress(Ipv4.address(hostIp), port);
        NetworkChannel channel = switch (protocol) {
            case "tcp" -> SocketChannel.open(StandardProtocolFamily.INET);
            case "udp" -> DatagramChannel.open(StandardProtocolFamily.INET);
            default -> throw new IllegalArgumentException("ports of protocol " + protocol + " cannot be reserved");
        };
        try {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, false);
            channel.bind(address);
            return channel;
        } catch (IOException | RuntimeException e) {
            close(channel);
            throw e;
        }
    }

    private static void close(NetworkChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // a socket that was only bound has nothing to flush
        }
    }
}
