package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code berth events}: docker events (the same flags and output), read from berthd's log, so
 * {@code --since} reaches back across restarts; {@code --raw} shows berth's own events as logged (position,
 * type, caller, payload) and {@code --after N} resumes after a log position.
 */
final class EventCommands {

    static final String USAGE = """
            Usage:  berth events [OPTIONS]

            Get real time events from the server (history from its event log with --since/--until)

            Options:
              -f, --filter filter   Filter output based on conditions provided
                  --format string   Format output using a custom template ('json': one JSON object a line)
                  --since string    Show all events created since timestamp
                  --until string    Stream events until this timestamp
                  --raw             berth's own events as logged (filters: type, kind, id, correlation)
                  --after N         start after log position N (as printed by --raw)
            """;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.nnnnnnnnnXXX")
            .withZone(ZoneOffset.UTC);

    private final ApiClient api;
    private final PrintStream out;

    EventCommands(ApiClient api, PrintStream out) {
        this.api = api;
        this.out = out;
    }

    static Flags flags() {
        return new Flags(false).option("-f", "--filter").option("--format").option("--since").option("--until")
                .flag("--raw").option("--after");
    }

    int events(Flags f) throws Exception {
        if (!f.positional().isEmpty()) {
            throw new Flags.UsageException("accepts no arguments");
        }
        boolean raw = f.bool("raw");
        Map<String, String> q = new LinkedHashMap<>();
        q.put("since", f.has("since") ? Main.timestamp(f.get("since")) : null);
        q.put("until", f.has("until") ? Main.timestamp(f.get("until")) : null);
        q.put("after", f.has("after") ? f.get("after") : null);
        if (!f.all("filter").isEmpty()) {
            q.put("filters", ApiClient.filters(f.all("filter")).toString());
        }
        String path;
        if (raw || f.has("after")) {
            q.put("format", raw ? "raw" : "docker");
            path = "/berth/events";
        } else {
            path = ApiClient.VERSION_PREFIX + "/events";
        }
        String format = f.get("format", "");
        try (ApiClient.Response r = api.call("GET", path + ApiClient.query(q), null)) {
            r.jsonLines(line -> {
                JsonNode event = JSON.readTree(line);
                if (format.equals("json") || format.equals("{{json .}}")) {
                    out.println(event.toString());
                } else if (!format.isEmpty()) {
                    out.println(Templates.render(format, event));
                } else {
                    out.println(raw ? rawLine(event) : dockerLine(event));
                }
                out.flush();
            });
        }
        return 0;
    }

    /** docker's default: "TIME TYPE ACTION ID (k=v, ...)", attributes sorted by key. */
    static String dockerLine(JsonNode e) {
        StringBuilder s = new StringBuilder();
        s.append(TIME.format(Instant.ofEpochSecond(0, e.path("timeNano").asLong()))).append(' ')
                .append(e.path("Type").asText()).append(' ').append(e.path("Action").asText()).append(' ')
                .append(e.path("Actor").path("ID").asText());
        List<String> attributes = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = e.path("Actor").path("Attributes").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> a = it.next();
            attributes.add(a.getKey() + "=" + a.getValue().asText());
        }
        if (!attributes.isEmpty()) {
            attributes.sort(null);
            s.append(" (").append(String.join(", ", attributes)).append(')');
        }
        return s.toString();
    }

    /** "POSITION TIME TYPE KIND ID by ORIGIN uid=U pid=P (COMMAND) PAYLOAD". */
    static String rawLine(JsonNode e) {
        JsonNode a = e.path("actor");
        return e.path("position").asLong() + " " + e.path("time").asText() + " " + e.path("type").asText() + " "
                + e.path("aggregateKind").asText() + " " + e.path("aggregateId").asText() + " by "
                + a.path("origin").asText("?") + " uid=" + a.path("uid").asInt(-1) + " pid=" + a.path("pid").asInt(-1)
                + " (" + a.path("command").asText() + ") " + e.path("payload").toString();
    }
}
