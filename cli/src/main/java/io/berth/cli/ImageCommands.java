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

/** images, import, save, load, history, rmi: Docker's image commands. */
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
            q.put("filters", ApiClient.filters(filters).toString());
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
        boolean digests = f.bool("digests");
        Table table = digests ? new Table("REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE")
                : new Table("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
        long now = Instant.now().getEpochSecond();
        for (JsonNode i : list) {
            String created = Human.duration(Duration.ofSeconds(Math.max(0, now - i.path("Created").asLong()))) + " ago";
            String size = Human.size(i.path("Size").asDouble());
            String id = shortId(i.path("Id").asText(), noTrunc);
            for (String[] rtd : repoTagDigestRows(i, digests)) {
                table.row(digests ? new String[] {rtd[0], rtd[1], rtd[2], id, created, size}
                        : new String[] {rtd[0], rtd[1], id, created, size});
            }
        }
        table.print(out);
        return 0;
    }

    /**
     * The docker CLI's rows of one image: a row per tag (per tag and digest of its repository with
     * --digests), a row per repository known only by digest (tag {@code <none>}), {@code <none>} rows for
     * an image with neither.
     */
    private static List<String[]> repoTagDigestRows(JsonNode image, boolean digests) {
        Map<String, List<String>> tags = new LinkedHashMap<>();
        Map<String, List<String>> repoDigests = new LinkedHashMap<>();
        for (JsonNode t : image.path("RepoTags")) {
            String[] rt = Main.repoTag(t.asText());
            tags.computeIfAbsent(rt[0], k -> new ArrayList<>()).add(rt[1]);
        }
        for (JsonNode dg : image.path("RepoDigests")) {
            String s = dg.asText();
            int at = s.indexOf('@');
            if (at > 0) {
                repoDigests.computeIfAbsent(s.substring(0, at), k -> new ArrayList<>()).add(s.substring(at + 1));
            }
        }
        List<String[]> rows = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : tags.entrySet()) {
            List<String> ds = repoDigests.remove(e.getKey());
            for (String tag : e.getValue()) {
                if (!digests || ds == null || ds.isEmpty()) {
                    rows.add(new String[] {e.getKey(), tag, "<none>"});
                } else {
                    ds.forEach(dg -> rows.add(new String[] {e.getKey(), tag, dg}));
                }
            }
        }
        for (Map.Entry<String, List<String>> e : repoDigests.entrySet()) {
            if (digests) {
                e.getValue().forEach(dg -> rows.add(new String[] {e.getKey(), "<none>", dg}));
            } else {
                rows.add(new String[] {e.getKey(), "<none>", "<none>"});
            }
        }
        if (rows.isEmpty()) {
            rows.add(new String[] {"<none>", "<none>", "<none>"});
        }
        return rows;
    }

    private static String shortId(String id, boolean noTrunc) {
        return noTrunc ? id : Human.truncateId(id);
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
            r.jsonMessages(m -> {
                if (m.has("status")) {
                    out.println(m.path("status").asText());
                }
            });
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

    /** docker save [-o FILE] IMAGE...: the archive to a file (written under a temp name, then renamed) or stdout. */
    int save(Flags f) throws Exception {
        if (f.positional().isEmpty()) {
            throw new Flags.UsageException("requires at least 1 argument");
        }
        String file = f.get("output");
        if (file == null && System.console() != null) {
            err.println("cowardly refusing to save to a terminal. Use the -o flag or redirect");
            return 1;
        }
        StringBuilder q = new StringBuilder();
        for (String name : f.positional()) {
            q.append(q.length() == 0 ? "?" : "&").append("names=").append(URLEncoder.encode(name, StandardCharsets.UTF_8));
        }
        try (ApiClient.Response r = api.call("GET", VERSION_PREFIX + "/images/get" + q, null)) {
            Streams.toFileOrStdout(r.body, file, out);
        }
        return 0;
    }

    /** docker load [-i FILE] [-q]: an archive from a file or stdin; prints what the daemon loaded. */
    int load(Flags f) throws Exception {
        String file = f.get("input");
        if (file == null && System.console() != null) { // stdin is a terminal: nothing was piped in
            err.println("requested load from stdin, but stdin is empty");
            return 1;
        }
        String q = "?quiet=" + (f.bool("quiet") ? "1" : "0");
        try (InputStream body = file == null ? System.in : Files.newInputStream(Path.of(file));
             ApiClient.Response r = api.request("POST", VERSION_PREFIX + "/images/load" + q, body, "application/x-tar")) {
            r.jsonMessages(m -> {
                if (m.has("stream")) {
                    out.print(m.path("stream").asText());
                }
            });
        } catch (java.nio.file.NoSuchFileException e) {
            err.println("open " + file + ": no such file or directory");
            return 1;
        }
        return 0;
    }

    /** docker history [-H] [--no-trunc] [-q] [--format] IMAGE. */
    int history(Flags f) throws Exception {
        if (f.positional().size() != 1) {
            throw new Flags.UsageException("requires exactly 1 argument");
        }
        JsonNode rows = api.json("GET", VERSION_PREFIX + "/images/" + f.positional().get(0) + "/history", null);
        boolean noTrunc = f.bool("no-trunc");
        boolean human = !f.has("human") || f.bool("human");
        if (f.bool("quiet")) {
            for (JsonNode r : rows) {
                String id = r.path("Id").asText();
                out.println(id.equals("<missing>") ? id : shortId(id, noTrunc));
            }
            return 0;
        }
        long now = Instant.now().getEpochSecond();
        List<Map<String, String>> views = new ArrayList<>();
        for (JsonNode r : rows) {
            Map<String, String> view = new LinkedHashMap<>();
            String id = r.path("Id").asText();
            long created = r.path("Created").asLong();
            String createdAt = Instant.ofEpochSecond(created).toString();
            String createdBy = r.path("CreatedBy").asText();
            if (!noTrunc && createdBy.length() > 45) {
                createdBy = createdBy.substring(0, 44) + "…";
            }
            view.put("ID", id.equals("<missing>") ? id : shortId(id, noTrunc));
            view.put("CreatedSince", human ? Human.duration(Duration.ofSeconds(Math.max(0, now - created))) + " ago" : createdAt);
            view.put("CreatedAt", createdAt);
            view.put("CreatedBy", createdBy);
            view.put("Size", human ? Human.size(r.path("Size").asDouble()) : Long.toString(r.path("Size").asLong()));
            view.put("Comment", r.path("Comment").asText());
            views.add(view);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("ID", "IMAGE");
        headers.put("CreatedSince", human ? "CREATED" : "CREATED AT");
        headers.put("CreatedAt", "CREATED AT");
        headers.put("CreatedBy", "CREATED BY");
        headers.put("Size", "SIZE");
        headers.put("Comment", "COMMENT");
        String format = f.get("format");
        Templates.print(format == null || format.equals("table") ? "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
                : format, headers, views, out);
        return 0;
    }

    /** docker image prune [-a] [-f] [--filter k=v]. Without -f it asks, as docker does. */
    int prune(Flags f) throws Exception {
        boolean all = f.bool("all");
        if (!f.bool("force") && !Main.confirm((all ? "WARNING! This will remove all images without at least one container associated to them.\n"
                : "WARNING! This will remove all dangling images.\n") + "Are you sure you want to continue?", out)) {
            return 0;
        }
        var filters = ApiClient.filters(f.all("filter"));
        filters.putObject("dangling").put(all ? "false" : "true", true);
        JsonNode r = api.json("POST", VERSION_PREFIX + "/images/prune?filters="
                + URLEncoder.encode(filters.toString(), StandardCharsets.UTF_8), null);
        if (r.path("ImagesDeleted").isArray() && !r.path("ImagesDeleted").isEmpty()) {
            out.println("Deleted Images:");
            for (JsonNode item : r.path("ImagesDeleted")) {
                item.fields().forEachRemaining(e -> out.println(e.getKey().toLowerCase(java.util.Locale.ROOT) + ": " + e.getValue().asText()));
            }
            out.println();
        }
        out.println("Total reclaimed space: " + Human.size(r.path("SpaceReclaimed").asDouble(), 4));
        return 0;
    }

    /** docker commit [-a] [-m] [-c]... [-p=false] CONTAINER [REPOSITORY[:TAG]]: prints the new image's id. */
    int commit(Flags f) throws Exception {
        List<String> pos = f.positional();
        if (pos.isEmpty() || pos.size() > 2) {
            throw new Flags.UsageException("requires at least 1 and at most 2 arguments");
        }
        StringBuilder q = new StringBuilder("?container=").append(URLEncoder.encode(pos.get(0), StandardCharsets.UTF_8));
        if (pos.size() == 2) {
            String[] rt = Main.repoTag(pos.get(1));
            q.append("&repo=").append(URLEncoder.encode(rt[0], StandardCharsets.UTF_8))
                    .append("&tag=").append(URLEncoder.encode(rt[1], StandardCharsets.UTF_8));
        }
        if (f.has("author")) {
            q.append("&author=").append(URLEncoder.encode(f.get("author"), StandardCharsets.UTF_8));
        }
        if (f.has("message")) {
            q.append("&comment=").append(URLEncoder.encode(f.get("message"), StandardCharsets.UTF_8));
        }
        for (String c : f.all("change")) {
            q.append("&changes=").append(URLEncoder.encode(c, StandardCharsets.UTF_8));
        }
        if (f.has("pause") && !f.bool("pause")) {
            q.append("&pause=0");
        }
        JsonNode r = api.json("POST", VERSION_PREFIX + "/commit" + q, null);
        out.println(r.path("Id").asText());
        return 0;
    }

    /** docker tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]. */
    int tag(Flags f) throws Exception {
        if (f.positional().size() != 2) {
            throw new Flags.UsageException("requires exactly 2 arguments");
        }
        String[] target = Main.repoTag(f.positional().get(1));
        try (ApiClient.Response r = api.call("POST", VERSION_PREFIX + "/images/" + f.positional().get(0) + "/tag?repo="
                + URLEncoder.encode(target[0], StandardCharsets.UTF_8) + "&tag=" + URLEncoder.encode(target[1], StandardCharsets.UTF_8), null)) {
            r.bytes();
        }
        return 0;
    }
}
