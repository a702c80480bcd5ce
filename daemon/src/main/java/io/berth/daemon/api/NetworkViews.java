package io.berth.daemon.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.events.PublishedPort;
import io.berth.daemon.network.Cidr;
import io.berth.daemon.network.PortPlan;
import io.berth.daemon.state.Container;
import io.berth.daemon.state.Endpoint;
import io.berth.daemon.state.EngineState;
import io.berth.daemon.state.Network;
import io.berth.daemon.state.NetworkMembership;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** Networks, and a container's network settings, in the Docker API's JSON shapes. */
final class NetworkViews {

    private static final ObjectMapper JSON = new ObjectMapper();

    private NetworkViews() {}

    /** GET /networks/{id} (and, with {@code withContainers} false, an entry of GET /networks). */
    static ObjectNode network(Network n, EngineState state, boolean withContainers) {
        ObjectNode o = JSON.createObjectNode();
        o.put("Name", n.name());
        o.put("Id", n.id());
        o.put("Created", Times.rfc3339(n.createdNanos()));
        o.put("Scope", "local");
        o.put("Driver", n.driver());
        o.put("EnableIPv4", true);
        o.put("EnableIPv6", false);
        ObjectNode ipam = o.putObject("IPAM");
        ipam.put("Driver", "default");
        ipam.putNull("Options");
        ArrayNode config = ipam.putArray("Config");
        if (n.hasEndpoints()) {
            ObjectNode pool = config.addObject();
            pool.put("Subnet", n.subnet());
            if (!n.ipRange().isEmpty()) {
                pool.put("IPRange", n.ipRange());
            }
            pool.put("Gateway", n.gateway());
        }
        o.put("Internal", n.internal());
        o.put("Attachable", n.attachable());
        o.put("Ingress", false);
        o.putObject("ConfigFrom").put("Network", "");
        o.put("ConfigOnly", false);
        ObjectNode containers = o.putObject("Containers");
        if (withContainers) {
            for (NetworkMembership m : state.members(n.id())) {
                Optional<Endpoint> e = state.endpoint(m.containerId(), n.id());
                Optional<Container> c = state.container(m.containerId());
                if (c.isEmpty() || (e.isEmpty() && n.hasEndpoints()) || (!n.hasEndpoints() && !c.get().running())) {
                    continue; // Docker lists only containers with an endpoint: running ones
                }
                ObjectNode entry = containers.putObject(c.get().id());
                entry.put("Name", c.get().name());
                entry.put("EndpointID", endpointId(m.containerId(), n.id()));
                entry.put("MacAddress", e.map(Endpoint::macAddress).orElse(""));
                entry.put("IPv4Address", e.map(x -> x.address() + "/" + prefix(n)).orElse(""));
                entry.put("IPv6Address", "");
            }
        }
        o.set("Options", JSON.valueToTree(new java.util.TreeMap<>(n.options())));
        o.set("Labels", JSON.valueToTree(new java.util.TreeMap<>(n.labels())));
        return o;
    }

