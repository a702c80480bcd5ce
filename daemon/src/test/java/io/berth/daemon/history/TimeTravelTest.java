package io.berth.daemon.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.daemon.events.Event;
import io.berth.daemon.events.EventCodec;
import io.berth.daemon.state.EngineState;
import io.berth.eventlog.Actor;
import io.berth.eventlog.Envelope;
import io.berth.eventlog.PendingEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state at a moment equals a replay up to the last event at or before it, also after retention. */
class TimeTravelTest {

    private static final int INTERVAL = 100;
    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path dir;

    private final MemoryEventLog log = new MemoryEventLog();
    private SnapshotStore store;
    private final EngineState live = new EngineState();
    /** The time and last position of each batch, in order. */
    private final List<long[]> batches = new ArrayList<>();

    /** About 1,200 events in batches of 1-4, two seconds apart (some 20 minutes), snapshots as the journal takes them. */
    @BeforeEach
    void history() {
        store = new SnapshotStore(dir.resolve("snapshots"));
        Snapshots snapshots = new Snapshots(store, INTERVAL);
        snapshots.resumeFrom(new Rebuild.Outcome(0, 0, -1, 0));
        SyntheticHistory history = new SyntheticHistory(11, 30);
        Random random = new Random(5);
        while (log.lastPosition() < 1200) {
            log.nowNanos += 2 * SECOND;
            List<Event> events = history.next(1 + random.nextInt(4));
            List<PendingEvent> batch = new ArrayList<>();
            events.forEach(e -> batch.add(EventCodec.encode(e, "c", Actor.DAEMON)));
            List<Envelope> stored = log.append(batch);
            events.forEach(live::apply);
            Envelope last = stored.get(stored.size() - 1);
            snapshots.afterBatch(live, last.position(), last.timeNanos());
            batches.add(new long[] {last.timeNanos(), last.position()});
        }
        snapshots.close(live, log.lastPosition(), log.nowNanos);
    }

    private long expectedPosition(long timeNanos) {
        long p = 0;
        for (long[] b : batches) {
            if (b[0] <= timeNanos) {
                p = b[1];
            }
        }
        return p;
    }

    private EngineState.Contents replayOnly(long position) {
        EngineState s = new EngineState();
        Rebuild.into(s, log, null, position, problem -> { });
        return s.export();
    }

    private static Instant instant(long nanos) {
        return Instant.ofEpochSecond(nanos / SECOND, nanos % SECOND);
    }

    @Test
    void theStateAtAMomentIsTheReplayUpToItsLastEvent() {
        TimeTravel travel = new TimeTravel(log, store);
        assertTrue(travel.start().isEmpty(), "the whole log is there: every moment is answered");
        long t0 = batches.get(0)[0];
        long end = batches.get(batches.size() - 1)[0];
        Random random = new Random(1);
        List<Long> moments = new ArrayList<>(List.of(t0 - SECOND, t0, t0 + SECOND, end, end + 100 * SECOND));
        for (int i = 0; i < 20; i++) {
            moments.add(t0 + (long) (random.nextDouble() * (end - t0)));
        }
        for (long t : moments) {
            TimeTravel.StateAt at = travel.stateAt(instant(t));
            long expected = expectedPosition(t);
            assertEquals(expected, at.position(), "position at " + t);
            assertEquals(replayOnly(expected), at.state().export(), "state at " + t);
            assertTrue(at.rebuild().replayed() <= INTERVAL + 4, "at most about one interval replayed: " + at.rebuild());
            TimeTravel.StateAt fromLog = travel.replayFromLog(instant(t));
            assertFalse(fromLog.rebuild().usedSnapshot());
            assertEquals(expected, fromLog.rebuild().replayed());
            assertEquals(at.state().export(), fromLog.state().export());
        }
        assertEquals(live.export(), travel.stateAt(instant(end)).state().export());
    }

    @Test
    void retentionKeepsWhatItPromisesAndTimeTravelStopsAtItsStart() throws Exception {
        long end = batches.get(batches.size() - 1)[0];
        List<long[]> moments = new ArrayList<>();
        for (long t = end - 12 * 60 * SECOND; t <= end; t += 37 * SECOND) {
            moments.add(new long[] {t, expectedPosition(t)});
        }
        List<EngineState.Contents> expected = new ArrayList<>();
        moments.forEach(m -> expected.add(replayOnly(m[1])));

        List<Duration> auditCalls = new ArrayList<>();
        Retention retention = new Retention(log, store, Duration.ofMinutes(10), 0, INTERVAL,
                (age, bytes) -> auditCalls.add(age), () -> log.nowNanos);
        Retention.Trimmed trimmed = retention.run().orElseThrow();
        assertEquals(List.of(Duration.ofMinutes(10)), auditCalls, "the audit trail's retention runs in the same pass");
        assertTrue(trimmed.firstPosition() > 1);
        assertEquals(log.firstPosition(), trimmed.firstPosition());
        long limit = log.nowNanos - 10 * 60 * SECOND;
        // nothing within the age limit went: the first kept event is at most a minute (a file) older
        assertTrue(log.firstPositionAtOrAfter(limit) >= log.firstPosition());
        assertTrue(store.positions().contains(trimmed.boundaryPosition()));
        assertTrue(store.positions().stream().allMatch(p -> p + 1 >= log.firstPosition()), "no stranded snapshot is left");

        TimeTravel travel = new TimeTravel(log, store);
        Instant start = travel.start().orElseThrow();
        assertEquals(trimmed.retainedFromNanos(), PointInTime.nanos(start));
        assertTrue(PointInTime.nanos(start) <= limit, "history is kept at least as far back as the age limit");
        TimeTravel.OutsideHistoryException before = assertThrows(TimeTravel.OutsideHistoryException.class,
                () -> travel.stateAt(start.minusSeconds(1)));
        assertTrue(before.getMessage().contains("retention starts at " + start), before.getMessage());
        for (int i = 0; i < moments.size(); i++) {
            Instant t = instant(moments.get(i)[0]);
            if (t.isBefore(start)) {
                continue;
            }
            assertEquals(expected.get(i), travel.stateAt(t).state().export(), "state at " + t);
            TimeTravel.StateAt fromLog = travel.replayFromLog(t);
            assertEquals(trimmed.boundaryPosition(), fromLog.rebuild().snapshot(), "the replay starts at the boundary");
            assertEquals(expected.get(i), fromLog.state().export());
        }
        // a boot after retention: the newest snapshot and the rest of the log
        EngineState booted = new EngineState();
        Rebuild.into(booted, log, store, Long.MAX_VALUE, problem -> { });
        assertEquals(live.export(), booted.export());
        // a second pass right after has nothing to do
        assertTrue(retention.run().isEmpty());
    }

