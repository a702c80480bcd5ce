package io.berth.cli;

import static io.berth.cli.ApiClient.JSON;
import static io.berth.cli.ApiClient.VERSION_PREFIX;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** images, import, rmi: Docker's image commands. */
final class ImageCommands {

    private final ApiClient api;
    private final PrintStream out;
    private final PrintStream err;

    ImageCommands(ApiClient api, PrintStream out, PrintStream err) {
        this.api = api;
        this.out = out;
        this.err = err;
    }

    int images(Flags f) throws Exception {
        Map<String, String> q = new LinkedHashMap<>();
        if (f.bool("all")) {
            q.put("all", "1");
        }
        List<String> filters = new ArrayList<>(f.all("filter"));
        if (!f.positional().isEmpty()) {
            filters.add("reference=" + f.positional().get(0));
        }
        if (!filters.isEmpty()) {
            var node = JSON.createObjectNode();
            for (String filter : filters) {
                int eq = filter.indexOf('=');
                if (eq < 0) {
                    throw new Flags.UsageException("bad format of filter (expected name=value)");
                }
                var values = node.has(filter.substring(0, eq)) ? (com.fasterxml.jackson.databind.node.ObjectNode) node.get(filter.substring(0, eq))
                        : node.putObject(filter.substring(0, eq));
                values.put(filter.substring(eq + 1), true);
            }
            q.put("filters", node.toString());
        }
        JsonNode list = api.json("GET", VERSION_PREFIX + "/images/json" + ApiClient.query(q), null);
        boolean noTrunc = f.bool("no-trunc");
        if (f.bool("quiet")) {
            java.util.Set<String> seen = new java.util.LinkedHashSet<>();
            for (JsonNode i : list) {
                seen.add(shortId(i.path("Id").asText(), noTrunc));
            }
            seen.forEach(out::println);
            return 0;
        }
        Table table = new Table("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
        long now = Instant.now().getEpochSecond();
        for (JsonNode i : list) {
            String created = Human.duration(Duration.ofSeconds(Math.max(0, now - i.path("Created").asLong()))) + " ago";
            String size = Human.size(i.path("Size").asDouble());
            String id = shortId(i.path("Id").asText(), noTrunc);
            if (i.path("RepoTags").isEmpty()) {
                table.row("<none>", "<none>", id, created, size);
            }
            for (JsonNode t : i.path("RepoTags")) {
                String[] rt = Main.repoTag(t.asText());
                table.row(rt[0], rt[1], id, created, size);
            }
        }
        table.print(out);
        return 0;
    }

    private static String shortId(String id, boolean noTrunc) {
        return noTrunc ? id : id.replaceFirst("^sha256:", "").substring(0, 12);
    }

    int importImage(Flags f) throws Exception {
        List<String> pos = f.positional();
        if (pos.isEmpty() || pos.size() > 2) {
            throw new Flags.UsageException("requires at least 1 and at most 2 arguments");
        }
        StringBuilder q = new StringBuilder("?fromSrc=-");
        if (pos.size() == 2) {
            q.append("&repo=").append(URLEncoder.encode(pos.get(1), StandardCharsets.UTF_8));
        }
        for (String c : f.all("change")) {
            q.append("&changes=").append(URLEncoder.encode(c, StandardCharsets.UTF_8));
        }
        if (f.has("message")) {
            q.append("&message=").append(URLEncoder.encode(f.get("message"), StandardCharsets.UTF_8));
        }
        String src = pos.get(0);
        try (InputStream body = src.equals("-") ? System.in : Files.newInputStream(Path.of(src));
             ApiClient.Response r = api.request("POST", VERSION_PREFIX + "/images/create" + q, body, "application/x-tar")) {
            if (!r.ok()) {
                throw new ApiClient.ApiError(r.status, r.errorMessage());
            }
            for (String line : new String(r.bytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode m = JSON.readTree(line);
                if (m.has("errorDetail")) {
                    throw new ApiClient.ApiError(500, m.path("errorDetail").path("message").asText());
                }
                if (m.has("status")) {
                    out.println(m.path("status").asText());
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            err.println("open " + src + ": no such file or directory");
            return 1;
        }
        return 0;
    }

    int rmi(Flags f) throws Exception {
        if (f.positional().isEmpty()) {
            throw new Flags.UsageException("requires at least 1 argument");
        }
        int rc = 0;
        String q = "?force=" + (f.bool("force") ? "1" : "0") + "&noprune=" + (f.bool("no-prune") ? "1" : "0");
        for (String name : f.positional()) {
            try {
                JsonNode items = api.json("DELETE", VERSION_PREFIX + "/images/" + name + q, null);
                for (JsonNode item : items) {
                    item.fields().forEachRemaining(e -> out.println(e.getKey() + ": " + e.getValue().asText()));
                }
            } catch (ApiClient.ApiError e) {
                err.println("Error response from daemon: " + e.getMessage());
                rc = 1;
            }
        }
        return rc;
    }
}