    /** A container's NetworkSettings: its networks (with addresses while it runs) and its published ports. */
    static ObjectNode settings(Container c, EngineState state) {
        ObjectNode net = JSON.createObjectNode();
        net.put("Bridge", "");
        net.put("SandboxID", c.running() ? endpointId(c.id(), "sandbox") : "");
        net.put("SandboxKey", "");
        net.set("Ports", ports(c, state));
        List<Endpoint> endpoints = state.endpoints(c.id());
        // the deprecated top-level fields describe the default bridge endpoint, as Docker's do
        Optional<Endpoint> onBridge = endpoints.stream().filter(e -> state.network(e.networkId())
                .map(n -> n.name().equals("bridge")).orElse(false)).findFirst();
        net.put("EndpointID", onBridge.map(e -> endpointId(c.id(), e.networkId())).orElse(""));
        net.put("Gateway", onBridge.flatMap(e -> state.network(e.networkId())).map(Network::gateway).orElse(""));
        net.put("GlobalIPv6Address", "");
        net.put("GlobalIPv6PrefixLen", 0);
        net.put("IPAddress", onBridge.map(Endpoint::address).orElse(""));
        net.put("IPPrefixLen", onBridge.flatMap(e -> state.network(e.networkId())).map(NetworkViews::prefix).orElse(0));
        net.put("IPv6Gateway", "");
        net.put("MacAddress", onBridge.map(Endpoint::macAddress).orElse(""));
        ObjectNode networks = net.putObject("Networks");
        for (NetworkMembership m : state.memberships(c.id())) {
            Optional<Network> n = state.network(m.networkId());
            if (n.isEmpty()) {
                continue;
            }
            Optional<Endpoint> e = state.endpoint(c.id(), m.networkId());
            ObjectNode entry = networks.putObject(n.get().name());
            if (m.ipv4Address().isEmpty()) {
                entry.putNull("IPAMConfig");
            } else {
                entry.putObject("IPAMConfig").put("IPv4Address", m.ipv4Address());
            }
            if (m.links().isEmpty()) {
                entry.putNull("Links");
            } else {
                m.links().forEach(entry.putArray("Links")::add);
            }
            List<String> aliases = aliases(c, m, n.get());
            if (aliases.isEmpty()) {
                entry.putNull("Aliases");
            } else {
                aliases.forEach(entry.putArray("Aliases")::add);
            }
            entry.put("MacAddress", e.map(Endpoint::macAddress).orElse(""));
            entry.putNull("DriverOpts");
            entry.put("GwPriority", 0);
            entry.put("NetworkID", n.get().id());
            entry.put("EndpointID", e.map(x -> endpointId(c.id(), x.networkId())).orElse(""));
            entry.put("Gateway", e.isPresent() && !n.get().internal() ? n.get().gateway() : "");
            entry.put("IPAddress", e.map(Endpoint::address).orElse(""));
            entry.put("IPPrefixLen", e.isPresent() ? prefix(n.get()) : 0);
            entry.put("IPv6Gateway", "");
            entry.put("GlobalIPv6Address", "");
            entry.put("GlobalIPv6PrefixLen", 0);
            ArrayNode dnsNames = JSON.createArrayNode();
            if (!n.get().predefined() && e.isPresent()) {
                dnsNames.add(c.name());
                aliases.forEach(dnsNames::add);
                dnsNames.add(c.shortId());
                entry.set("DNSNames", dnsNames);
            } else {
                entry.putNull("DNSNames");
            }
        }
        return net;
    }

    /** The names a container answers to on a user network besides its name: its aliases. */
    static List<String> aliases(Container c, NetworkMembership m, Network n) {
        return n.predefined() ? List.of() : m.aliases();
    }

    /**
     * NetworkSettings.Ports: every exposed or published port ("80/tcp"), with its host bindings while the
     * container runs (null when it is only exposed).
     */
    static ObjectNode ports(Container c, EngineState state) {
        ObjectNode ports = JSON.createObjectNode();
        List<PublishedPort> published = new ArrayList<>();
        state.endpoints(c.id()).forEach(e -> published.addAll(e.ports()));
        if (!c.running() && published.isEmpty()) {
            return ports;
        }
        List<String> keys = new ArrayList<>();
        c.config().path("ExposedPorts").fieldNames().forEachRemaining(keys::add);
        state.image(c.imageId()).ifPresent(i -> i.runConfig().path("ExposedPorts").fieldNames().forEachRemaining(keys::add));
        c.hostConfig().path("PortBindings").fieldNames().forEachRemaining(keys::add);
        published.forEach(p -> keys.add(p.containerKey()));
        for (String key : keys.stream().map(NetworkViews::normalizeKey).distinct().sorted().toList()) {
            List<PublishedPort> bound = published.stream().filter(p -> p.containerKey().equals(key)).toList();
            if (bound.isEmpty()) {
                ports.putNull(key);
            } else {
                ArrayNode list = ports.putArray(key);
                bound.forEach(p -> list.addObject().put("HostIp", p.hostIp()).put("HostPort", String.valueOf(p.hostPort())));
            }
        }
        return ports;
    }

