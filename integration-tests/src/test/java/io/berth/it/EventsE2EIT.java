package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Events as a product of the log: docker events --since/--until across daemon restarts, Docker's filters
 * and bad input, the live stream joining history without a gap or a repeat, berth's raw events, and the
 * WebSocket (resume by position, a slow subscriber cut off without slowing anyone else).
 */
class EventsE2EIT extends E2E {

    static final ObjectMapper JSON = new ObjectMapper();

    static String now() {
        return String.format("%.9f", System.currentTimeMillis() / 1000.0);
    }

    static List<JsonNode> jsonLines(String out) throws Exception {
        List<JsonNode> events = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                events.add(JSON.readTree(line));
            }
        }
        return events;
    }

    static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void historyReachesAcrossRestartsInDockersFormat() throws Exception {
        String since = now();
        String name = name("hist");
        d.docker("run", "--name", name, "--label", "team=events", "busybox", "sh", "-c", "exit 3").fails();
        d.docker("rm", name).ok();
        d.restart();
        d.restart(); // twice: history is in the log, not in a daemon's memory
        String until = now();
        List<JsonNode> all = jsonLines(d.docker("events", "--since", since, "--until", until, "--format", "{{json .}}").ok().out());
        List<String> mine = all.stream().filter(e -> e.path("Type").asText().equals("container")
                && e.path("Actor").path("Attributes").path("name").asText().equals(name))
                .map(e -> e.path("Action").asText()).toList();
        assertEquals(List.of("create", "start", "die", "destroy"), mine, all.toString());
        JsonNode die = all.stream().filter(e -> e.path("Action").asText().equals("die")
                && e.path("Actor").path("Attributes").path("name").asText().equals(name)).findFirst().orElseThrow();
        assertEquals("3", die.path("Actor").path("Attributes").path("exitCode").asText());
        assertEquals("events", die.path("Actor").path("Attributes").path("team").asText());
        assertEquals("busybox", die.path("Actor").path("Attributes").path("image").asText());
        assertEquals("local", die.path("scope").asText());
        assertEquals(die.path("timeNano").asLong() / 1_000_000_000L, die.path("time").asLong());
        assertEquals(64, die.path("Actor").path("ID").asText().length());
        assertTrue(all.stream().anyMatch(e -> e.path("Type").asText().equals("network") && e.path("Action").asText().equals("connect")
                && e.path("Actor").path("Attributes").path("container").asText().equals(die.path("Actor").path("ID").asText())),
                "the start connected it to the bridge network");

        // Docker's filters, answered from the log
        String dies = d.docker("events", "--since", since, "--until", until, "--filter", "event=die",
                "--filter", "container=" + name, "--format", "{{.Action}} {{.Actor.Attributes.name}}").ok().out();
        assertEquals("die " + name, dies.strip());
        String labelled = d.docker("events", "--since", since, "--until", until, "--filter", "label=team=events",
                "--filter", "type=container", "--format", "{{.Action}}").ok().out();
        assertEquals(List.of("create", "start", "die", "destroy"), labelled.strip().lines().toList());
        assertEquals("", d.docker("events", "--since", since, "--until", until, "--filter", "image=nosuchimage").ok().out().strip());
        // the same through bin/berth, in docker's default format
        String berth = d.berth("events", "--since", since, "--until", until, "--filter", "container=" + name,
                "--filter", "event=destroy").ok().out();
        assertTrue(berth.matches("(?s)\\d{4}-\\d\\d-\\d\\dT[^ ]+ container destroy [0-9a-f]{64} \\(.*image=busybox, name=" + name + ", team=events\\)\\s*"), berth);
    }

    @Test
    void theLiveStreamShowsEventsAsTheyHappen() throws Exception {
        String name = name("live");
        try (BerthDaemon.Bg events = d.background("docker", "events", "--filter", "type=container", "--filter",
                "container=" + name, "--format", "{{.Action}} {{.Actor.Attributes.name}}")) {
            Thread.sleep(500);
            d.docker("run", "--rm", "--name", name, "busybox", "true").ok();
            assertTrue(events.awaitOut("destroy " + name, 10_000), events.out());
            assertEquals(List.of("create " + name, "start " + name, "die " + name, "destroy " + name),
                    events.out().strip().lines().toList());
        }
    }

    @Test
    void historyTurnsIntoLiveWithoutLossOrRepeat() throws Exception {
        String since = now();
        long first = lastPosition() + 1;
        List<String> created = new ArrayList<>();
        BerthDaemon.Bg reader = null;
        try {
            for (int i = 0; i < 24; i++) {
                if (i == 8) {
                    // joins while the log grows: its history and its live part meet somewhere in here
                    reader = d.background("berth", "events", "--raw", "--since", since, "--format", "json");
                }
                String[] r = d.raw("POST", "/containers/create?name=" + name("seq"), "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}");
                assertTrue(r[0].contains(" 201 "), r[0] + r[1]);
                created.add(JSON.readTree(r[1]).path("Id").asText());
            }
            long last = lastPosition();
            BerthDaemon.Bg rd = reader;
            assertTrue(rd.awaitOut("\"position\":" + last + ",", 15_000), rd.out());
            List<JsonNode> events = jsonLines(rd.out());
            List<Long> positions = events.stream().map(e -> e.path("position").asLong()).toList();
            List<Long> expected = new ArrayList<>();
            for (long p = positions.get(0); p <= last; p++) {
                expected.add(p);
            }
            assertEquals(expected, positions, "every position once, in order");
            assertTrue(positions.get(0) <= first, "it started at --since");
            Set<String> createdSeen = new TreeSet<>();
            events.stream().filter(e -> e.path("type").asText().equals("ContainerCreated"))
                    .forEach(e -> createdSeen.add(e.path("aggregateId").asText()));
            assertTrue(createdSeen.containsAll(created));
            JsonNode one = events.stream().filter(e -> e.path("type").asText().equals("ContainerCreated")).findFirst().orElseThrow();
            assertEquals("unix", one.path("actor").path("origin").asText());
            assertEquals(0, one.path("actor").path("uid").asInt());
            assertEquals(1, one.path("revision").asInt());
            assertTrue(one.path("payload").path("config").isObject());
        } finally {
            if (reader != null) {
                reader.close();
            }
        }
    }

    /** The log's last position, from berth's raw stream of everything up to now. */
    static long lastPosition() throws Exception {
        String[] r = d.raw("GET", "/berth/events?until=" + now(), null);
        assertTrue(r[0].contains(" 200 "), r[0]);
        List<JsonNode> all = jsonLines(r[1]);
        return all.isEmpty() ? 0 : all.get(all.size() - 1).path("position").asLong();
    }

    @Test
    void badTimesAndFiltersAreDockersBadRequests() throws Exception {
        String[] r = d.raw("GET", "/v1.47/events?since=yesterday", null);
        assertTrue(r[0].contains(" 400 "), r[0]);
        assertEquals("invalid timestamp \"yesterday\": invalid seconds \"yesterday\": invalid syntax",
                JSON.readTree(r[1]).path("message").asText());
        r = d.raw("GET", "/v1.47/events?since=200&until=100", null);
        assertTrue(r[0].contains(" 400 "), r[0]);
        assertEquals("`since` time (200) cannot be after `until` time (100)", JSON.readTree(r[1]).path("message").asText());
        r = d.raw("GET", "/v1.47/events?filters=" + q("{\"colour\":{\"red\":true}}"), null);
        assertTrue(r[0].contains(" 400 "), r[0]);
        assertEquals("invalid filter 'colour'", JSON.readTree(r[1]).path("message").asText());
        r = d.raw("GET", "/v1.47/events?filters=" + q("{not json"), null);
        assertTrue(r[0].contains(" 400 "), r[0]);
        r = d.raw("GET", "/berth/events?after=-3", null);
        assertTrue(r[0].contains(" 400 "), r[0]);
        r = d.raw("GET", "/berth/events?format=xml", null);
        assertTrue(r[0].contains(" 400 "), r[0]);
        BerthDaemon.Result cli = d.docker("events", "--filter", "colour=red", "--until", now());
        assertFalse(cli.code() == 0);
        assertTrue(cli.err().contains("invalid filter 'colour'"), cli.err());
        d.docker("version").ok(); // still serving
    }

    @Test
    void aWebSocketSubscriberResumesExactlyAfterTheLastPositionItSaw() throws Exception {
        String since = now();
        String a = name("ws");
        d.raw("POST", "/containers/create?name=" + a, "{\"Image\":\"busybox\"}");
        long seen;
        try (WsClient ws = WsClient.connect(d.socket(), "/berth/events/ws?since=" + since + "&format=raw")) {
            List<JsonNode> got = readUntilCaughtUp(ws);
            assertTrue(got.stream().anyMatch(m -> m.path("event").path("type").asText().equals("ContainerCreated")), got.toString());
            seen = got.get(got.size() - 1).path("position").asLong();
            assertEquals(seen, got.get(got.size() - 1).path("event").path("position").asLong());
        }
        String b = name("ws");
        String bId = JSON.readTree(d.raw("POST", "/containers/create?name=" + b, "{\"Image\":\"busybox\"}")[1]).path("Id").asText();
        try (WsClient ws = WsClient.connect(d.socket(), "/berth/events/ws?after=" + seen + "&format=docker")) {
            JsonNode first = ws.next();
            assertEquals("event", first.path("type").asText(), first.toString());
            assertEquals(seen + 1, first.path("position").asLong(), "exactly the event after the last one seen");
            assertEquals("create", first.path("event").path("Action").asText());
            assertEquals(bId, first.path("event").path("Actor").path("ID").asText());
            assertEquals(b, first.path("event").path("Actor").path("Attributes").path("name").asText());
        }
    }

    @Test
    void aDamagedLogTailIsRepairedAtBootAndRecordedWithNothingBeforeItLost() throws Exception {
        String keeper = name("keep");
        d.docker("create", "--name", keeper, "busybox", "true").ok();
        long beforeVictim = lastPosition();
        String victim = name("victim");
        d.docker("create", "--name", victim, "busybox", "true").ok(); // the last batch: the one we damage
        d.kill9();
        Path newest;
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(d.dataRoot().resolve("events"))) {
            newest = files.filter(f -> f.toString().endsWith(".cq4")).sorted().reduce((a, b) -> b).orElseThrow();
        }
        // garbage over the last bytes written: the end of the last document
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(newest,
                java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer all = java.nio.ByteBuffer.allocate((int) Math.min(ch.size(), 64L << 20));
            ch.read(all, 0);
            int end = all.position() - 1;
            while (end > 0 && all.get(end) == 0) {
                end--;
            }
            byte[] garbage = new byte[12];
            java.util.Arrays.fill(garbage, (byte) 0x5a);
            ch.write(java.nio.ByteBuffer.wrap(garbage), end - garbage.length + 1);
        }
        d.start(null);
        assertTrue(d.log().contains("damaged"), d.logTail(30));
        List<String> names = d.docker("ps", "-a", "--format", "{{.Names}}").ok().out().lines().toList();
        assertTrue(names.contains(keeper), "what came before the damage is kept: " + names);
        assertFalse(names.contains(victim), "the damaged batch is set aside: " + names);
        List<JsonNode> repaired = jsonLines(d.berth("events", "--raw", "--filter", "type=EventLogRepaired",
                "--until", now(), "--format", "json").ok().out());
        assertEquals(1, repaired.size(), repaired.toString());
        JsonNode r = repaired.get(0).path("payload");
        assertEquals(beforeVictim, r.path("lastGoodPosition").asLong());
        assertTrue(java.nio.file.Files.exists(Path.of(r.path("savedCopy").asText())), r.toString());
        // the log goes on after the repair, and reopens cleanly
        d.docker("create", "--name", victim, "busybox", "true").ok();
        d.restart();
        assertTrue(d.docker("ps", "-a", "--format", "{{.Names}}").ok().out().lines().toList().containsAll(List.of(keeper, victim)));
        assertEquals(1, jsonLines(d.berth("events", "--raw", "--filter", "type=EventLogRepaired", "--until", now(),
                "--format", "json").ok().out()).size());
    }

    static List<JsonNode> readUntilCaughtUp(WsClient ws) throws Exception {
        List<JsonNode> events = new ArrayList<>();
        for (JsonNode m = ws.next(); m != null; m = ws.next()) {
            if (m.path("type").asText().equals("caught-up")) {
                return events;
            }
            events.add(m);
        }
        throw new AssertionError("closed before catching up: " + events);
    }

    @Test
    void aSlowWebSocketSubscriberIsCutOffAndNeverSlowsTheDaemon() throws Exception {
        String since = now();
        String label = "x".repeat(60_000);
        for (int i = 0; i < 40; i++) { // ~2.4 MB of events, more than the socket and a 16 KiB queue hold
            String[] r = d.raw("POST", "/containers/create?name=" + name("big"),
                    "{\"Image\":\"busybox\",\"Labels\":{\"big\":\"" + label + "\"}}");
            assertTrue(r[0].contains(" 201 "), r[0]);
        }
        try (WsClient slow = WsClient.connect(d.socket(), "/berth/events/ws?since=" + since + "&format=raw&queue=16384&slow=300")) {
            // it reads nothing for a while; the daemon goes on as usual meanwhile
            long t0 = System.nanoTime();
            d.docker("run", "--rm", "busybox", "true").ok();
            assertTrue(System.nanoTime() - t0 < 10_000_000_000L);
            Thread.sleep(1500);
            JsonNode last = null;
            int n = 0;
            for (JsonNode m = slow.next(); m != null; m = slow.next()) {
                last = m;
                n++;
            }
            assertNotNull(last);
            assertEquals("cut-off", last.path("type").asText(), "after " + n + " messages: " + last);
            assertEquals(1013, slow.closeCode());
            long resumeAfter = last.path("position").asLong();
            assertTrue(resumeAfter > 0);
            try (WsClient again = WsClient.connect(d.socket(), "/berth/events/ws?after=" + resumeAfter + "&format=raw")) {
                assertEquals(resumeAfter + 1, again.next().path("position").asLong());
            }
        }
    }
}
