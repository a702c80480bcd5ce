package io.berth.daemon.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.daemon.events.Event;
import io.berth.daemon.events.EventCodec;
import io.berth.daemon.state.EngineState;
import io.berth.eventlog.Actor;
import io.berth.eventlog.ChronicleEventLog;
import io.berth.eventlog.EventLog;
import io.berth.eventlog.PendingEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A snapshot plus the rest of the log gives exactly the state a full replay gives. */
class SnapshotRestoreTest {

    @TempDir
    Path dir;

    /** Appends {@code n} synthetic events in batches of 1-4. */
    static void fill(EventLog log, long seed, int n) {
        SyntheticHistory history = new SyntheticHistory(seed, 40);
        Random sizes = new Random(seed);
        int written = 0;
        while (written < n) {
            int size = Math.min(n - written, 1 + sizes.nextInt(4));
            List<PendingEvent> batch = new ArrayList<>();
            for (Event e : history.next(size)) {
                batch.add(EventCodec.encode(e, "corr", Actor.DAEMON));
            }
            log.append(batch);
            written += size;
        }
    }

    static EngineState.Contents stateAt(EventLog log, SnapshotStore store, long position, List<String> problems) {
        EngineState state = new EngineState();
        Rebuild.into(state, log, store, position, problems::add);
        return state.export();
    }

    @Test
    void snapshotPlusReplayEqualsFullReplay() throws Exception {
        SnapshotStore store = new SnapshotStore(dir.resolve("snapshots"));
        try (EventLog log = ChronicleEventLog.open(dir.resolve("events"), false)) {
            fill(log, 42, 3000);
            long last = log.lastPosition();
            List<String> problems = new ArrayList<>();
            EngineState.Contents full = stateAt(log, null, last, problems);
            assertTrue(full.containers().size() > 5, "the history leaves containers alive");
            assertFalse(full.networks().isEmpty());
            assertFalse(full.repoDigests().isEmpty());
            assertFalse(full.endpoints().isEmpty());
            for (long p : new long[] {1, 17, 999, 2000, last - 1, last}) {
                EngineState.Contents atP = stateAt(log, null, p, problems);
                store.write(new SnapshotStore.Snapshot(p, 0, atP));
                SnapshotStore.Snapshot read = store.read(p);
                assertEquals(atP, read.contents(), "the file gives back the state at " + p);
                EngineState restored = new EngineState();
                restored.restore(read.contents());
                Rebuild.Outcome outcome;
                // the snapshot is the newest at or before the end: the rebuild starts from it
                outcome = Rebuild.into(restored = new EngineState(), log, store, last, problems::add);
                assertEquals(p, outcome.snapshot());
                assertEquals(last - p, outcome.replayed());
                assertEquals(full, restored.export(), "snapshot at " + p + " + replay == full replay");
                assertEquals(SnapshotStore.JSON.writeValueAsString(full.containers()),
                        SnapshotStore.JSON.writeValueAsString(restored.export().containers()));
            }
            assertEquals(List.of(), problems);
            // and the state in between: the snapshot at 999 + 1001 events == the replay up to 2000
            store.delete(2000);
            store.delete(last - 1);
            store.delete(last);
            EngineState mid = new EngineState();
            Rebuild.Outcome outcome = Rebuild.into(mid, log, store, 2000, problems::add);
            assertEquals(999, outcome.snapshot());
            assertEquals(2000, outcome.position());
            assertEquals(stateAt(log, null, 2000, problems), mid.export());
            assertNotEquals(full, mid.export());
        }
    }

    @Test
    void damagedOrMisplacedSnapshotsAreReportedAndSkipped() throws Exception {
        SnapshotStore store = new SnapshotStore(dir.resolve("snapshots"));
        try (EventLog log = ChronicleEventLog.open(dir.resolve("events"), false)) {
            fill(log, 7, 500);
            List<String> problems = new ArrayList<>();
            EngineState.Contents full = stateAt(log, null, 500, problems);
            store.write(new SnapshotStore.Snapshot(100, 0, stateAt(log, null, 100, problems)));
            store.write(new SnapshotStore.Snapshot(300, 0, stateAt(log, null, 300, problems)));
            store.write(new SnapshotStore.Snapshot(900, 0, full)); // beyond the log's end: a log that lost its tail
            Path damaged = dir.resolve("snapshots").resolve(String.format("snapshot-%020d.json", 300));
            byte[] bytes = Files.readAllBytes(damaged);
            bytes[bytes.length - 5] ^= 1;
            Files.write(damaged, bytes);

            EngineState state = new EngineState();
            Rebuild.Outcome outcome = Rebuild.into(state, log, store, Long.MAX_VALUE, problems::add);
            assertEquals(100, outcome.snapshot(), "the damaged one is skipped for the next older");
            assertEquals(400, outcome.replayed());
            assertEquals(full, state.export());
            assertEquals(2, problems.size(), problems.toString());
            assertTrue(problems.get(0).contains("beyond the log's end"), problems.get(0));
            assertTrue(problems.get(1).contains("checksum"), problems.get(1));

            Files.writeString(dir.resolve("snapshots").resolve(String.format("snapshot-%020d.json", 100)), "garbage");
            problems.clear();
            state = new EngineState();
            outcome = Rebuild.into(state, log, store, Long.MAX_VALUE, problems::add);
            assertFalse(outcome.usedSnapshot(), "nothing usable: the whole log");
            assertEquals(500, outcome.replayed());
            assertEquals(full, state.export());
        }
    }

    @Test
    void journalSideSnapshotsComeEveryIntervalAndAtClose() throws Exception {
        SnapshotStore store = new SnapshotStore(dir.resolve("snapshots"));
        Snapshots snapshots = new Snapshots(store, 100);
        EngineState state = new EngineState();
        SyntheticHistory history = new SyntheticHistory(3, 10);
        snapshots.resumeFrom(new Rebuild.Outcome(0, 0, -1, 0));
        for (long p = 1; p <= 250; p++) {
            state.apply(history.next());
            snapshots.afterBatch(state, p, p * 10);
        }
        EngineState.Contents at250 = state.export();
        snapshots.close(state, 250, 2500);
        assertEquals(List.of(100L, 200L, 250L), store.positions());
        SnapshotStore.Snapshot last = store.read(250);
        assertEquals(2500, last.timeNanos());
        assertEquals(at250, last.contents());
    }
}