    /** The Ports of GET /containers/json: one entry per published or exposed port, as Docker lists them. */
    static ArrayNode summaryPorts(Container c, EngineState state) {
        ArrayNode out = JSON.createArrayNode();
        if (!c.running()) {
            return out;
        }
        List<PublishedPort> published = new ArrayList<>();
        state.endpoints(c.id()).forEach(e -> published.addAll(e.ports()));
        published.sort(Comparator.comparingInt(PublishedPort::containerPort).thenComparing(PublishedPort::protocol));
        List<String> seen = new ArrayList<>();
        for (PublishedPort p : published) {
            ObjectNode o = out.addObject();
            o.put("IP", p.hostIp());
            o.put("PrivatePort", p.containerPort());
            o.put("PublicPort", p.hostPort());
            o.put("Type", p.protocol());
            seen.add(p.containerKey());
        }
        List<String> exposed = new ArrayList<>();
        c.config().path("ExposedPorts").fieldNames().forEachRemaining(exposed::add);
        state.image(c.imageId()).ifPresent(i -> i.runConfig().path("ExposedPorts").fieldNames().forEachRemaining(exposed::add));
        for (String key : exposed.stream().map(NetworkViews::normalizeKey).distinct().sorted().toList()) {
            if (!seen.contains(key)) {
                ObjectNode o = out.addObject();
                o.put("PrivatePort", PortPlan.parseKey(key)[0]);
                o.put("Type", PortPlan.protocolOf(key));
            }
        }
        return out;
    }

    /** The summary's NetworkSettings.Networks. */
    static ObjectNode summaryNetworks(Container c, EngineState state) {
        ObjectNode networks = JSON.createObjectNode();
        for (NetworkMembership m : state.memberships(c.id())) {
            state.network(m.networkId()).ifPresent(n -> {
                Optional<Endpoint> e = state.endpoint(c.id(), n.id());
                ObjectNode entry = networks.putObject(n.name());
                entry.put("NetworkID", n.id());
                entry.put("EndpointID", e.map(x -> endpointId(c.id(), n.id())).orElse(""));
                entry.put("Gateway", e.isPresent() && !n.internal() ? n.gateway() : "");
                entry.put("IPAddress", e.map(Endpoint::address).orElse(""));
                entry.put("IPPrefixLen", e.isPresent() ? prefix(n) : 0);
                entry.put("MacAddress", e.map(Endpoint::macAddress).orElse(""));
            });
        }
        return networks;
    }

    /** The ps filter publish=: a published host port ("8080", "8080/udp", "8000-8080/tcp"). */
    static boolean publishes(Container c, EngineState state, String spec) {
        List<PublishedPort> ports = new ArrayList<>();
        state.endpoints(c.id()).forEach(e -> ports.addAll(e.ports()));
        return ports.stream().anyMatch(p -> inRange(spec, p.hostPort(), p.protocol()));
    }

    /** The ps filter expose=: an exposed container port. */
    static boolean exposes(Container c, EngineState state, String spec) {
        List<String> keys = new ArrayList<>();
        c.config().path("ExposedPorts").fieldNames().forEachRemaining(keys::add);
        state.image(c.imageId()).ifPresent(i -> i.runConfig().path("ExposedPorts").fieldNames().forEachRemaining(keys::add));
        return keys.stream().map(NetworkViews::normalizeKey)
                .anyMatch(k -> inRange(spec, PortPlan.parseKey(k)[0], PortPlan.protocolOf(k)));
    }

    private static boolean inRange(String spec, int port, String protocol) {
        try {
            int[] range = PortPlan.parseKey(spec);
            return port >= range[0] && port <= range[1] && PortPlan.protocolOf(spec).equals(protocol);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String normalizeKey(String key) {
        return key.contains("/") ? key.toLowerCase() : key + "/tcp";
    }

    private static int prefix(Network n) {
        return n.hasEndpoints() ? Cidr.parse(n.subnet()).prefix() : 0;
    }

    /** A stable id for a container's endpoint on a network (Docker's are random; these are derived). */
    static String endpointId(String containerId, String networkId) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest((containerId + "/" + networkId)
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
