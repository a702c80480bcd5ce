package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * History on a real daemon: ps -a / inspect as of a moment before a container was removed, the state
 * rebuilt from the log alone, and restarts (clean, and kill -9) that boot from a snapshot (every 5
 * events here) into the same state.
 */
class TimeTravelE2EIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PS = "{{.ID}} {{.Names}} {{.Image}} {{.Command}} {{.Status}}";

    @Test
    void psInspectAndReplayOfThePastAndBootsFromSnapshots() throws Exception {
        try (BerthDaemon d = BerthDaemon.launch("--snapshot-interval", "5")) {
            d.importBusybox();
            d.docker("run", "-d", "--name", "web", "busybox", "sleep", "1000").ok();
            d.docker("run", "--name", "job", "busybox", "sh", "-c", "exit 3");
            d.docker("create", "--name", "temp", "-e", "K=V", "busybox", "echo", "never").ok();
            String tempId = d.inspect("temp", "{{.Id}}");
            Thread.sleep(1100);
            Instant before = Instant.now();
            Thread.sleep(1100);
            d.docker("rm", "temp").ok();
            d.docker("stop", "-t", "1", "web").ok();

            // ps of the past: temp is there, web still ran; now temp is gone
            String then = d.berth("ps", "-a", "--no-trunc", "--at", before.toString(), "--format", "{{.Names}} {{.Status}}").ok().out();
            assertTrue(then.contains("temp Created"), then);
            assertTrue(then.contains("web Up"), then);
            assertTrue(then.contains("job Exited (3)"), then);
            assertEquals("web\n", d.berth("ps", "--at", before.toString(), "--format", "{{.Names}}").ok().out(),
                    "without -a, the containers running then");
            assertFalse(d.berth("ps", "-a", "--format", "{{.Names}}").ok().out().contains("temp"));
            // unix seconds work as well, and the present equals the live list
            String unix = before.getEpochSecond() + "." + String.format("%09d", before.getNano());
            assertEquals(then, d.berth("ps", "-a", "--no-trunc", "--at", unix, "--format", "{{.Names}} {{.Status}}").ok().out());
            assertEquals(ReplayE2EIT.withoutTimes(d.docker("ps", "-a", "--no-trunc", "--format", PS).ok().out()),
                    ReplayE2EIT.withoutTimes(d.berth("ps", "-a", "--no-trunc", "--at", "0s", "--format", PS).ok().out()));

            // inspect of the removed container, by name, as of then
            JsonNode temp = JSON.readTree(d.berth("inspect", "--at", before.toString(), "temp").ok().out()).get(0);
            assertEquals(tempId, temp.path("Id").asText());
            assertEquals("/temp", temp.path("Name").asText());
            assertEquals("created", temp.path("State").path("Status").asText());
            assertTrue(temp.path("Config").path("Env").toString().contains("K=V"), temp.toString());
            assertTrue(d.berth("inspect", "temp").code() != 0, "gone now");
            assertTrue(d.berth("inspect", "--at", before.toString(), "nosuch").code() != 0);

            // bad moments are refused with a reason
            BerthDaemon.Result bad = d.berth("ps", "--at", "yesterday");
            assertTrue(bad.code() != 0 && bad.err().contains("RFC 3339"), bad.all());
            String[] raw = d.raw("GET", "/v1.47/berth/containers/json?at=nope", null);
            assertTrue(raw[0].contains(" 400 "), raw[0] + raw[1]);
            raw = d.raw("GET", "/berth/containers/json", null);
            assertTrue(raw[0].contains(" 400 ") && raw[1].contains("at"), raw[0] + raw[1]);

            // the state then, from the log alone
            JsonNode replay = JSON.readTree(d.berth("replay", "--until", before.toString()).ok().out());
            assertTrue(replay.path("From").path("Snapshot").isNull(), replay.path("From").toString());
            assertTrue(replay.path("State").path("containers").has(tempId), "temp existed then");
            assertEquals("running", replay.path("State").path("containers").path(d.inspect("web", "{{.Id}}")).path("status").asText());
            String summary = d.berth("replay", "--until", before.toString(), "--summary").ok().out();
            assertTrue(summary.contains("temp") && summary.contains("Containers (3)"), summary);

            // restarts boot from a snapshot into the same state
            String ps = ReplayE2EIT.withoutTimes(d.docker("ps", "-a", "--no-trunc", "--format", PS).ok().out());
            List<String> names = List.of("web", "job");
            String inspects = inspectAll(d, names);
            String thenBefore = then;
            d.restart();
            assertUsedSnapshot(d, true);
            assertEquals(ps, ReplayE2EIT.withoutTimes(d.docker("ps", "-a", "--no-trunc", "--format", PS).ok().out()));
            assertEquals(inspects, inspectAll(d, names));
            assertEquals(thenBefore, d.berth("ps", "-a", "--no-trunc", "--at", before.toString(), "--format",
                    "{{.Names}} {{.Status}}").ok().out(), "the past is the same after a restart");

            // a kill -9 after more events: the newest snapshot plus the events after it
            d.docker("create", "--name", "late", "busybox", "true").ok();
            names = List.of("web", "job", "late");
            ps = ReplayE2EIT.withoutTimes(d.docker("ps", "-a", "--no-trunc", "--format", PS).ok().out());
            inspects = inspectAll(d, names);
            Thread.sleep(300); // the snapshot writer's files are not part of the comparison, only what boot reads
            d.kill9();
            d.start(null);
            assertUsedSnapshot(d, false);
            assertEquals(ps, ReplayE2EIT.withoutTimes(d.docker("ps", "-a", "--no-trunc", "--format", PS).ok().out()));
            assertEquals(inspects, inspectAll(d, names));
        }
    }

    /**
     * Retention, bounded: a log that rolls every minute gets events on both sides of a minute's turn (up to
     * a minute's wait); a daemon on a copy of it with a tiny --history-retention-size trims the older file at
     * boot, records it, and refuses moments before the boundary while still answering the later ones.
     */
    @Test
    void retentionTrimsTheLogAndTimeTravelStopsAtTheBoundary() throws Exception {
        try (BerthDaemon d = BerthDaemon.launch("--log-roll-cycle", "minutely", "--snapshot-interval", "5")) {
            d.importBusybox();
            d.docker("create", "--name", "old", "busybox", "true").ok();
            Instant old = Instant.now();
            d.docker("rm", "old").ok();
            // the next minute's file
            Thread.sleep((61 - Instant.now().getEpochSecond() % 60) * 1000);
            d.docker("create", "--name", "recent", "busybox", "true").ok();
            Instant recent = Instant.now();
            Thread.sleep(50);

            try (BerthDaemon trimmed = BerthDaemon.prepare("--no-side-effects", "--history-retention-size", "1k")) {
                java.nio.file.Files.createDirectories(trimmed.dataRoot());
                BerthDaemon.sh("cp -a " + d.dataRoot().resolve("events") + " " + d.dataRoot().resolve("snapshots") + " "
                        + trimmed.dataRoot() + " && rm -f " + trimmed.dataRoot().resolve("events") + "/*.lock").ok();
                trimmed.start(null);
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (!trimmed.log().contains("retention: the event log now starts at position") && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertTrue(trimmed.log().contains("retention: the event log now starts at position"), trimmed.logTail(40));
                BerthDaemon.Result refused = trimmed.berth("ps", "-a", "--at", old.toString());
                assertTrue(refused.code() != 0 && refused.err().contains("retention starts at"), refused.all());
                assertEquals("recent\n", trimmed.berth("ps", "-a", "--at", recent.toString(), "--format", "{{.Names}}").ok().out());
                JsonNode replay = JSON.readTree(trimmed.berth("replay", "--until", recent.toString()).ok().out());
                assertFalse(replay.path("From").path("Snapshot").isNull(), replay.path("From").toString());
                assertTrue(replay.path("From").path("Note").asText().contains("retention"), replay.path("From").toString());
                // the trim is on record (appended through the journal right after the log line)
                String grep = "grep -q -r -a HistoryTrimmed " + trimmed.dataRoot().resolve("events");
                for (int i = 0; i < 50 && BerthDaemon.sh(grep).code() != 0; i++) {
                    Thread.sleep(100);
                }
                assertEquals(0, BerthDaemon.sh(grep).code(), "HistoryTrimmed is in the log");
            }
        }
    }

    private static String inspectAll(BerthDaemon d, List<String> names) throws Exception {
        StringBuilder all = new StringBuilder();
        for (String n : names) {
            all.append(d.docker("inspect", "-f", ReplayE2EIT.INSPECT, n).ok().out());
        }
        return all.toString();
    }

    /** The last start's log says it restored a snapshot (with nothing left to replay after a clean stop). */
    private static void assertUsedSnapshot(BerthDaemon d, boolean cleanStop) {
        String log = d.log();
        String lastStart = log.substring(log.lastIndexOf("==== start"));
        Matcher m = Pattern.compile("state restored from the snapshot at position (\\d+), then (\\d+) events replayed").matcher(lastStart);
        assertTrue(m.find(), lastStart);
        if (cleanStop) {
            assertEquals("0", m.group(2), "the shutdown snapshot is at the log's end: " + m.group());
        }
    }
}
