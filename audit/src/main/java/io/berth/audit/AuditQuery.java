package io.berth.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which records to read: a time window and filters. Records match when their time is in [since, until]
 * (either may be null) and, for every filter key, one of its values: {@code path} matches a prefix of the
 * path, {@code method} and {@code outcome} ignore case, the others must be equal. A record without the
 * field (a checkpoint has no caller) does not match a filter on it.
 *
 * @param filters key → accepted values; keys are {@link #KEYS} (lower case, as the docker CLI sends filter names)
 */
public record AuditQuery(Instant since, Instant until, Map<String, Set<String>> filters) {

    /** The filter keys and where each is in a record. */
    private static final Map<String, String[]> FIELDS = Map.of(
            "uid", new String[] {"caller", "uid"},
            "gid", new String[] {"caller", "gid"},
            "pid", new String[] {"caller", "pid"},
            "command", new String[] {"caller", "command"},
            "method", new String[] {"method"},
            "path", new String[] {"path"},
            "outcome", new String[] {"outcome"},
            "status", new String[] {"status"},
            "requestid", new String[] {"requestId"},
            "type", new String[] {"type"});

    public static final Set<String> KEYS = FIELDS.keySet();

    public static final AuditQuery ALL = new AuditQuery(null, null, Map.of());

    public AuditQuery {
        for (String key : filters.keySet()) {
            if (!FIELDS.containsKey(key)) {
                throw new IllegalArgumentException("invalid filter '" + key + "' (audit filters: "
                        + String.join(", ", new java.util.TreeSet<>(KEYS)) + ")");
            }
        }
        filters = Map.copyOf(filters);
    }

    public boolean matches(JsonNode record) {
        if (since != null || until != null) {
            Instant t;
            try {
                t = Instant.parse(record.path("time").asText());
            } catch (DateTimeParseException e) {
                return false;
            }
            if ((since != null && t.isBefore(since)) || (until != null && t.isAfter(until))) {
                return false;
            }
        }
        for (Map.Entry<String, Set<String>> f : filters.entrySet()) {
            JsonNode field = record;
            for (String step : FIELDS.get(f.getKey())) {
                field = field.path(step);
            }
            if (field.isMissingNode() || field.isNull() || !anyMatches(f.getKey(), field.asText(), f.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static boolean anyMatches(String key, String value, Set<String> wanted) {
        for (String w : wanted) {
            boolean hit = switch (key) {
                case "path" -> value.startsWith(w);
                case "method", "outcome" -> value.equalsIgnoreCase(w.toLowerCase(Locale.ROOT));
                default -> value.equals(w);
            };
            if (hit) {
                return true;
            }
        }
        return false;
    }
}
