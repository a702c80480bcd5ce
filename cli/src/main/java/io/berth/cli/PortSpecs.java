package io.berth.cli;

import static io.berth.cli.ApiClient.JSON;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * run/create's {@code -p/--publish} and {@code --expose} as the docker CLI reads them (its run options and
 * go-connections' {@code nat.ParsePortSpecs}), with docker's error messages: the container ports to
 * expose ("80/tcp") and, per port, the host bindings asked for, sorted by port as Go marshals a map.
 *
 * <p>A -p value is {@code [[IP:][HOST_PORT]:]CONTAINER_PORT[/PROTO]}, ports may be ranges
 * ({@code 8080-8081:80-81}, one host port per container port; or a host range for one container port,
 * which the daemon allocates into), an IPv6 address in brackets, a protocol tcp (the default), udp or
 * sctp; or the long form {@code published=8080,target=80[,protocol=udp]}.
 */
final class PortSpecs {

    /** A host side of a published port; an empty address is every address, an empty port any free port. */
    record Binding(String hostIp, String hostPort) {}

    private final SortedMap<String, List<Binding>> bindings = new TreeMap<>();
    private final SortedSet<String> exposed = new TreeSet<>();

    private PortSpecs() {}

    /** Reads the -p and --expose values in docker's order: long forms, then the -p values, then --expose. */
    static PortSpecs parse(List<String> publish, List<String> expose) throws ContainerCommands.InvalidConfig {
        List<String> standard = new ArrayList<>();
        for (String p : publish) {
            standard.add(p.contains("=") ? standardNotation(p) : p);
        }
        PortSpecs specs = new PortSpecs();
        for (String p : standard) {
            specs.publish(p);
        }
        for (String e : expose) {
            specs.expose(e);
        }
        return specs;
    }

    /** Config.ExposedPorts: {"80/tcp": {}, ...}, or null when there is none (docker leaves it out). */
    ObjectNode exposedPorts() {
        if (exposed.isEmpty()) {
            return null;
        }
        ObjectNode json = JSON.createObjectNode();
        exposed.forEach(json::putObject);
        return json;
    }

    /** HostConfig.PortBindings: {"80/tcp": [{"HostIp": "", "HostPort": "8080"}], ...}. */
    ObjectNode portBindings() {
        ObjectNode json = JSON.createObjectNode();
        bindings.forEach((port, list) -> {
            ArrayNode array = json.putArray(port);
            list.forEach(b -> array.addObject().put("HostIp", b.hostIp()).put("HostPort", b.hostPort()));
        });
        return json;
    }

    /** {@code published=8080,target=80,protocol=udp} as {@code 8080:80/udp}. */
    private static String standardNotation(String spec) throws ContainerCommands.InvalidConfig {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("protocol", "tcp");
        for (String param : spec.split(",", -1)) {
            int eq = param.indexOf('=');
            if (eq <= 0) {
                throw new ContainerCommands.InvalidConfig(
                        "invalid publish opts format (should be name=value but got '" + param + "')");
            }
            params.put(param.substring(0, eq), param.substring(eq + 1));
        }
        return params.getOrDefault("published", "") + ":" + params.getOrDefault("target", "") + "/" + params.get("protocol");
    }

    private void publish(String spec) throws ContainerCommands.InvalidConfig {
        String[] parts = spec.split(":", -1);
        int n = parts.length;
        String ip = n <= 2 ? "" : String.join(":", List.of(parts).subList(0, n - 2));
        String hostPort = n == 1 ? "" : parts[n - 2];
        String[] protoPort = splitProtoPort(parts[n - 1]);
        String proto = protoPort[0];
        String containerPort = protoPort[1];

        if (!ip.isEmpty() && ip.charAt(0) == '[') {
            ip = bracketedHost(ip);
        }
        if (!ip.isEmpty() && IpAddress.parse(ip) == null) {
            throw new ContainerCommands.InvalidConfig("invalid IP address: " + ip);
        }
        if (containerPort.isEmpty()) {
            throw new ContainerCommands.InvalidConfig("no port specified: " + spec + "<empty>");
        }
        long[] container;
        try {
            container = portRange(containerPort);
        } catch (IllegalArgumentException e) {
            throw new ContainerCommands.InvalidConfig("invalid containerPort: " + containerPort);
        }
        long[] host = {0, 0};
        if (!hostPort.isEmpty()) {
            try {
                host = portRange(hostPort);
            } catch (IllegalArgumentException e) {
                throw new ContainerCommands.InvalidConfig("invalid hostPort: " + hostPort);
            }
        }
        boolean containerRange = container[1] != container[0];
        if (!hostPort.isEmpty() && container[1] - container[0] != host[1] - host[0] && containerRange) {
            throw new ContainerCommands.InvalidConfig("invalid ranges specified for container and host Ports: "
                    + containerPort + " and " + hostPort);
        }
        String protocol = proto.toLowerCase(java.util.Locale.ROOT);
        if (!List.of("tcp", "udp", "sctp").contains(protocol)) {
            throw new ContainerCommands.InvalidConfig("invalid proto: " + proto);
        }
        for (long i = 0; i <= container[1] - container[0]; i++) {
            String hostSide = hostPort.isEmpty() ? "" : Long.toString(host[0] + i);
            if (!containerRange && host[0] != host[1]) {
                hostSide = hostSide + "-" + host[1]; // one container port, a host range to allocate in
            }
            String port = (container[0] + i) + "/" + protocol;
            exposed.add(port);
            bindings.computeIfAbsent(port, k -> new ArrayList<>()).add(new Binding(ip, hostSide));
        }
    }

