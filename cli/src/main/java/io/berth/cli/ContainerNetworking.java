package io.berth.cli;

import static io.berth.cli.ApiClient.JSON;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where run/create attach a container, as the docker CLI builds it (its run options' parseNetworkOpts):
 * HostConfig.NetworkMode is the first {@code --network} (a network's name or id, {@code bridge},
 * {@code host}, {@code none}, {@code container:NAME}; "default" without one), and
 * NetworkingConfig.EndpointsConfig has an endpoint per network with the options of {@code --ip},
 * {@code --ip6}, {@code --network-alias}, {@code --link}, {@code --link-local-ip} and
 * {@code --mac-address} on the first. {@code --network} also takes docker's long form
 * {@code name=NET,alias=A,ip=IP,ip6=IP,mac-address=MAC,link-local-ip=IP,driver-opt=K=V,gw-priority=N}.
 * Whether the daemon can honour them (a fixed IP needs a user-defined network, ...) is its to say.
 */
final class ContainerNetworking {

    /** One {@code --network} value, and the options that apply to it (docker's NetworkAttachmentOpts). */
    static final class Attachment {
        String target = "";
        final List<String> aliases = new ArrayList<>();
        final Map<String, String> driverOpts = new LinkedHashMap<>();
        final List<String> links = new ArrayList<>();
        String ipv4 = "";
        String ipv6 = "";
        final List<String> linkLocalIps = new ArrayList<>();
        String macAddress = "";
        long gwPriority;
    }

    /** docker takes a value for the long form when it holds {@code \w+=\w+} anywhere. */
    private static final Pattern LONG_FORM = Pattern.compile("\\w=\\w");

    private ContainerNetworking() {}

    /**
     * Reads a --network value: a name, or the long form when it holds a {@code word=word} (whose keys and
     * values docker lowercases). A bad long form is a usage error, as pflag reports it.
     */
    static Attachment parse(String value) throws Flags.UsageException {
        Attachment a = new Attachment();
        if (!LONG_FORM.matcher(value).find()) {
            a.target = value;
            return a;
        }
        for (String field : FlagValues.csvFields(value)) {
            String lower = field.toLowerCase(Locale.ROOT);
            int eq = lower.indexOf('=');
            if (eq <= 0) {
                throw FlagValues.invalid(value, "--network", "invalid field " + field);
            }
            String key = lower.substring(0, eq).strip();
            String val = lower.substring(eq + 1).strip();
            switch (key) {
                case "name" -> a.target = val;
                case "alias" -> a.aliases.add(val);
                case "ip" -> a.ipv4 = val;
                case "ip6" -> a.ipv6 = val;
                case "mac-address" -> a.macAddress = val;
                case "link-local-ip" -> a.linkLocalIps.add(val);
                case "driver-opt" -> {
                    int e = val.indexOf('=');
                    if (e <= 0) {
                        throw FlagValues.invalid(value, "--network", "invalid key value pair format in driver options");
                    }
                    a.driverOpts.put(val.substring(0, e).strip(), val.substring(e + 1).strip());
                }
                case "gw-priority" -> {
                    try {
                        a.gwPriority = Long.parseLong(val);
                    } catch (NumberFormatException e) {
                        String why = val.matches("[+-]?\\d+") ? "value out of range" : "invalid syntax";
                        throw FlagValues.invalid(value, "--network", "invalid gw-priority (" + val + "): " + why);
                    }
                }
                default -> throw FlagValues.invalid(value, "--network", "invalid field key " + key);
            }
        }
        if (a.target.isEmpty()) {
            throw FlagValues.invalid(value, "--network", "network name/id is not specified");
        }
        return a;
    }

    /** HostConfig.NetworkMode: the first network's target, "default" without --network. */
    static String networkMode(List<Attachment> networks) {
        return networks.isEmpty() ? "default" : networks.get(0).target;
    }

    /** Whether {@code mode} names a user-defined network rather than default, bridge, host, none or container:ID. */
    static boolean isUserDefined(String mode) {
        return !List.of("default", "bridge", "host", "none").contains(mode) && !mode.startsWith("container:");
    }

    /**
     * NetworkingConfig.EndpointsConfig for the networks of --network and the per-container options
     * (which apply to the first network, or to "default" without --network). A single network without
     * options gets no entry, as docker sends it.
     */
    static ObjectNode endpointsConfig(List<Attachment> networks, Flags f) throws ContainerCommands.InvalidConfig {
        ObjectNode endpoints = JSON.createObjectNode();
        boolean userDefined = false;
        boolean other = false;
        List<Attachment> all = networks;
        if (networks.isEmpty()) {
            Attachment implicit = new Attachment();
            implicit.target = "default";
            all = List.of(implicit);
        }
        for (int i = 0; i < all.size(); i++) {
            Attachment n = all.get(i);
            if (isUserDefined(n.target)) {
                userDefined = true;
            } else {
                other = true;
            }
            if (i == 0) {
                applyContainerOptions(n, f);
            }
            ObjectNode endpoint = endpoint(n);
            if (endpoints.has(n.target)) {
                throw new ContainerCommands.InvalidConfig("network \"" + n.target + "\" is specified multiple times");
            }
            if (networks.size() == 1 && endpoint.equals(endpointSettings(null, null, null, "", null, 0))) {
                continue;
            }
            endpoints.set(n.target, endpoint);
        }
        if (userDefined && other) {
            throw new ContainerCommands.InvalidConfig(
                    "conflicting options: cannot attach both user-defined and non-user-defined network-modes");
        }
        return endpoints;
    }

    /** The container-wide flags onto the first network; docker refuses to have an option both ways. */
    private static void applyContainerOptions(Attachment n, Flags f) throws ContainerCommands.InvalidConfig {
        List<String> aliases = f.all("network-alias");
        List<String> links = f.all("link");
        String ipv4 = f.get("ip", "");
        String ipv6 = f.get("ip6", "");
        String mac = f.get("mac-address", "");
        List<String> linkLocal = f.all("link-local-ip");
        conflict(!n.aliases.isEmpty() && !aliases.isEmpty(), "--network-alias and per-network alias");
        conflict(!n.links.isEmpty() && !links.isEmpty(), "--link and per-network links");
        conflict(!n.ipv4.isEmpty() && !ipv4.isEmpty(), "--ip and per-network IPv4 address");
        conflict(!n.ipv6.isEmpty() && !ipv6.isEmpty(), "--ip6 and per-network IPv6 address");
        conflict(!n.macAddress.isEmpty() && !mac.isEmpty(), "--mac-address and per-network MAC address");
        conflict(!n.linkLocalIps.isEmpty() && !linkLocal.isEmpty(), "--link-local-ip and per-network link-local IP addresses");
        if (!aliases.isEmpty()) {
            n.aliases.clear();
            n.aliases.addAll(aliases);
        }
        if (isUserDefined(n.target) && !links.isEmpty()) {
            n.links.addAll(links); // on a user-defined network a link is an alias; on the default bridge a legacy link
        }
        n.ipv4 = ipv4.isEmpty() ? n.ipv4 : ipv4;
        n.ipv6 = ipv6.isEmpty() ? n.ipv6 : ipv6;
        n.macAddress = mac.isEmpty() ? n.macAddress : mac;
        if (!linkLocal.isEmpty()) {
            n.linkLocalIps.clear();
            n.linkLocalIps.addAll(linkLocal);
        }
    }

    private static void conflict(boolean both, String what) throws ContainerCommands.InvalidConfig {
        if (both) {
            throw new ContainerCommands.InvalidConfig("conflicting options: cannot specify both " + what);
        }
    }

    /** The endpoint docker sends for one attachment (parseNetworkAttachmentOpt). */
    private static ObjectNode endpoint(Attachment n) throws ContainerCommands.InvalidConfig {
        if (n.target.strip().isEmpty()) {
            throw new ContainerCommands.InvalidConfig("no name set for network");
        }
        if (!isUserDefined(n.target)) {
            if (!n.aliases.isEmpty()) {
                throw new ContainerCommands.InvalidConfig("network-scoped aliases are only supported for user-defined networks");
            }
            if (!n.links.isEmpty()) {
                throw new ContainerCommands.InvalidConfig("links are only supported for user-defined networks");
            }
        }
        ObjectNode ipam = null;
        if (!n.ipv4.isEmpty() || !n.ipv6.isEmpty() || !n.linkLocalIps.isEmpty()) {
            ipam = ipamConfig(n.ipv4, n.ipv6, n.linkLocalIps);
        }
        if (!n.macAddress.isEmpty() && !FlagValues.isMacAddress(n.macAddress)) {
            throw new ContainerCommands.InvalidConfig(n.macAddress + " is not a valid mac address");
        }
        ObjectNode driverOpts = null;
        if (!n.driverOpts.isEmpty()) {
            driverOpts = JSON.createObjectNode();
            n.driverOpts.forEach(driverOpts::put);
        }
        return endpointSettings(ipam, n.links.isEmpty() ? null : strings(n.links), n.aliases.isEmpty() ? null : strings(n.aliases),
                n.macAddress, driverOpts, n.gwPriority);
    }

    /** An endpoint's IPAMConfig: the addresses asked for, each left out when empty. */
    static ObjectNode ipamConfig(String ipv4, String ipv6, List<String> linkLocalIps) {
        ObjectNode ipam = JSON.createObjectNode();
        if (!ipv4.isEmpty()) {
            ipam.put("IPv4Address", ipv4);
        }
        if (!ipv6.isEmpty()) {
            ipam.put("IPv6Address", ipv6);
        }
        if (!linkLocalIps.isEmpty()) {
            ipam.set("LinkLocalIPs", strings(linkLocalIps));
        }
        return ipam;
    }

    /**
     * An EndpointSettings as the docker CLI marshals it (create's EndpointsConfig, network connect's
     * EndpointConfig): the fields the client sets, and the daemon-filled ones empty. A null argument is
     * sent as JSON null.
     */
    static ObjectNode endpointSettings(ObjectNode ipamConfig, ArrayNode links, ArrayNode aliases, String macAddress,
                                       ObjectNode driverOpts, long gwPriority) {
        ObjectNode e = JSON.createObjectNode();
        e.set("IPAMConfig", nullable(ipamConfig));
        e.set("Links", nullable(links));
        e.set("Aliases", nullable(aliases));
        e.put("MacAddress", macAddress);
        e.set("DriverOpts", nullable(driverOpts));
        e.put("GwPriority", gwPriority);
        e.put("NetworkID", "");
        e.put("EndpointID", "");
        e.put("Gateway", "");
        e.put("IPAddress", "");
        e.put("IPPrefixLen", 0);
        e.put("IPv6Gateway", "");
        e.put("GlobalIPv6Address", "");
        e.put("GlobalIPv6PrefixLen", 0);
        e.putNull("DNSNames");
        return e;
    }

    static ArrayNode strings(List<String> values) {
        ArrayNode array = JSON.createArrayNode();
        values.forEach(array::add);
        return array;
    }

    private static JsonNode nullable(JsonNode node) {
        return node == null ? JSON.nullNode() : node;
    }
}
