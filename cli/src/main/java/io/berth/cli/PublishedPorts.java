package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the docker CLI shows a container's ports: the PORTS column of {@code ps} (from the list's
 * {@code Ports}) and the lines of {@code port} (from inspect's {@code NetworkSettings.Ports}).
 */
final class PublishedPorts {

    private PublishedPorts() {}

    /** One entry of the container list's {@code Ports}: {"IP", "PrivatePort", "PublicPort", "Type"}. */
    private record Port(String ip, int privatePort, int publicPort, String type) {
        static Port of(JsonNode p) {
            return new Port(p.path("IP").asText(""), p.path("PrivatePort").asInt(), p.path("PublicPort").asInt(),
                    p.path("Type").asText(""));
        }
    }

    private static final Comparator<Port> ORDER = Comparator.comparingInt(Port::privatePort).thenComparing(Port::ip)
            .thenComparingInt(Port::publicPort).thenComparing(Port::type);

    /**
     * The PORTS column (docker's DisplayablePorts), e.g. {@code 443/tcp, 127.0.0.1:18080->80/tcp}: ports
     * sorted by container port, address, host port and protocol; consecutive ports of one protocol (and
     * address, when published to the same host port) grouped as ranges and listed first, each in the
     * order its group began; ports published to another host port after them, one by one.
     */
    static String column(JsonNode ports) {
        List<Port> sorted = new ArrayList<>();
        ports.forEach(p -> sorted.add(Port.of(p)));
        sorted.sort(ORDER);
        Map<String, int[]> groups = new LinkedHashMap<>(); // key "type" or "ip/type" → {first, last}
        List<String> result = new ArrayList<>();
        List<String> hostMappings = new ArrayList<>();
        for (Port p : sorted) {
            String key = p.type();
            if (!p.ip().isEmpty()) {
                if (p.publicPort() != p.privatePort()) {
                    hostMappings.add(hostPort(p.ip(), Integer.toString(p.publicPort())) + "->" + p.privatePort() + "/" + p.type());
                    continue;
                }
                key = p.ip() + "/" + p.type();
            }
            int[] group = groups.get(key);
            if (group == null) {
                groups.put(key, new int[] {p.privatePort(), p.privatePort()});
            } else if (p.privatePort() == group[1] + 1) {
                group[1] = p.privatePort();
            } else {
                result.add(group(key, group));
                groups.put(key, new int[] {p.privatePort(), p.privatePort()});
            }
        }
        groups.forEach((key, group) -> result.add(group(key, group)));
        result.addAll(hostMappings);
        return String.join(", ", result);
    }

    private static String group(String key, int[] range) {
        String[] parts = key.split("/", -1);
        String ip = parts.length > 1 ? parts[0] : "";
        String type = parts.length > 1 ? parts[1] : parts[0];
        String ports = range[0] == range[1] ? Integer.toString(range[0]) : range[0] + "-" + range[1];
        return (ip.isEmpty() ? ports : hostPort(ip, ports) + "->" + ports) + "/" + type;
    }

    /**
     * docker port's lines from inspect's {@code NetworkSettings.Ports} ({"80/tcp": [{"HostIp", "HostPort"}]}):
     * "80/tcp -> 0.0.0.0:8080" for every binding, or for {@code port} ("80/tcp") only "0.0.0.0:8080";
     * in natural order. Empty when nothing is published (for {@code port}).
     */
    static List<String> portLines(JsonNode portMap, String port) {
        List<String> lines = new ArrayList<>();
        if (port == null) {
            portMap.fields().forEachRemaining(e -> e.getValue().forEach(b ->
                    lines.add(e.getKey() + " -> " + hostPort(b.path("HostIp").asText(""), b.path("HostPort").asText("")))));
        } else {
            portMap.path(port).forEach(b -> lines.add(hostPort(b.path("HostIp").asText(""), b.path("HostPort").asText(""))));
        }
        lines.sort(NaturalOrder.INSTANCE);
        return lines;
    }

    /** Go's net.JoinHostPort: an IPv6 address in brackets. */
    static String hostPort(String host, String port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
