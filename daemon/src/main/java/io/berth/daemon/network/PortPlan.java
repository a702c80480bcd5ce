package io.berth.daemon.network;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.daemon.api.ApiException;
import io.berth.daemon.events.PublishedPort;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which host ports a container publishes ({@code HostConfig.PortBindings}, and with
 * {@code PublishAllPorts} every exposed port of the container and its image), and their allocation:
 * an explicit host port must be free among berth's endpoints, an empty one (or a range) takes the next
 * free port after the last one handed out, as Docker's port allocator does. Pure.
 */
public final class PortPlan {

    /** A port to publish: a host port range (low == high for one port; 0 for any) and the container's port. */
    public record Request(String protocol, String hostIp, int hostLow, int hostHigh, int containerPort) {}

    /** The ports as allocated, and the ephemeral port handed out last. */
    public record Allocation(List<PublishedPort> ports, int lastEphemeral) {}

    private PortPlan() {}

    /** Parses "80", "80/udp" (a port key of ExposedPorts/PortBindings); IllegalArgumentException otherwise. */
    public static int[] parseKey(String key) {
        String port = key.contains("/") ? key.substring(0, key.indexOf('/')) : key;
        String[] range = port.split("-", -1);
        try {
            int low = Integer.parseInt(range[0]);
            int high = range.length == 2 ? Integer.parseInt(range[1]) : low;
            if (range.length > 2 || low < 1 || high > 65535 || high < low) {
                throw new NumberFormatException();
            }
            return new int[] {low, high};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid port: " + key);
        }
    }

    public static String protocolOf(String key) {
        return key.contains("/") ? key.substring(key.indexOf('/') + 1).toLowerCase() : "tcp";
    }

    /**
     * Checks a create body's ports as Docker does (bad specs are 400s at create, not start failures).
     */
    public static void validate(JsonNode config, JsonNode hostConfig) {
        try {
            requested(config, hostConfig, null);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(e.getMessage());
        }
    }

    /** What the container asks to publish. {@code imageConfig} (may be null) adds the image's exposed ports for -P. */
    public static List<Request> requested(JsonNode config, JsonNode hostConfig, JsonNode imageConfig) {
        List<Request> requests = new ArrayList<>();
        Set<String> bound = new LinkedHashSet<>();
        JsonNode bindings = hostConfig.path("PortBindings");
        for (Iterator<Map.Entry<String, JsonNode>> it = bindings.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String protocol = protocolOf(e.getKey());
            if (!protocol.equals("tcp") && !protocol.equals("udp")) {
                throw new IllegalArgumentException("invalid proto: " + protocol);
            }
            int[] container = parseKey(e.getKey());
            bound.add(container[0] + "/" + protocol);
            JsonNode list = e.getValue();
            if (!list.isArray() || list.isEmpty()) {
                requests.add(new Request(protocol, "0.0.0.0", 0, 0, container[0]));
                continue;
            }
            for (JsonNode b : list) {
                String hostIp = b.path("HostIp").asText("");
                if (hostIp.contains(":")) {
                    continue; // IPv6: berth's networks are IPv4 only
                }
                if (hostIp.isEmpty()) {
                    hostIp = "0.0.0.0";
                } else if (!Cidr.isAddress(hostIp)) {
                    throw new IllegalArgumentException("invalid IP address: " + hostIp);
                }
                String hostPort = b.path("HostPort").asText("");
                int[] host = hostPort.isEmpty() ? new int[] {0, 0} : parseKey(hostPort);
                requests.add(new Request(protocol, hostIp, host[0], host[1], container[0]));
            }
        }
        if (hostConfig.path("PublishAllPorts").asBoolean(false)) {
            Set<String> exposed = new LinkedHashSet<>();
            if (imageConfig != null) {
                imageConfig.path("ExposedPorts").fieldNames().forEachRemaining(exposed::add);
            }
            config.path("ExposedPorts").fieldNames().forEachRemaining(exposed::add);
            for (String key : exposed) {
                String protocol = protocolOf(key);
                int port = parseKey(key)[0];
                if ((protocol.equals("tcp") || protocol.equals("udp")) && bound.add(port + "/" + protocol)) {
                    requests.add(new Request(protocol, "0.0.0.0", 0, 0, port));
                }
            }
        }
        return requests;
    }

    /**
     * Allocates host ports for {@code requests}, given the ports berth's endpoints hold ({@code taken}).
     *
     * @throws ApiException Docker's "port is already allocated" when an explicit port is held
     */
    public static Allocation allocate(List<Request> requests, List<PublishedPort> taken, int lastEphemeral,
                                      int ephemeralLow, int ephemeralHigh, String endpointName, String endpointId) {
        List<PublishedPort> held = new ArrayList<>(taken);
        List<PublishedPort> out = new ArrayList<>();
        int last = lastEphemeral;
        for (Request r : requests) {
            int port;
            if (r.hostLow() != 0 && r.hostLow() == r.hostHigh()) {
                port = r.hostLow();
                if (isHeld(held, r.protocol(), r.hostIp(), port)) {
                    throw ApiException.forbidden("driver failed programming external connectivity on endpoint "
                            + endpointName + " (" + endpointId + "): Bind for " + r.hostIp() + ":" + port
                            + " failed: port is already allocated");
                }
            } else {
                int low = r.hostLow() == 0 ? ephemeralLow : r.hostLow();
                int high = r.hostLow() == 0 ? ephemeralHigh : r.hostHigh();
                port = nextFree(held, r, low, high, last);
                if (r.hostLow() == 0) {
                    last = port;
                }
            }
            PublishedPort p = new PublishedPort(r.protocol(), r.hostIp(), port, r.containerPort());
            held.add(p);
            out.add(p);
        }
        return new Allocation(out, last);
    }

    private static int nextFree(List<PublishedPort> held, Request r, int low, int high, int last) {
        int span = high - low + 1;
        int start = last >= low && last < high ? last + 1 - low : 0;
        for (int i = 0; i < span; i++) {
            int candidate = low + (start + i) % span;
            if (!isHeld(held, r.protocol(), r.hostIp(), candidate)) {
                return candidate;
            }
        }
        throw ApiException.forbidden("Bind for " + r.hostIp() + ":" + low + (high > low ? "-" + high : "")
                + " failed: port is already allocated");
    }

    private static boolean isHeld(List<PublishedPort> held, String protocol, String hostIp, int port) {
        return held.stream().anyMatch(p -> p.hostPort() == port && p.protocol().equals(protocol)
                && (p.hostIp().equals(hostIp) || p.hostIp().equals("0.0.0.0") || hostIp.equals("0.0.0.0")));
    }
}