    private void expose(String spec) throws ContainerCommands.InvalidConfig {
        if (spec.contains(":")) {
            throw new ContainerCommands.InvalidConfig("invalid port format for --expose: " + spec);
        }
        String[] protoPort = splitProtoPort(spec);
        long[] range;
        try {
            range = portRange(protoPort[1]);
        } catch (IllegalArgumentException e) {
            throw new ContainerCommands.InvalidConfig("invalid range format for --expose: " + spec + ", error: " + e.getMessage());
        }
        for (long p = range[0]; p <= range[1]; p++) {
            exposed.add(p + "/" + protoPort[0]); // docker does not check --expose's protocol
        }
    }

    /** go-connections' SplitProtoPort: {"tcp", "80"} of "80", {"udp", "53"} of "53/udp", {"", ""} of "" or "/udp". */
    static String[] splitProtoPort(String raw) {
        String[] parts = raw.split("/", -1);
        if (raw.isEmpty() || parts[0].isEmpty()) {
            return new String[] {"", ""};
        }
        if (parts.length == 1 || parts[1].isEmpty()) {
            return new String[] {"tcp", parts[0]};
        }
        return new String[] {parts[1], parts[0]};
    }

    /** Go's net.SplitHostPort on "[host]" + ":", the way nat strips the brackets of an IPv6 address. */
    private static String bracketedHost(String ip) throws ContainerCommands.InvalidConfig {
        String hostport = ip + ":";
        int last = hostport.lastIndexOf(':');
        int end = hostport.indexOf(']');
        String why = null;
        if (end < 0) {
            why = "missing ']' in address";
        } else if (end + 1 != last) {
            why = hostport.charAt(end + 1) == ':' ? "too many colons in address" : "missing port in address";
        } else if (hostport.indexOf('[', 1) >= 0) {
            why = "unexpected '[' in address";
        } else if (hostport.indexOf(']', end + 1) >= 0) {
            why = "unexpected ']' in address";
        }
        if (why != null) {
            throw new ContainerCommands.InvalidConfig("invalid IP address " + ip + ": address " + hostport + ": " + why);
        }
        return hostport.substring(1, end);
    }

    /**
     * go-connections' ParsePortRange: "80" or "8000-9000" as {start, end}; the message of a bad one is
     * Go's ("strconv.ParseUint: parsing \"x\": invalid syntax", "invalid range specified for port: 9-8").
     */
    static long[] portRange(String ports) {
        if (ports.isEmpty()) {
            throw new IllegalArgumentException("empty string specified for ports");
        }
        if (!ports.contains("-")) {
            long p = uint16(ports);
            return new long[] {p, p};
        }
        String[] parts = ports.split("-", -1);
        long start = uint16(parts[0]);
        long end = uint16(parts[1]);
        if (end < start) {
            throw new IllegalArgumentException("invalid range specified for port: " + ports);
        }
        return new long[] {start, end};
    }

    /** Go's strconv.ParseUint(s, 10, 16), with its messages. */
    static long uint16(String s) {
        if (!s.matches("[0-9]+")) {
            throw new IllegalArgumentException("strconv.ParseUint: parsing \"" + s + "\": invalid syntax");
        }
        if (new BigInteger(s).compareTo(BigInteger.valueOf(65535)) > 0) {
            throw new IllegalArgumentException("strconv.ParseUint: parsing \"" + s + "\": value out of range");
        }
        return Long.parseLong(s);
    }
}
