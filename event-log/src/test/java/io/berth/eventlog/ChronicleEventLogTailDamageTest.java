package io.berth.eventlog;

import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static io.berth.eventlog.ChronicleEventCursorTest.drain;
import static io.berth.eventlog.ChronicleEventCursorTest.range;
import static io.berth.eventlog.ChronicleEventLogTest.all;
import static io.berth.eventlog.ChronicleEventLogTest.positions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChronicleEventLogTailDamageTest {

    @TempDir
    Path dir;

    static PendingEvent event(int i) {
        return new PendingEvent("ContainerCreated", 1, "container", "id" + i, "corr" + i, Actor.DAEMON,
                "{\"i\":" + i + ",\"pad\":\"" + "p".repeat(200) + "\"}");
    }

    /** Ten batches of one event each, 1..10, in one file. */
    void tenEvents() {
        events(10);
    }

    /** Batches of one event each, 1..n, in one file. */
    void events(int n) {
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false)) {
            for (int i = 1; i <= n; i++) {
                log.append(List.of(event(i)));
            }
        }
    }

    static Path newestCycleFile(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".cq4")).max(Path::compareTo).orElseThrow();
        }
    }

    /** The offset of Chronicle's 4-byte header of the document whose first position is {@code first}. */
    static long documentHeaderOffset(Path file, long first) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 4; i < b.limit() - 13; i++) {
            if (b.get(i) == DocumentCodec.FORMAT_V2 && b.getInt(i + 1) == 1 && b.getLong(i + 5) == first) {
                return i - 4;
            }
        }
        throw new AssertionError("document " + first + " not found in " + file);
    }

    static int documentLength(Path file, long headerOffset) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.read(b, headerOffset);
        }
        return b.getInt(0) & 0x3FFFFFFF;
    }

    static void write(Path file, long offset, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), offset);
        }
    }

    static byte[] garbage(int n) {
        byte[] g = new byte[n];
        new Random(n).nextBytes(g);
        return g;
    }

    static byte[] headerWord(int word) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, word).array();
    }

    interface Damage {
        void apply(Path file, long header, int length) throws IOException;
    }

    /** Damages the document of position {@code first} (and everything the damage reaches), then checks. */
    void damageAndRecover(long first, Damage damage) throws Exception {
        tenEvents();
        Path file = newestCycleFile(dir);
        long header = documentHeaderOffset(file, first);
        damage.apply(file, header, documentLength(file, header));
        byte[] asDamaged = Files.readAllBytes(file);
        long lastGood = first - 1;
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (ChronicleEventLog log = ChronicleEventLog.open(dir, false)) {
                TailDamage d = log.tailDamage().orElseThrow(() -> new AssertionError("damage not found"));
                assertEquals(file, d.file());
                assertEquals(lastGood, d.lastGoodPosition(), d.toString());
                assertTrue(d.documentsSetAside() >= 1, d.toString());
                assertTrue(Files.exists(d.savedCopy()), d.toString());
                assertTrue(d.savedCopy().startsWith(dir.resolve("damaged")), d.toString());
                assertTrue(java.util.Arrays.equals(asDamaged, Files.readAllBytes(d.savedCopy())),
                        "the saved copy is the file as it was found");
                Process stat = new ProcessBuilder("stat", "-c", "%b", d.savedCopy().toString()).start();
                long allocated = Long.parseLong(new String(stat.getInputStream().readAllBytes()).trim()) * 512;
                assertTrue(allocated < 4L << 20, "the copy leaves the file's hole out: " + allocated + " bytes on disk");
                assertEquals(lastGood, log.lastPosition());
                checkContents(log, lastGood);
                try (EventCursor c = log.cursor(1)) {
                    assertEquals(range(1, lastGood), positions(drain(c)));
                    log.append(List.of(event((int) lastGood + 1)));
                    assertEquals(List.of(lastGood + 1), positions(drain(c)));
                }
                checkContents(log, lastGood + 1);
            }
            try (ChronicleEventLog log = ChronicleEventLog.open(dir, false)) {
                assertTrue(log.tailDamage().isEmpty(), "repaired: " + log.tailDamage());
                assertEquals(lastGood + 1, log.lastPosition());
                log.append(List.of(event((int) lastGood + 2)));
                checkContents(log, lastGood + 2);
            }
            assertFalse(Files.exists(dir.resolve(TailRepair.SPOOL)));
        });
    }

    /** Exactly events 1..last, each with its own payload. */
    static void checkContents(EventLog log, long last) {
        List<Envelope> got = all(log, 1);
        assertEquals(range(1, last), positions(got));
        for (Envelope e : got) {
            assertEquals(event((int) e.position()).payload(), e.payload());
        }
    }

    @Test
    void garbageInsideTheLastDocument() throws Exception {
        damageAndRecover(10, (file, header, length) -> write(file, header + 4 + 60, garbage(40)));
    }

    @Test
    void garbageOverTheLastTwoDocuments() throws Exception {
        damageAndRecover(9, (file, header, length) -> write(file, header + 4 + 100, garbage(2 * length)));
    }

    @Test
    void theLastDocumentZeroedWithItsHeader() throws Exception {
        damageAndRecover(10, (file, header, length) -> write(file, header, new byte[4 + length]));
    }

    @Test
    void theLastDocumentsBodyZeroed() throws Exception {
        damageAndRecover(10, (file, header, length) -> write(file, header + 4, new byte[length]));
    }

    @Test
    void theFileTruncatedInTheMiddleOfTheLastDocument() throws Exception {
        damageAndRecover(10, (file, header, length) -> {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(header + 4 + length / 2);
            }
        });
    }

    @Test
    void theFileTruncatedInsideTheLastDocumentsHeader() throws Exception {
        damageAndRecover(10, (file, header, length) -> {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(header + 2);
            }
        });
    }

    @Test
    void aLengthHeaderMarkedIncomplete() throws Exception {
        damageAndRecover(10, (file, header, length) -> write(file, header, headerWord(0x80000000 | length)));
    }

    @Test
    void aGarbageLengthHeaderWithTheMetadataBit() throws Exception {
        damageAndRecover(10, (file, header, length) -> write(file, header, headerWord(0x7FFFFFFF)));
    }

    @Test
    void aLengthHeaderTooShort() throws Exception {
        damageAndRecover(10, (file, header, length) -> write(file, header, headerWord(5)));
    }

    @Test
    void aLengthHeaderFarTooLong() throws Exception {
        damageAndRecover(10, (file, header, length) -> write(file, header, headerWord(0x3FFF0000)));
    }

    @Test
    void theFirstAndOnlyDocumentDamagedInANewerCycle() throws Exception {
        ManualClock clock = new ManualClock(Instant.parse("2026-03-01T10:00:01Z"));
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false, ChronicleEventLog.MINUTELY, clock)) {
            for (int i = 1; i <= 5; i++) {
                log.append(List.of(event(i)));
            }
            clock.advance(Duration.ofMinutes(1));
            log.append(List.of(event(6)));
        }
        Path file = newestCycleFile(dir);
        write(file, documentHeaderOffset(file, 6) + 4 + 30, garbage(20));
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (ChronicleEventLog log = ChronicleEventLog.open(dir, false, ChronicleEventLog.MINUTELY, clock)) {
                assertEquals(5, log.tailDamage().orElseThrow().lastGoodPosition());
                checkContents(log, 5);
                log.append(List.of(event(6)));
            }
            try (ChronicleEventLog log = ChronicleEventLog.open(dir, false, ChronicleEventLog.MINUTELY, clock)) {
                assertTrue(log.tailDamage().isEmpty());
                checkContents(log, 6);
                assertEquals(6, log.firstPositionAtOrAfter(clock.currentTimeNanos()));
            }
        });
    }

    @Test
    void aRepairInterruptedAfterTheSpoolWasWrittenIsFinishedAtTheNextOpen() throws Exception {
        tenEvents();
        Path file = newestCycleFile(dir);
        write(file, documentHeaderOffset(file, 10) + 4 + 60, garbage(40));
        // steps (1) and (2) only, as if the daemon died right after them
        try (SingleChronicleQueue q = SingleChronicleQueueBuilder.binary(dir.toFile())
                .rollCycle(RollCycles.FAST_DAILY).build()) {
            int cycle = q.lastCycle();
            TailRepair.Finding f = TailRepair.scan(q, cycle, file);
            assertEquals(9, f.lastGoodPosition());
            TailRepair.saveAndSpool(q, dir, f, Files.size(file), Instant.now());
        }
        assertTrue(Files.exists(dir.resolve(TailRepair.SPOOL)));
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false)) {
            assertFalse(Files.exists(dir.resolve(TailRepair.SPOOL)));
            checkContents(log, 9);
            log.append(List.of(event(10)));
        }
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false)) {
            assertTrue(log.tailDamage().isEmpty());
            checkContents(log, 10);
        }
    }

    @Test
    void onlyTheTailOfALongFileIsReadAndItsDamageFound() throws Exception {
        int n = (int) TailRepair.TAIL_DOCUMENTS * 3;
        events(n);
        Path file = newestCycleFile(dir);
        write(file, documentHeaderOffset(file, n) + 4 + 60, garbage(40));
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false)) {
            assertEquals(n - 1, log.tailDamage().orElseThrow().lastGoodPosition());
            checkContents(log, n - 1);
            log.append(List.of(event(n)));
        }
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false)) {
            assertTrue(log.tailDamage().isEmpty());
            checkContents(log, n);
        }
    }

    @Test
    void aSoundLogReportsNoDamage() {
        tenEvents();
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false)) {
            assertTrue(log.tailDamage().isEmpty());
            checkContents(log, 10);
        }
    }
}
