package io.berth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** berth ps --at, inspect --at and replay --until against a fake daemon: the requests and the output. */
class HistoryCommandsTest {

    @TempDir
    Path tmp;

    private static final String REPLAY = """
            {"Until":"2026-11-28T17:40:00Z","Position":42,"Time":"2026-11-28T17:39:59.5Z","EventsReplayed":42,
             "From":{"Position":1,"Snapshot":null,"Note":"replayed from the log's first event, without snapshots"},
             "State":{"containers":{"c1":{"id":"%s","name":"web","image":"busybox","status":"exited","exitCode":3}},
                      "images":{"i1":{"id":"sha256:%s","tags":["busybox:latest"]}},
                      "networks":{"n1":{"id":"%s","name":"bridge","driver":"bridge","subnet":"10.9.0.0/24"}}}}
            """.formatted("a".repeat(64), "b".repeat(64), "c".repeat(64));

    @Test
    void psAtAsksTheTimeTravelApiWithTheSameQuery() throws Exception {
        FakeDaemon.Run run;
        FakeDaemon d = new FakeDaemon(tmp.resolve("d.sock"), FakeDaemon.Answer.json("[]"));
        try (d) {
            run = d.berth("ps", "-a", "--at", "10m", "--filter", "name=web");
        }
        assertEquals(0, run.code(), run.err());
        String line = d.requests.get(0).line();
        assertTrue(line.startsWith("GET /v1.47/berth/containers/json?"), line);
        assertTrue(line.contains("all=1") && line.contains("at=10m") && line.contains("filters="), line);
    }

    @Test
    void inspectAtFindsAContainerOfThePastOrSaysWhyNot() throws Exception {
        FakeDaemon.Run found;
        FakeDaemon d = new FakeDaemon(tmp.resolve("d.sock"), FakeDaemon.Answer.json("{\"Id\":\"x\",\"Name\":\"/gone\"}"),
                FakeDaemon.Answer.error(404, "No such container: nosuch"),
                FakeDaemon.Answer.error(400, "no history before 2026-11-01T00:00:00Z is kept"));
        FakeDaemon.Run missing;
        FakeDaemon.Run tooOld;
        try (d) {
            found = d.berth("inspect", "--at", "2026-11-28T17:40:00Z", "gone");
            missing = d.berth("inspect", "--at", "2026-11-28T17:40:00Z", "nosuch");
            tooOld = d.berth("inspect", "--at", "2020-01-01T00:00:00Z", "gone");
        }
        assertEquals(0, found.code(), found.err());
        assertTrue(found.out().contains("\"Name\": \"/gone\""), found.out());
        assertEquals("GET /v1.47/berth/containers/gone/json?at=2026-11-28T17%3A40%3A00Z HTTP/1.1", d.requests.get(0).line());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("No such object: nosuch"), missing.err());
        assertEquals(1, tooOld.code());
        assertTrue(tooOld.err().contains("no history before"), tooOld.err());
    }

    @Test
    void replayPrintsTheJsonOrASummary() throws Exception {
        FakeDaemon.Run json;
        FakeDaemon.Run summary;
        FakeDaemon d = new FakeDaemon(tmp.resolve("d.sock"), FakeDaemon.Answer.json(REPLAY), FakeDaemon.Answer.json(REPLAY));
        try (d) {
            json = d.berth("replay", "--until", "2026-11-28T17:40:00Z");
            summary = d.berth("replay", "--until", "2026-11-28T17:40:00Z", "--summary");
        }
        assertEquals(0, json.code(), json.err());
        assertTrue(json.out().contains("\"EventsReplayed\" : 42"), json.out());
        assertTrue(d.requests.get(0).line().startsWith("GET /v1.47/berth/replay?until="), d.requests.get(0).line());
        assertEquals(0, summary.code(), summary.err());
        assertEquals("""
                State at 2026-11-28T17:40:00Z: position 42 (event time 2026-11-28T17:39:59.5Z), 42 events replayed
                replayed from the log's first event, without snapshots

                Containers (1):
                CONTAINER ID   NAME      IMAGE     STATUS
                aaaaaaaaaaaa   web       busybox   exited (3)

                Images (1):
                IMAGE ID       TAGS
                bbbbbbbbbbbb   busybox:latest

                Networks (1):
                NETWORK ID     NAME      DRIVER    SUBNET
                cccccccccccc   bridge    bridge    10.9.0.0/24

                """, summary.out());
    }
}
