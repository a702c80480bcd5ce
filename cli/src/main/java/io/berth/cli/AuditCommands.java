package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.audit.AuditVerifier;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code berth audit} (the daemon's audit records, as a table or JSON lines) and {@code berth audit verify}
 * (through the daemon, or straight from the files of an audit directory with no daemon running).
 */
final class AuditCommands {

    static final String USAGE = """

            Usage:  berth audit [OPTIONS]
                    berth audit verify [--dir DIR]

            Show the daemon's audit records: every state-changing API call (and every read with berthd
            --audit-reads), with its caller, endpoint and outcome; or verify the trail's hash chain.

            Options:
                  --since string    Show records since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)
                  --until string    Show records before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)
              -f, --filter filter   Filter output based on conditions provided (uid, gid, pid, command, method,
                                    path (a prefix), outcome, status, requestid, type)
                  --json            Print the records as JSON lines, as they are stored

            verify:
                  --dir string      Verify the files of this audit directory (<data-root>/audit) without a daemon;
                                    exit status 1 when tampering is found
            """;

    private final ApiClient api;
    private final PrintStream out;
    private final PrintStream err;

    AuditCommands(ApiClient api, PrintStream out, PrintStream err) {
        this.api = api;
        this.out = out;
        this.err = err;
    }

    static Flags listFlags() {
        return new Flags(false).option("--since").option("--until").option("-f", "--filter").flag("--json");
    }

    static Flags verifyFlags() {
        return new Flags(false).option("--dir");
    }

    int list(Flags f) throws Exception {
        if (!f.positional().isEmpty()) {
            throw new Flags.UsageException("\"berth audit\" accepts no arguments but \"verify\"");
        }
        Map<String, String> params = new LinkedHashMap<>();
        if (f.get("since") != null) {
            params.put("since", Main.timestamp(f.get("since")));
        }
        if (f.get("until") != null) {
            params.put("until", Main.timestamp(f.get("until")));
        }
        JsonNode filters = ApiClient.filters(f.all("filter"));
        if (filters.size() > 0) {
            params.put("filters", filters.toString());
        }
        boolean json = f.bool("json");
        Table table = new Table("SEQ", "TIME", "UID", "PID", "COMMAND", "METHOD", "PATH", "STATUS", "OUTCOME", "ERROR");
        try (ApiClient.Response r = api.call("GET", "/berth/audit" + ApiClient.query(params), null)) {
            r.jsonLines(line -> {
                if (json) {
                    out.println(line);
                } else {
                    table.row(row(ApiClient.JSON.readTree(line)));
                }
            });
        }
        if (!json) {
            table.print(out);
        }
        return 0;
    }

    /** One record as a table row; a checkpoint or a recovery says what it stands for in PATH. */
    private static String[] row(JsonNode r) {
        String time = r.path("time").asText();
        time = time.length() > 23 ? time.substring(0, 23) + "Z" : time; // to the millisecond
        String seq = r.path("seq").asText();
        switch (r.path("type").asText()) {
            case "checkpoint" -> {
                JsonNode d = r.path("dropped");
                return new String[] {seq, time, "", "", "", "-", "(retention dropped records " + d.path("fromSeq").asText()
                        + " to " + (d.path("before").asLong() - 1) + ")", "", "", ""};
            }
            case "recovered" -> {
                return new String[] {seq, time, "", "", "", "-", "(a torn last record of " + r.path("tornBytes").asText()
                        + " bytes cut off at start)", "", "", ""};
            }
            default -> {
                JsonNode c = r.path("caller");
                String query = r.path("query").asText();
                return new String[] {seq, time, c.path("uid").asText(), c.path("pid").asText(), c.path("command").asText(),
                        r.path("method").asText(), r.path("path").asText() + (query.isEmpty() ? "" : "?" + query),
                        r.path("status").asText(), r.path("outcome").asText(), r.path("error").asText("")};
            }
        }
    }

    int verify(Flags f) throws Exception {
        AuditVerifier.Result result;
        String dir = f.get("dir");
        if (dir != null) {
            if (!Files.isDirectory(Path.of(dir))) {
                throw new IllegalArgumentException("no audit directory at " + dir);
            }
            result = AuditVerifier.verify(Path.of(dir));
        } else {
            result = AuditVerifier.Result.fromJson(api.json("GET", "/berth/audit/verify", null));
        }
        (result.ok() ? out : err).println(result.describe());
        return result.ok() ? 0 : 1;
    }
}