    @Test
    void retentionBySizeKeepsTheLogBelowTheLimit() throws Exception {
        long limit = 400 * MemoryEventLog.BYTES_PER_EVENT;
        Retention retention = new Retention(log, store, null, limit, INTERVAL, Retention.AuditRetention.NONE, () -> log.nowNanos);
        Retention.Trimmed trimmed = retention.run().orElseThrow();
        // whole files go, and the cut may move down to a snapshot: a little more than asked may stay
        assertTrue(log.sizeOnDisk() <= limit + (INTERVAL + 60) * MemoryEventLog.BYTES_PER_EVENT, "size " + log.sizeOnDisk());
        assertTrue(log.sizeOnDisk() < 1200 * MemoryEventLog.BYTES_PER_EVENT);
        assertEquals(log.sizeOnDisk(), trimmed.bytesOnDisk());
        EngineState booted = new EngineState();
        Rebuild.into(booted, log, store, Long.MAX_VALUE, problem -> { });
        assertEquals(live.export(), booted.export());
    }

    @Test
    void aPassThatCanRemoveNoFileLeavesNothingBehind() throws Exception {
        long minute = 60 * SECOND;
        long firstFileEnd = log.firstPositionAtOrAfter((batches.get(0)[0] / minute + 1) * minute) - 1;
        List<Long> before = store.positions();
        // a size limit whose cut falls on the oldest file's last event: that file must stay
        Retention inside = new Retention(log, store, null, (log.lastPosition() + 1 - firstFileEnd) * MemoryEventLog.BYTES_PER_EVENT,
                INTERVAL, Retention.AuditRetention.NONE, () -> log.nowNanos);
        assertTrue(inside.run().isEmpty());
        assertEquals(1, log.firstPosition());
        assertEquals(before, store.positions(), "no boundary snapshot is left behind");
        // one event further, and the oldest file goes, with a boundary written at the cut when none is near
        Retention past = new Retention(log, store, null, (log.lastPosition() - firstFileEnd) * MemoryEventLog.BYTES_PER_EVENT,
                INTERVAL, Retention.AuditRetention.NONE, () -> log.nowNanos);
        Retention.Trimmed trimmed = past.run().orElseThrow();
        assertEquals(firstFileEnd + 1, trimmed.firstPosition());
        assertTrue(trimmed.boundaryPosition() <= firstFileEnd && store.positions().contains(trimmed.boundaryPosition()));
        EngineState booted = new EngineState();
        Rebuild.into(booted, log, store, Long.MAX_VALUE, problem -> { });
        assertEquals(live.export(), booted.export());
    }

    @Test
    void cutChoice() {
        assertEquals(1, Retention.chooseCut(1, 1000, -1, 300_000, 0), "no limits: nothing goes");
        assertEquals(400, Retention.chooseCut(1, 1000, 400, 300_000, 0), "by age");
        assertEquals(1, Retention.chooseCut(1, 1000, -1, 300_000, 400_000), "under the size limit");
        assertEquals(501, Retention.chooseCut(1, 1000, -1, 300_000, 150_000), "by size: the newest half stays");
        assertEquals(701, Retention.chooseCut(1, 1000, 400, 300_000, 90_000), "both: the stricter");
        assertEquals(1000, Retention.chooseCut(1, 1000, 1001, 300_000, 0), "the newest event always stays");
        assertEquals(1000, Retention.chooseCut(1, 1000, -1, 300_000, 1), "even below one event's size");
        assertEquals(501, Retention.chooseCut(501, 1000, 200, 150_000, 0), "never below the log's start");
        assertEquals(1, Retention.chooseCut(1, 0, 1, 0, 10), "an empty log");
    }

    @Test
    void momentsAreParsed() {
        Instant now = Instant.parse("2026-11-28T18:00:00Z");
        assertEquals(Instant.parse("2026-11-28T17:40:00Z"), PointInTime.parse("2026-11-28T17:40:00Z", now));
        assertEquals(Instant.parse("2026-11-28T16:40:00.5Z"), PointInTime.parse("2026-11-28T17:40:00.5+01:00", now));
        assertEquals(Instant.ofEpochSecond(1764351600, 250_000_000), PointInTime.parse("1764351600.25", now));
        assertEquals(Instant.ofEpochSecond(1764351600), PointInTime.parse("1764351600", now));
        assertEquals(now.minusSeconds(600), PointInTime.parse("10m", now));
        assertEquals(now.minusSeconds(5400), PointInTime.parse("1h30m", now));
        for (String bad : new String[] {"", "yesterday", "10x", "2026-13-01T00:00:00Z", "-5"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PointInTime.parse(bad, now));
            assertTrue(e.getMessage().contains("RFC 3339"), e.getMessage());
        }
    }
}
