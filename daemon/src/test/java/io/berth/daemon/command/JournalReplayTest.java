package io.berth.daemon.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.daemon.api.ApiException;
import io.berth.daemon.command.Command.*;
import io.berth.daemon.state.Container;
import io.berth.daemon.state.EngineState;
import io.berth.eventlog.Actor;
import io.berth.eventlog.ChronicleEventLog;
import io.berth.eventlog.Envelope;
import io.berth.eventlog.EventLog;
import io.berth.plugin.isolation.StartedProcess;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal on a real Chronicle log: replies come after the append, rejections are logged, replay rebuilds the state. */
class JournalReplayTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String IMAGE = "sha256:" + "a".repeat(64);
    private static final String LAYER = "sha256:" + "b".repeat(64);
    private static final Actor CALLER = new Actor("unix", 0, 0, 4242, "docker");

    @TempDir
    Path dir;

    @Test
    void stateSurvivesAReplay() throws Exception {
        EngineState live = new EngineState();
        Vertx vertx = Vertx.vertx();
        try (EventLog log = ChronicleEventLog.open(dir.resolve("events"), false)) {
            Journal journal = new Journal(log, live, new EventWaiters());
            journal.register(vertx);
            send(vertx, new RegisterImage(IMAGE, "{\"config\":{\"Cmd\":[\"sh\"]}}", List.of(new NewLayer(LAYER, LAYER, "", 5)), List.of(LAYER), 5, 1, "",
                    List.of("busybox:latest"), "import"));
            String id = "c".repeat(64);
            send(vertx, new CreateContainer(id, "web", "busybox", IMAGE, JSON.createObjectNode(), JSON.createObjectNode(), "vfs"));
            // read-your-writes: the reply comes after the projection has the container
            assertTrue(live.findContainer("web").isPresent());
            send(vertx, new StartContainer(id));
            send(vertx, new RecordStart(id, new StartedProcess(10, 20, 9, 19, 30)));
            send(vertx, new RecordExit(id, 10, 7, true, 40, ""));
            ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () ->
                    send(vertx, new CreateContainer("d".repeat(64), "web", "busybox", IMAGE, JSON.createObjectNode(),
                            JSON.createObjectNode(), "vfs")));
            ApiException api = assertInstanceOf(ApiException.class, refused.getCause());
            assertEquals(409, api.kind().status);
            assertTrue(api.recorded());
            journal.close();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }

        EngineState replayed = new EngineState();
        List<Envelope> envelopes = new ArrayList<>();
        try (EventLog log = ChronicleEventLog.open(dir.resolve("events"), false)) {
            new Journal(log, replayed, new EventWaiters()).recover();
            log.replay(1, envelopes::add);
        }
        Container before = live.findContainer("web").orElseThrow();
        Container after = replayed.findContainer("web").orElseThrow();
        assertEquals(before.toString(), after.toString());
        assertEquals("exited", after.status());
        assertEquals(7, after.exitCode());
        assertTrue(after.oomKilled());
        assertEquals(live.imageByReference("busybox:latest"), replayed.imageByReference("busybox:latest"));
        // the image's config document comes back from the log alone (no image store here)
        assertEquals("[\"sh\"]", replayed.imageByReference("busybox:latest").orElseThrow().runConfig().path("Cmd").toString());
        // the refused call is in the log with its caller
        Envelope rejected = envelopes.get(envelopes.size() - 1);
        assertEquals("CallRejected", rejected.type());
        assertEquals(4242, rejected.actor().pid());
        assertEquals("docker", rejected.actor().command());
    }

    private static void send(Vertx vertx, Command command) throws Exception {
        Journal.send(vertx, command, CALLER, null).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
