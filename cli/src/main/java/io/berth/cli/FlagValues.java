package io.berth.cli;

import static io.berth.cli.ApiClient.JSON;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Flag values checked and rewritten as the docker CLI's option types do it while it parses the flags
 * (its {@code opts} package and pflag's slices). A bad value is docker's usage error:
 * {@code invalid argument "VALUE" for "FLAG" flag: WHY}.
 */
final class FlagValues {

    private static final Pattern DOMAIN = Pattern.compile(
            "^(:?(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9]))(:?\\.(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9\\-]*[a-zA-Z0-9])))*)\\.?\\s*$");

    private FlagValues() {}

    static Flags.UsageException invalid(String value, String flag, String why) {
        return new Flags.UsageException("invalid argument \"" + value + "\" for \"" + flag + "\" flag: " + why);
    }

    /** {@code --label k=v}s as {"k": "v"} ("k" alone: an empty value), sorted by name as Go marshals a map. */
    static ObjectNode labels(List<String> values, String flag) throws Flags.UsageException {
        for (String label : values) {
            int eq = label.indexOf('=');
            String key = (eq < 0 ? label : label.substring(0, eq)).replaceFirst("^[ \\t]+", "");
            if (key.isEmpty()) {
                throw invalid(label, flag, "invalid label '" + label + "': empty name");
            }
            if (key.matches(".*[ \\t].*")) {
                throw invalid(label, flag, "label '" + key + "' contains whitespaces");
            }
        }
        return keyValues(values);
    }

    /** {@code k=v}s as a sorted JSON object ({@code k} alone: ""), the last of a repeated key winning. */
    static ObjectNode keyValues(List<String> values) {
        Map<String, String> map = new TreeMap<>();
        for (String kv : values) {
            int eq = kv.indexOf('=');
            map.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
        }
        ObjectNode json = JSON.createObjectNode();
        map.forEach(json::put);
        return json;
    }

    /** {@code --add-host host:ip} or {@code host=ip} (ip maybe in brackets) as the daemon takes it: "host:ip". */
    static String extraHost(String value) throws Flags.UsageException {
        int sep = value.indexOf('=');
        if (sep < 0) {
            sep = value.indexOf(':');
        }
        String host = sep < 0 ? "" : value.substring(0, sep);
        if (host.isEmpty() || host.contains(":")) {
            throw invalid(value, "--add-host", "bad format for add-host: \"" + value + "\"");
        }
        String ip = value.substring(sep + 1);
        if (!ip.equals("host-gateway")) {
            if (ip.length() > 2 && ip.startsWith("[") && ip.endsWith("]")) {
                ip = ip.substring(1, ip.length() - 1);
            }
            if (IpAddress.parse(ip.strip()) == null) {
                throw invalid(value, "--add-host", "invalid IP address in add-host: \"" + ip + "\"");
            }
        }
        return host + ":" + ip;
    }

    /** An IP address (surrounding blanks allowed), in Go's canonical form: {@code 0:0::1} is {@code ::1}. */
    static String ipAddress(String value, String flag) throws Flags.UsageException {
        byte[] ip = IpAddress.parse(value.strip());
        if (ip == null) {
            throw invalid(value, flag, "IP address is not correctly formatted: " + value);
        }
        return IpAddress.format(ip);
    }

    /** A DNS search domain, or "." for none; a trailing dot is dropped. */
    static String dnsSearch(String value) throws Flags.UsageException {
        String v = value.replaceAll("^ +| +$", "");
        if (v.equals(".")) {
            return v;
        }
        Matcher m = DOMAIN.matcher(v);
        if (!v.matches("(?s).*[a-zA-Z].*") || !m.find() || m.group(1).length() >= 255) {
            throw invalid(value, "--dns-search", v + " is not a valid domain");
        }
        return m.group(1);
    }

    /** {@code --link name[:alias]}: checked, kept as written. */
    static String link(String value) throws Flags.UsageException {
        if (value.isEmpty()) {
            throw invalid(value, "--link", "empty string specified for links");
        }
        if (value.split(":", -1).length > 2) {
            throw invalid(value, "--link", "bad format for links: " + value);
        }
        return value;
    }

    /** Whether Go's {@code net.ParseMAC} reads it (blanks around allowed): 6, 8 or 20 bytes as aa:bb, aa-bb or aabb.ccdd. */
    static boolean isMacAddress(String value) {
        String v = value.strip();
        String hex2 = "[0-9A-Fa-f]{2}";
        for (int n : new int[] {6, 8, 20}) {
            if (v.matches(hex2 + "([:-])" + hex2 + "(\\1" + hex2 + "){" + (n - 2) + "}")
                    || v.matches("[0-9A-Fa-f]{4}(\\.[0-9A-Fa-f]{4}){" + (n / 2 - 1) + "}")) {
                return true;
            }
        }
        return false;
    }

    /** A pflag string slice: each value split at commas (a field in double quotes may hold commas). */
    static List<String> commaSeparated(List<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            if (!v.isEmpty()) {
                out.addAll(csvFields(v));
            }
        }
        return out;
    }

    /** One line of comma-separated values, as Go's encoding/csv reads it. */
    static List<String> csvFields(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"' && field.length() == 0) {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        fields.add(field.toString());
        return fields;
    }
}
