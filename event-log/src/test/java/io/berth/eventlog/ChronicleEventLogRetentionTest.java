package io.berth.eventlog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.berth.eventlog.ChronicleEventCursorTest.cycleFiles;
import static io.berth.eventlog.ChronicleEventCursorTest.drain;
import static io.berth.eventlog.ChronicleEventCursorTest.range;
import static io.berth.eventlog.ChronicleEventLogTest.all;
import static io.berth.eventlog.ChronicleEventLogTest.batch;
import static io.berth.eventlog.ChronicleEventLogTest.positions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChronicleEventLogRetentionTest {

    @TempDir
    Path dir;

    final ManualClock clock = new ManualClock(Instant.parse("2026-03-01T10:00:01Z"));

    /** Five minutely cycle files holding 1-10, 11-20, 21-30, 31-40, 41-50, two batches of 5 each. */
    List<Long> fiveCycles(ChronicleEventLog log) {
        List<Long> firsts = new ArrayList<>();
        for (int cycle = 0; cycle < 5; cycle++) {
            firsts.add(log.append(batch(5, "c" + cycle)).get(0).position());
            log.append(batch(5, "c" + cycle + "'"));
            clock.advance(Duration.ofMinutes(1));
        }
        return firsts;
    }

    @Test
    void deletesOnlyWholeCyclesBelowThePositionWhileCursorsRead() throws Exception {
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false, ChronicleEventLog.MINUTELY, clock)) {
            assertEquals(1, log.deleteBefore(100), "empty log: nothing to delete");
            assertEquals(List.of(1L, 11L, 21L, 31L, 41L), fiveCycles(log));
            assertEquals(1, log.firstPosition());
            long sizeBefore = log.sizeOnDisk();

            EventCursor inFirst = log.cursor(1);
            assertEquals(range(1, 7), positions(List.of(inFirst.next(), inFirst.next(), inFirst.next(),
                    inFirst.next(), inFirst.next(), inFirst.next(), inFirst.next())));
            EventCursor inFourth = log.cursor(33);
            assertEquals(33, inFourth.next().position());

            assertEquals(1, log.deleteBefore(10), "position 10 is in the first cycle: nothing deleted");
            assertEquals(5, cycleFiles(dir));
            assertEquals(11, log.deleteBefore(11), "the cycle of 1-10 goes");
            assertEquals(4, cycleFiles(dir));
            assertEquals(21, log.deleteBefore(25), "the cycle of 11-20 goes; 21-30 holds 21-24 too");
            assertEquals(3, cycleFiles(dir));
            assertTrue(log.sizeOnDisk() < sizeBefore);

            assertEquals(21, log.firstPosition());
            assertEquals(range(21, 50), positions(all(log, 1)));
            assertEquals(range(21, 50), positions(all(log, 15)));
            assertEquals(range(22, 50), positions(all(log, 22)));
            try (EventCursor fresh = log.cursor(3)) {
                assertEquals(21, fresh.position(), "a dropped position starts at the first retained one");
                assertEquals(range(21, 50), positions(drain(fresh)));
            }
            // the open cursors go on: the one in the deleted file still has it mapped, then skips the
            // deleted cycle; the other is unaffected; both follow new appends
            List<Long> first = positions(drain(inFirst));
            assertEquals(range(8, 10), first.subList(0, 3));
            assertEquals(range(21, 50), first.subList(3, first.size()));
            assertEquals(range(34, 50), positions(drain(inFourth)));
            log.append(batch(3, "after"));
            assertEquals(range(51, 53), positions(drain(inFirst)));
            assertEquals(range(51, 53), positions(drain(inFourth)));
            inFirst.close();
            inFourth.close();
        }
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false, clock)) {
            assertEquals(21, log.firstPosition());
            assertEquals(53, log.lastPosition());
            assertEquals(range(21, 53), positions(all(log, 0)));
            assertEquals(List.of(54L), positions(log.append(batch(1, "reopened"))));
        }
    }

    @Test
    void theNewestEventsFileIsNeverDeletedAndPositionsSurviveAReopen() throws Exception {
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false, ChronicleEventLog.MINUTELY, clock)) {
            fiveCycles(log);
            assertEquals(41, log.deleteBefore(Long.MAX_VALUE));
            assertEquals(1, cycleFiles(dir));
            assertEquals(50, log.lastPosition());
        }
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false, clock)) {
            assertEquals(41, log.firstPosition());
            assertEquals(50, log.lastPosition());
            assertEquals(41, log.deleteBefore(Long.MAX_VALUE));
            assertEquals(51, log.append(batch(1, "next")).get(0).position());
            clock.advance(Duration.ofMinutes(1));
            assertEquals(52, log.append(batch(1, "next cycle")).get(0).position());
            assertEquals(52, log.deleteBefore(Long.MAX_VALUE));
            assertEquals(List.of(52L), positions(all(log, 1)));
        }
    }

    @Test
    void sizeOnDiskCountsTheBytesAllocatedNotTheSparseLength() throws Exception {
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false)) {
            String payload = "{\"x\":\"" + "p".repeat(1000) + "\"}";
            long empty = log.sizeOnDisk();
            for (int i = 0; i < 2000; i++) {
                log.append(List.of(new PendingEvent("T", 1, "container", "id" + i, "c", Actor.DAEMON, payload)));
            }
            long written = log.sizeOnDisk();
            long length;
            try (Stream<Path> files = Files.list(dir)) {
                length = files.filter(f -> f.toString().endsWith(".cq4")).mapToLong(f -> f.toFile().length()).sum();
            }
            assertTrue(written - empty >= 2000 * 1000, "at least the payloads: " + (written - empty));
            assertTrue(written < length / 4, written + " allocated, files " + length + " long");
        }
    }

    @Test
    void anExistingLogKeepsItsRollCycle() throws Exception {
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false, ChronicleEventLog.HOURLY)) {
            assertEquals(ChronicleEventLog.HOURLY, log.rollCycle());
            log.append(batch(2, "a"));
        }
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false, ChronicleEventLog.MINUTELY)) {
            assertEquals(ChronicleEventLog.HOURLY, log.rollCycle(), "the stored cycle wins");
            log.append(batch(1, "b"));
            assertEquals(range(1, 3), positions(all(log, 1)));
        }
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false)) {
            assertEquals(ChronicleEventLog.HOURLY, log.rollCycle());
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".cq4"))
                    .toList();
            assertEquals(1, names.size());
            assertTrue(names.get(0).matches("\\d{8}-\\d{2}F\\.cq4"), names.toString()); // yyyyMMdd-HH'F'
        }
        try (ChronicleEventLog log = ChronicleEventLog.open(dir.resolve("new"), false)) {
            assertEquals(ChronicleEventLog.DAILY, log.rollCycle());
        }
        assertThrows(IllegalArgumentException.class,
                () -> ChronicleEventLog.open(dir.resolve("other"), false, "weekly"));
    }

    @Test
    void aCursorAtTheEndOfAnEmptyRetainedLogSeesNewEvents() {
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false, ChronicleEventLog.MINUTELY, clock)) {
            fiveCycles(log);
            log.deleteBefore(Long.MAX_VALUE);
            try (EventCursor c = log.cursor(51)) {
                assertNull(c.next());
                log.append(batch(1, "x"));
                assertEquals(51, c.next().position());
            }
        }
    }
}
