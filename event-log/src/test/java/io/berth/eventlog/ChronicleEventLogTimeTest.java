package io.berth.eventlog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import static io.berth.eventlog.ChronicleEventLogTest.all;
import static io.berth.eventlog.ChronicleEventLogTest.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChronicleEventLogTimeTest {

    @TempDir
    Path dir;

    static long nanos(Instant i) {
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    @Test
    void timesNeverDecreaseAlsoAcrossReopen() {
        ManualClock clock = new ManualClock(Instant.parse("2026-03-01T10:00:30Z"));
        long t0 = clock.currentTimeNanos();
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false, clock)) {
            assertEquals(t0, log.append(batch(2, "a")).get(1).timeNanos());
            clock.advance(Duration.ofSeconds(-20));   // the clock is set back
            assertEquals(t0, log.append(batch(1, "b")).get(0).timeNanos(), "the previous batch's time");
            clock.advance(Duration.ofSeconds(25));
            assertEquals(t0 + 5_000_000_000L, log.append(batch(1, "c")).get(0).timeNanos());
        }
        clock.advance(Duration.ofSeconds(-10));
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false, clock)) {
            assertEquals(t0 + 5_000_000_000L, log.append(batch(1, "d")).get(0).timeNanos(),
                    "the last stored batch's time after a reopen");
            List<Envelope> stored = all(log, 1);
            for (int i = 1; i < stored.size(); i++) {
                assertTrue(stored.get(i).timeNanos() >= stored.get(i - 1).timeNanos());
            }
        }
    }

    /** The answer by a linear scan of a full replay. */
    static long expectedFirstAtOrAfter(List<Envelope> stored, long last, long timeNanos) {
        for (Envelope e : stored) {
            if (e.timeNanos() >= timeNanos) {
                return e.position();
            }
        }
        return last + 1;
    }

    @Test
    void firstPositionAtOrAfterMatchesALinearScanAtEveryBoundaryAcrossCycles() {
        ManualClock clock = new ManualClock(Instant.parse("2026-03-01T10:00:01Z"));
        Random r = new Random(11);
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false, ChronicleEventLog.MINUTELY, clock)) {
            assertEquals(1, log.firstPositionAtOrAfter(0), "empty log: lastPosition + 1");
            assertEquals(1, log.firstPositionAtOrAfter(Long.MAX_VALUE));
            for (int cycle = 0; cycle < 5; cycle++) {
                int batches = cycle == 2 ? 1 : 1 + r.nextInt(40);
                for (int b = 0; b < batches; b++) {
                    log.append(batch(1 + r.nextInt(4), "c" + cycle + "b" + b));
                    if (r.nextInt(3) != 0) {  // some batches share a time
                        clock.advance(Duration.ofMillis(1 + r.nextInt(500)));
                    }
                }
                clock.advance(Duration.ofMinutes(1 + r.nextInt(3)));
            }
            checkEveryBoundary(log);
        }
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false, clock)) {
            checkEveryBoundary(log);
        }
    }

    @Test
    void seeksAcrossManyIndexBlocksOfOneDailyFile() {
        ManualClock clock = new ManualClock(Instant.parse("2026-03-01T10:00:01Z"));
        Random r = new Random(5);
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false, clock)) {
            for (int b = 0; b < 1500; b++) { // Chronicle indexes every 256th document of a daily file
                log.append(batch(1 + r.nextInt(3), "b" + b));
                if (r.nextInt(3) != 0) {
                    clock.advance(Duration.ofMillis(1));
                }
            }
            checkEveryBoundary(log);
            long last = log.lastPosition();
            for (long from = 1; from <= last; from += 7) {
                try (EventCursor c = log.cursor(from)) {
                    assertEquals(from, c.next().position());
                }
            }
        }
    }

    private static void checkEveryBoundary(EventLog log) {
        List<Envelope> stored = all(log, 1);
        long last = log.lastPosition();
        TreeSet<Long> probes = new TreeSet<>(List.of(Long.MIN_VALUE, 0L, Long.MAX_VALUE));
        for (Envelope e : stored) {
            probes.add(e.timeNanos() - 1);
            probes.add(e.timeNanos());
            probes.add(e.timeNanos() + 1);
        }
        for (long t : probes) {
            assertEquals(expectedFirstAtOrAfter(stored, last, t), log.firstPositionAtOrAfter(t), "time " + t);
        }
        assertEquals(1, log.firstPositionAtOrAfter(stored.get(0).timeNanos() - 1), "all after");
        assertEquals(last + 1, log.firstPositionAtOrAfter(stored.get(stored.size() - 1).timeNanos() + 1),
                "all before");
    }

    @Test
    void aTimeBeforeTheRetainedEventsGivesTheFirstRetainedPosition() {
        ManualClock clock = new ManualClock(Instant.parse("2026-03-01T10:00:01Z"));
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false, ChronicleEventLog.MINUTELY, clock)) {
            log.append(batch(3, "old"));
            clock.advance(Duration.ofMinutes(1));
            log.append(batch(2, "new"));
            assertEquals(4, log.deleteBefore(4));
            assertEquals(4, log.firstPositionAtOrAfter(0));
            assertEquals(4, log.firstPositionAtOrAfter(nanos(Instant.parse("2026-03-01T10:00:01Z"))));
            assertEquals(6, log.firstPositionAtOrAfter(Long.MAX_VALUE));
        }
    }
}
