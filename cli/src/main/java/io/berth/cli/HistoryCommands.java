package io.berth.cli;

import static io.berth.cli.ApiClient.VERSION_PREFIX;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * berth's time travel (berthd's /berth/ API): {@code berth replay --until TIME} and the container
 * lookups of {@code berth inspect --at TIME}. {@code berth ps --at TIME} is {@code ps} on the past
 * (see {@link ContainerCommands#ps}).
 */
final class HistoryCommands {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final ApiClient api;
    private final PrintStream out;

    HistoryCommands(ApiClient api, PrintStream out) {
        this.api = api;
        this.out = out;
    }

    /**
     * The container {@code name} as it was at {@code at}, as inspect shows it; null when no container had
     * that name or id then. A bad or too old time is an {@link ApiClient.ApiError} with the daemon's reason.
     */
    static JsonNode containerAt(ApiClient api, String name, String at) throws java.io.IOException {
        try (ApiClient.Response r = api.request("GET", VERSION_PREFIX + "/berth/containers/" + ApiClient.encode(name)
                + "/json" + ApiClient.query(Map.of("at", at)), null, null)) {
            if (r.ok()) {
                return r.json();
            }
            if (r.status == 404) {
                return null;
            }
            throw new ApiClient.ApiError(r.status, r.errorMessage());
        }
    }

    /**
     * Prints the state at --until rebuilt by the daemon from the event log alone: the daemon's JSON
     * (indented), or with --summary a readable account (where the replay started, then the containers,
     * images and networks of that moment).
     */
    int replay(Flags f) throws Exception {
        String until = f.get("until");
        if (until == null) {
            throw new Flags.UsageException("replay requires --until TIME (RFC 3339, unix seconds, or a duration ago: 10m)");
        }
        JsonNode r = api.json("GET", VERSION_PREFIX + "/berth/replay" + ApiClient.query(Map.of("until", until)), null);
        if (!f.bool("summary")) {
            out.println(JSON.writeValueAsString(r));
            return 0;
        }
        JsonNode state = r.path("State");
        out.printf("State at %s: position %d (event time %s), %d events replayed%n", r.path("Until").asText(),
                r.path("Position").asLong(), r.path("Time").asText(), r.path("EventsReplayed").asLong());
        out.println(r.path("From").path("Note").asText());
        out.println();
        List<Map<String, String>> containers = new ArrayList<>();
        state.path("containers").forEach(c -> containers.add(Map.of("ID", Human.truncateId(c.path("id").asText()),
                "Name", c.path("name").asText(), "Image", c.path("image").asText(), "Status", c.path("status").asText()
                        + ("exited".equals(c.path("status").asText()) ? " (" + c.path("exitCode").asInt() + ")" : ""))));
        table("Containers", "table {{.ID}}\t{{.Name}}\t{{.Image}}\t{{.Status}}",
                Map.of("ID", "CONTAINER ID", "Name", "NAME", "Image", "IMAGE", "Status", "STATUS"), containers);
        List<Map<String, String>> images = new ArrayList<>();
        state.path("images").forEach(i -> {
            List<String> tags = new ArrayList<>();
            i.path("tags").forEach(t -> tags.add(t.asText()));
            tags.sort(null);
            images.add(Map.of("ID", Human.truncateId(i.path("id").asText().replaceFirst("^sha256:", "")),
                    "Tags", tags.isEmpty() ? "<none>" : String.join(", ", tags)));
        });
        table("Images", "table {{.ID}}\t{{.Tags}}", Map.of("ID", "IMAGE ID", "Tags", "TAGS"), images);
        List<Map<String, String>> networks = new ArrayList<>();
        state.path("networks").forEach(n -> networks.add(Map.of("ID", Human.truncateId(n.path("id").asText()),
                "Name", n.path("name").asText(), "Driver", n.path("driver").asText(), "Subnet", n.path("subnet").asText())));
        table("Networks", "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Subnet}}",
                Map.of("ID", "NETWORK ID", "Name", "NAME", "Driver", "DRIVER", "Subnet", "SUBNET"), networks);
        return 0;
    }

    private void table(String title, String format, Map<String, String> headers, List<Map<String, String>> rows) {
        out.println(title + " (" + rows.size() + "):");
        Templates.print(format, headers, rows, out);
        out.println();
    }
}
