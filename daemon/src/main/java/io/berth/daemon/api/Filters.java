package io.berth.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Docker's {@code filters} query parameter: a JSON object from filter name to values, either as a map of
 * value → true (Go clients) or as a list of values (docker-py, compose).
 */
public final class Filters {

    private final Map<String, List<String>> values;

    private Filters(Map<String, List<String>> values) {
        this.values = values;
    }

    public static Filters parse(String json) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        if (json == null || json.isBlank()) {
            return new Filters(values);
        }
        JsonNode root;
        try {
            root = ApiCall.JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw ApiException.invalid("invalid filter: " + e.getMessage());
        }
        if (!root.isObject()) {
            throw ApiException.invalid("invalid filter: not an object");
        }
        root.fields().forEachRemaining(f -> {
            List<String> list = new ArrayList<>();
            JsonNode v = f.getValue();
            if (v.isArray()) {
                v.forEach(x -> list.add(x.asText()));
            } else if (v.isObject()) {
                v.fields().forEachRemaining(x -> {
                    if (x.getValue().asBoolean(true)) {
                        list.add(x.getKey());
                    }
                });
            } else {
                list.add(v.asText());
            }
            values.put(f.getKey(), list);
        });
        return new Filters(values);
    }

    public List<String> get(String name) {
        return values.getOrDefault(name, List.of());
    }

    public boolean has(String name) {
        return values.containsKey(name) && !values.get(name).isEmpty();
    }

    /** Fails with Docker's message when a filter name is not one of {@code allowed}. */
    public void allow(String... allowed) {
        List<String> ok = List.of(allowed);
        for (String name : values.keySet()) {
            if (!ok.contains(name)) {
                throw ApiException.invalid("invalid filter '" + name + "'");
            }
        }
    }

    /** Docker's label filters: every "label" ("key" or "key=value") must match, no "label!" may. */
    public boolean matchLabels(Map<String, String> labels) {
        for (String want : get("label")) {
            if (!matchesLabel(want, labels)) {
                return false;
            }
        }
        for (String unwanted : get("label!")) {
            if (matchesLabel(unwanted, labels)) {
                return false;
            }
        }
        return true;
    }

    private static boolean matchesLabel(String filter, Map<String, String> labels) {
        int eq = filter.indexOf('=');
        return eq < 0 ? labels.containsKey(filter) : filter.substring(eq + 1).equals(labels.get(filter.substring(0, eq)));
    }
}
