package io.berth.daemon.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.api.ApiException;
import java.util.List;

/**
 * The Dockerfile instructions that {@code docker import --change} and {@code docker commit --change}
 * accept, applied to an image's container config: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD,
 * STOPSIGNAL, USER, VOLUME, WORKDIR.
 */
public final class ConfigChanges {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigChanges() {}

    public static ObjectNode apply(ObjectNode config, List<String> changes) {
        for (String change : changes) {
            String line = change.trim();
            if (line.isEmpty()) {
                continue;
            }
            int sp = line.indexOf(' ');
            String instruction = (sp < 0 ? line : line.substring(0, sp)).toUpperCase();
            String args = sp < 0 ? "" : line.substring(sp + 1).trim();
            switch (instruction) {
                case "CMD" -> config.set("Cmd", commandForm(args));
                case "ENTRYPOINT" -> config.set("Entrypoint", commandForm(args));
                case "ENV" -> keyValues(args, true).forEach(kv -> setEnv(config, kv[0], kv[1]));
                case "LABEL" -> keyValues(args, false).forEach(kv -> object(config, "Labels").put(kv[0], kv[1]));
                case "EXPOSE" -> {
                    for (String port : args.split("\\s+")) {
                        object(config, "ExposedPorts").set(port.contains("/") ? port : port + "/tcp",
                                JSON.createObjectNode());
                    }
                }
                case "VOLUME" -> {
                    for (String v : listOrWords(args)) {
                        object(config, "Volumes").set(v, JSON.createObjectNode());
                    }
                }
                case "USER" -> config.put("User", args);
                case "WORKDIR" -> config.put("WorkingDir", args);
                case "STOPSIGNAL" -> config.put("StopSignal", args);
                case "ONBUILD" -> array(config, "OnBuild").add(args);
                default -> throw ApiException.invalid(instruction + " is not a valid change command");
            }
        }
        return config;
    }

    private static JsonNode commandForm(String args) {
        if (args.startsWith("[")) {
            try {
                JsonNode parsed = JSON.readTree(args);
                if (parsed.isArray()) {
                    return parsed;
                }
            } catch (JsonProcessingException ignored) {
                // not JSON: shell form, as Docker does
            }
        }
        ArrayNode shell = JSON.createArrayNode();
        shell.add("/bin/sh").add("-c").add(args);
        return shell;
    }

    private static List<String> listOrWords(String args) {
        if (args.startsWith("[")) {
            try {
                JsonNode parsed = JSON.readTree(args);
                return java.util.stream.StreamSupport.stream(parsed.spliterator(), false).map(JsonNode::asText).toList();
            } catch (JsonProcessingException ignored) {
                // fall through
            }
        }
        return List.of(args.split("\\s+"));
    }

    /** "A=1 B=2" or the legacy "A 1" (only for ENV). Quotes around values are removed. */
    private static List<String[]> keyValues(String args, boolean legacySpaceForm) {
        if (!args.contains("=") && legacySpaceForm) {
            int sp = args.indexOf(' ');
            if (sp < 0) {
                throw ApiException.invalid("ENV requires at least one argument");
            }
            return List.<String[]>of(new String[] {args.substring(0, sp), args.substring(sp + 1).trim()});
        }
        java.util.ArrayList<String[]> out = new java.util.ArrayList<>();
        StringBuilder token = new StringBuilder();
        char quote = 0;
        java.util.ArrayList<String> tokens = new java.util.ArrayList<>();
        for (char ch : args.toCharArray()) {
            if (quote != 0) {
                if (ch == quote) {
                    quote = 0;
                } else {
                    token.append(ch);
                }
            } else if (ch == '"' || ch == '\'') {
                quote = ch;
            } else if (Character.isWhitespace(ch)) {
                if (token.length() > 0) {
                    tokens.add(token.toString());
                    token.setLength(0);
                }
            } else {
                token.append(ch);
            }
        }
        if (token.length() > 0) {
            tokens.add(token.toString());
        }
        for (String t : tokens) {
            int eq = t.indexOf('=');
            if (eq <= 0) {
                throw ApiException.invalid("invalid key-value pair: " + t);
            }
            out.add(new String[] {t.substring(0, eq), t.substring(eq + 1)});
        }
        return out;
    }

    private static void setEnv(ObjectNode config, String name, String value) {
        ArrayNode env = array(config, "Env");
        for (int i = 0; i < env.size(); i++) {
            if (env.get(i).asText().startsWith(name + "=")) {
                env.remove(i);
                break;
            }
        }
        env.add(name + "=" + value);
    }

    private static ObjectNode object(ObjectNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n instanceof ObjectNode o) {
            return o;
        }
        return parent.putObject(field);
    }

    private static ArrayNode array(ObjectNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n instanceof ArrayNode a) {
            return a;
        }
        return parent.putArray(field);
    }
}
