package io.berth.cli;

import static io.berth.cli.ApiClient.JSON;
import static io.berth.cli.ApiClient.VERSION_PREFIX;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** network create, ls, inspect, rm, prune, connect, disconnect: Docker's network commands. */
final class NetworkCommands {

    static final String USAGE = """
            Usage:  berth network COMMAND

            Manage networks

            Commands:
              connect     Connect a container to a network
              create      Create a network
              disconnect  Disconnect a container from a network
              inspect     Display detailed information on one or more networks
              ls          List networks
              prune       Remove all unused networks
              rm          Remove one or more networks

            Run 'berth network COMMAND --help' for more information on a command.
            """;

    private static final String LS_TABLE = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}";

    private final ApiClient api;
    private final PrintStream out;
    private final PrintStream err;

    NetworkCommands(ApiClient api, PrintStream out, PrintStream err) {
        this.api = api;
        this.out = out;
        this.err = err;
    }

    // ---- create -----------------------------------------------------------------------------------

    static Flags createFlags() {
        return new Flags(false).option("-d", "--driver").option("-o", "--opt").option("--label").flag("--internal")
                .flag("--ipv4").flag("--ipv6").flag("--attachable").option("--ipam-driver").option("--ipam-opt")
                .option("--subnet").option("--ip-range").option("--gateway").option("--aux-address");
    }

    /** docker network create NAME: prints the new network's id. */
    int create(Flags f) throws Exception {
        if (f.positional().size() != 1) {
            throw new Flags.UsageException("requires exactly 1 argument");
        }
        JsonNode created = api.json("POST", VERSION_PREFIX + "/networks/create", createBody(f));
        out.println(created.path("Id").asText());
        return 0;
    }

    /** The body of POST /networks/create, as the docker CLI sends it at API 1.44 and later. */
    static ObjectNode createBody(Flags f) throws Flags.UsageException, Main.StatusError {
        ObjectNode labels = FlagValues.labels(f.all("label"), "--label");
        ObjectNode body = JSON.createObjectNode();
        body.put("Driver", f.get("driver", "bridge"));
        body.put("Scope", "");
        if (f.has("ipv4")) {
            body.put("EnableIPv4", f.bool("ipv4"));
        }
        if (f.has("ipv6")) {
            body.put("EnableIPv6", f.bool("ipv6"));
        }
        ObjectNode ipam = body.putObject("IPAM");
        ipam.put("Driver", f.get("ipam-driver", "default"));
        ipam.set("Options", FlagValues.keyValues(f.all("ipam-opt")));
        try {
            ipam.set("Config", ipamConfig(FlagValues.commaSeparated(f.all("subnet")), FlagValues.commaSeparated(f.all("ip-range")),
                    FlagValues.commaSeparated(f.all("gateway")), FlagValues.keyValues(f.all("aux-address"))));
        } catch (IllegalArgumentException e) {
            throw new Main.StatusError(1, e.getMessage());
        }
        body.put("Internal", f.bool("internal"));
        body.put("Attachable", f.bool("attachable"));
        body.put("Ingress", false);
        body.put("ConfigOnly", false);
        body.putNull("ConfigFrom");
        body.set("Options", FlagValues.keyValues(f.all("opt")));
        body.set("Labels", labels);
        body.put("Name", f.positional().get(0));
        return body;
    }

    /**
     * IPAM.Config as docker consolidates --subnet, --ip-range, --gateway and --aux-address: one entry per
     * subnet, each range, gateway and auxiliary address in the subnet that holds it; anything that fits
     * no subnet, or two of a kind in one, is refused with docker's message.
     */
    static ArrayNode ipamConfig(List<String> subnets, List<String> ranges, List<String> gateways, ObjectNode aux) {
        if (subnets.size() < ranges.size() || subnets.size() < gateways.size()) {
            throw new IllegalArgumentException("every ip-range or gateway must have a corresponding subnet");
        }
        Map<String, ObjectNode> bySubnet = new LinkedHashMap<>();
        for (String s : subnets) {
            for (String k : bySubnet.keySet()) {
                if (subnetHolds(s, k) || subnetHolds(k, s)) {
                    throw new IllegalArgumentException("multiple overlapping subnet configuration is not supported");
                }
            }
            bySubnet.put(s, JSON.createObjectNode().put("Subnet", s));
        }
        for (String r : ranges) {
            placeInSubnet(bySubnet, "IPRange", r, true,
                    (old, s) -> "cannot configure multiple ranges (" + r + ", " + old + ") on the same subnet (" + s + ")",
                    "no matching subnet for range " + r);
        }
        for (String g : gateways) {
            placeInSubnet(bySubnet, "Gateway", g, false,
                    (old, s) -> "cannot configure multiple gateways (" + g + ", " + old + ") for the same subnet (" + s + ")",
                    "no matching subnet for gateway " + g);
        }
        aux.fields().forEachRemaining(e -> {
            boolean matched = false;
            for (Map.Entry<String, ObjectNode> s : bySubnet.entrySet()) {
                if (subnetHolds(s.getKey(), e.getValue().asText())) {
                    ObjectNode entry = s.getValue();
                    (entry.has("AuxiliaryAddresses") ? (ObjectNode) entry.get("AuxiliaryAddresses")
                            : entry.putObject("AuxiliaryAddresses")).put(e.getKey(), e.getValue().asText());
                    matched = true;
                }
            }
            if (!matched) {
                throw new IllegalArgumentException("no matching subnet for aux-address " + e.getValue().asText());
            }
        });
        ArrayNode config = JSON.createArrayNode();
        bySubnet.values().forEach(config::add);
        return config;
    }

    /** Sets {@code field} of every subnet entry holding {@code value}; one value per subnet. */
    private static void placeInSubnet(Map<String, ObjectNode> bySubnet, String field, String value, boolean cidr,
                                      java.util.function.BinaryOperator<String> twice, String noMatch) {
        boolean matched = false;
        for (Map.Entry<String, ObjectNode> s : bySubnet.entrySet()) {
            if (cidr) {
                IpAddress.Cidr.parse(value);
            }
            if (!subnetHolds(s.getKey(), value)) {
                continue;
            }
            if (s.getValue().has(field)) {
                throw new IllegalArgumentException(twice.apply(s.getValue().get(field).asText(), s.getKey()));
            }
            s.getValue().put(field, value); // ranges are placed before gateways: docker's field order
            matched = true;
        }
        if (!matched) {
            throw new IllegalArgumentException(noMatch);
        }
    }

    /** docker's subnetMatches: whether {@code subnet} holds the address (or the address of the prefix) {@code data}. */
    private static boolean subnetHolds(String subnet, String data) {
        IpAddress.Cidr s;
        try {
            s = IpAddress.Cidr.parse(subnet);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid subnet: " + e.getMessage());
        }
        byte[] ip = data.contains("/") ? IpAddress.Cidr.parse(data).address() : IpAddress.parse(data);
        return s.contains(ip);
    }

    // ---- ls, inspect --------------------------------------------------------------------------------

    static Flags lsFlags() {
        return new Flags(false).flag("-q", "--quiet").flag("--no-trunc").option("-f", "--filter").option("--format");
    }

    /** docker network ls: sorted by name (naturally), ids cut to 12 characters unless --no-trunc. */
    int ls(Flags f) throws Exception {
        if (!f.positional().isEmpty()) {
            throw new Flags.UsageException("accepts no arguments");
        }
        String q = f.all("filter").isEmpty() ? "" : "?filters=" + ApiClient.encode(ApiClient.filters(f.all("filter")).toString());
        JsonNode list = api.json("GET", VERSION_PREFIX + "/networks" + q, null);
        List<Map<String, String>> rows = new ArrayList<>();
        for (JsonNode n : list) {
            rows.add(lsRow(n, !f.bool("no-trunc")));
        }
        rows.sort((a, b) -> NaturalOrder.INSTANCE.compare(a.get("Name"), b.get("Name")));
        String format = f.get("format", "");
        if (format.isEmpty() || format.equals("table")) {
            format = f.bool("quiet") ? "{{.ID}}" : LS_TABLE;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("ID", "NETWORK ID");
        headers.put("Name", "NAME");
        headers.put("Driver", "DRIVER");
        headers.put("Scope", "SCOPE");
        headers.put("IPv4", "IPV4");
        headers.put("IPv6", "IPV6");
        headers.put("Internal", "INTERNAL");
        headers.put("Labels", "LABELS");
        headers.put("CreatedAt", "CREATED AT");
        Templates.print(format, headers, rows, out);
        return 0;
    }

    /** One network's fields as docker's network formatter offers them to --format. */
    static Map<String, String> lsRow(JsonNode n, boolean truncate) {
        Map<String, String> row = new LinkedHashMap<>();
        String id = n.path("Id").asText("");
        row.put("ID", truncate ? Human.truncateId(id) : id);
        row.put("Name", n.path("Name").asText(""));
        row.put("Driver", n.path("Driver").asText(""));
        row.put("Scope", n.path("Scope").asText(""));
        row.put("IPv4", Boolean.toString(n.path("EnableIPv4").asBoolean(false)));
        row.put("IPv6", Boolean.toString(n.path("EnableIPv6").asBoolean(false)));
        row.put("Internal", Boolean.toString(n.path("Internal").asBoolean(false)));
        List<String> labels = new ArrayList<>();
        n.path("Labels").fields().forEachRemaining(e -> labels.add(e.getKey() + "=" + e.getValue().asText()));
        labels.sort(null);
        row.put("Labels", String.join(",", labels));
        row.put("CreatedAt", goTime(n.path("Created").asText("")));
        return row;
    }

    /** An RFC 3339 time as Go's Time.String() prints it: "2026-11-28 15:01:16.093814 +0000 UTC". */
    static String goTime(String rfc3339) {
        OffsetDateTime t;
        try {
            t = OffsetDateTime.parse(rfc3339);
        } catch (RuntimeException e) {
            t = OffsetDateTime.of(1, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC); // Go's zero time
        }
        StringBuilder b = new StringBuilder(String.format("%04d-%02d-%02d %02d:%02d:%02d", t.getYear(), t.getMonthValue(),
                t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond()));
        if (t.getNano() != 0) {
            b.append('.').append(String.format("%09d", t.getNano()).replaceFirst("0+$", ""));
        }
        int offset = t.getOffset().getTotalSeconds() / 60;
        String zone = String.format("%s%02d%02d", offset < 0 ? "-" : "+", Math.abs(offset) / 60, Math.abs(offset) % 60);
        return b + " " + zone + " " + (offset == 0 ? "UTC" : zone);
    }

    static Flags inspectFlags() {
        return new Flags(false).option("-f", "--format").flag("-v", "--verbose");
    }

    /** docker network inspect NAME...: the daemon's documents as a JSON array, or the template per network. */
    int inspect(Flags f) throws Exception {
        if (f.positional().isEmpty()) {
            throw new Flags.UsageException("requires at least 1 argument");
        }
        List<JsonNode> found = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (String name : f.positional()) {
            try {
                found.add(api.json("GET", VERSION_PREFIX + "/networks/" + ApiClient.encode(name) + (f.bool("verbose") ? "?verbose=true" : ""), null));
            } catch (ApiClient.ApiError e) {
                errors.add("Error response from daemon: " + e.getMessage());
            }
        }
        Templates.printInspected(found, f.get("format"), out);
        if (!errors.isEmpty()) {
            throw new Main.StatusError(1, String.join("\n", errors));
        }
        return 0;
    }

    // ---- rm, prune ----------------------------------------------------------------------------------

    /** docker network rm NAME...: prints each removed name; -f passes over networks that do not exist. */
    int rm(Flags f) throws Exception {
        if (f.positional().isEmpty()) {
            throw new Flags.UsageException("requires at least 1 argument");
        }
        boolean failed = false;
        for (String name : f.positional()) {
            try (ApiClient.Response r = api.request("GET", VERSION_PREFIX + "/networks/" + ApiClient.encode(name), null, null)) {
                if (r.ok() && r.json().path("Ingress").asBoolean(false) && !Main.confirm(INGRESS_WARNING, out)) {
                    continue;
                }
            }
            try {
                api.call("DELETE", VERSION_PREFIX + "/networks/" + ApiClient.encode(name), null).close();
                out.println(name);
            } catch (ApiClient.ApiError e) {
                if (f.bool("force") && e.status == 404) {
                    continue;
                }
                err.println("Error response from daemon: " + e.getMessage());
                failed = true;
            }
        }
        if (failed) {
            throw new Main.StatusError(1, "exit status 1");
        }
        return 0;
    }

    private static final String INGRESS_WARNING = "WARNING! Before removing the routing-mesh network, "
            + "make sure all the nodes in your swarm run the same docker engine version. "
            + "Otherwise, removal may not be effective and functionality of newly create "
            + "ingress networks will be impaired.\nAre you sure you want to continue?";

    /** docker network prune [-f] [--filter k=v]: asks first unless -f, then lists what the daemon deleted. */
    int prune(Flags f) throws Exception {
        if (!f.positional().isEmpty()) {
            throw new Flags.UsageException("accepts no arguments");
        }
        if (!f.bool("force") && !Main.confirm("WARNING! This will remove all custom networks not used by at least one container.\n"
                + "Are you sure you want to continue?", out)) {
            return 0;
        }
        String q = f.all("filter").isEmpty() ? "" : "?filters=" + ApiClient.encode(ApiClient.filters(f.all("filter")).toString());
        JsonNode report = api.json("POST", VERSION_PREFIX + "/networks/prune" + q, null);
        if (report.path("NetworksDeleted").isArray() && !report.path("NetworksDeleted").isEmpty()) {
            out.println("Deleted Networks:");
            report.path("NetworksDeleted").forEach(n -> out.println(n.asText()));
            out.println();
        }
        return 0;
    }

    // ---- connect, disconnect ------------------------------------------------------------------------

    static Flags connectFlags() {
        return new Flags(false).option("--ip").option("--ip6").option("--link").option("--alias").option("--link-local-ip")
                .option("--driver-opt").option("--gw-priority");
    }

    /** docker network connect [--ip] [--alias]... [--link]... NETWORK CONTAINER. */
    int connect(Flags f) throws Exception {
        if (f.positional().size() != 2) {
            throw new Flags.UsageException("requires exactly 2 arguments");
        }
        api.call("POST", VERSION_PREFIX + "/networks/" + ApiClient.encode(f.positional().get(0)) + "/connect", connectBody(f)).close();
        return 0;
    }

    /** {"Container": ..., "EndpointConfig": {...}} as docker network connect sends it. */
    static ObjectNode connectBody(Flags f) throws Flags.UsageException, Main.StatusError {
        for (String link : f.all("link")) {
            FlagValues.link(link);
        }
        long gwPriority = 0;
        if (f.has("gw-priority")) {
            String v = f.get("gw-priority");
            try {
                gwPriority = Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw FlagValues.invalid(v, "--gw-priority", "strconv.ParseInt: parsing \"" + v + "\": "
                        + (v.matches("[+-]?\\d+") ? "value out of range" : "invalid syntax"));
            }
        }
        ObjectNode driverOpts = JSON.createObjectNode();
        for (String opt : FlagValues.commaSeparated(f.all("driver-opt"))) {
            int eq = opt.indexOf('=');
            String key = eq < 0 ? "" : opt.substring(0, eq).strip();
            if (key.isEmpty()) {
                throw new Main.StatusError(1, "invalid key/value pair format in driver options");
            }
            driverOpts.put(key, opt.substring(eq + 1).strip());
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("Container", f.positional().get(1));
        List<String> links = f.all("link");
        body.set("EndpointConfig", ContainerNetworking.endpointSettings(
                ContainerNetworking.ipamConfig(f.get("ip", ""), f.get("ip6", ""), FlagValues.commaSeparated(f.all("link-local-ip"))),
                links.isEmpty() ? null : ContainerNetworking.strings(links),
                ContainerNetworking.strings(FlagValues.commaSeparated(f.all("alias"))), "", driverOpts, gwPriority));
        return body;
    }

    /** docker network disconnect [-f] NETWORK CONTAINER. */
    int disconnect(Flags f) throws Exception {
        if (f.positional().size() != 2) {
            throw new Flags.UsageException("requires exactly 2 arguments");
        }
        ObjectNode body = JSON.createObjectNode().put("Container", f.positional().get(1)).put("Force", f.bool("force"));
        api.call("POST", VERSION_PREFIX + "/networks/" + ApiClient.encode(f.positional().get(0)) + "/disconnect", body).close();
        return 0;
    }
}
