package io.berth.eventlog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

import static io.berth.eventlog.ChronicleEventLogTest.all;
import static io.berth.eventlog.ChronicleEventLogTest.batch;
import static io.berth.eventlog.ChronicleEventLogTest.positions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ChronicleEventCursorTest {

    @TempDir
    Path dir;

    /** Everything the cursor returns right now. */
    static List<Envelope> drain(EventCursor cursor) {
        List<Envelope> out = new ArrayList<>();
        for (Envelope e = cursor.next(); e != null; e = cursor.next()) {
            out.add(e);
        }
        return out;
    }

    static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long p = from; p <= to; p++) {
            out.add(p);
        }
        return out;
    }

    static long cycleFiles(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".cq4")).count();
        }
    }

    @Test
    void followsAppendsAndRollsToNewCycleFiles() throws Exception {
        ManualClock clock = new ManualClock(Instant.parse("2026-03-01T10:00:05Z"));
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false, ChronicleEventLog.MINUTELY, clock);
             EventCursor cursor = log.cursor(1)) {
            assertNull(cursor.next(), "empty log");
            assertEquals(1, cursor.position());

            log.append(batch(3, "a"));
            assertEquals(range(1, 3), positions(drain(cursor)));
            assertEquals(4, cursor.position());
            assertNull(cursor.next());

            log.append(batch(2, "b"));
            clock.advance(Duration.ofMinutes(1));   // the next append starts a new file
            log.append(batch(4, "c"));
            clock.advance(Duration.ofMinutes(5));   // cycles without a file in between
            log.append(batch(1, "d"));
            assertEquals(3, cycleFiles(dir));
            assertEquals(range(4, 10), positions(drain(cursor)));
            assertEquals(11, cursor.position());

            clock.advance(Duration.ofMinutes(1));
            log.append(batch(2, "e"));
            assertEquals(range(11, 12), positions(drain(cursor)));
            assertEquals(all(log, 1), allFrom(log, 1), "a cursor reads what replay reads");
        }
    }

    static List<Envelope> allFrom(EventLog log, long from) {
        try (EventCursor c = log.cursor(from)) {
            return drain(c);
        }
    }

    @Test
    void startsAtAnyPositionAcrossCyclesAndWaitsForOneBeyondTheEnd() {
        ManualClock clock = new ManualClock(Instant.parse("2026-03-01T10:00:05Z"));
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false, ChronicleEventLog.MINUTELY, clock)) {
            long last = 0;
            for (int cycle = 0; cycle < 4; cycle++) {
                for (int b = 0; b < 3 + cycle; b++) {
                    last = log.append(batch(1 + (b + cycle) % 4, "c" + cycle + "b" + b)).get(0).position();
                }
                clock.advance(Duration.ofMinutes(1 + cycle));
            }
            last = log.lastPosition();
            for (long from = 0; from <= last + 1; from++) {
                try (EventCursor c = log.cursor(from)) {
                    assertEquals(Math.max(from, 1), c.position(), "from " + from);
                    assertEquals(range(Math.max(from, 1), last), positions(drain(c)), "from " + from);
                }
            }
            try (EventCursor ahead = log.cursor(last + 3)) {
                log.append(batch(2, "skipped"));
                assertNull(ahead.next(), "positions below the cursor's are not returned");
                log.append(batch(2, "wanted"));
                assertEquals(range(last + 3, last + 4), positions(drain(ahead)));
            }
        }
    }

    @Test
    void aCursorIsHandedBetweenThreads() throws Exception {
        ExecutorService a = Executors.newSingleThreadExecutor();
        ExecutorService b = Executors.newSingleThreadExecutor();
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false);
             EventCursor cursor = log.cursor(1)) {
            List<Long> seen = new ArrayList<>();
            for (int round = 0; round < 20; round++) {
                log.append(batch(1 + round % 3, "r" + round));
                ExecutorService reader = round % 2 == 0 ? a : b;
                seen.addAll(positions(reader.submit(() -> drain(cursor)).get()));
            }
            assertEquals(range(1, log.lastPosition()), seen);
        } finally {
            a.shutdownNow();
            b.shutdownNow();
        }
    }

    @Test
    void aCursorOfAClosedLogOrAClosedCursorRefusesWork() {
        ChronicleEventLog log = ChronicleEventLog.open(dir, false);
        log.append(batch(1, "a"));
        EventCursor cursor = log.cursor(1);
        EventCursor closed = log.cursor(1);
        closed.close();
        assertThrows(IllegalStateException.class, closed::next);
        log.close();
        assertThrows(IllegalStateException.class, cursor::next);
        cursor.close();
        assertThrows(IllegalStateException.class, () -> log.cursor(1));
    }
}
