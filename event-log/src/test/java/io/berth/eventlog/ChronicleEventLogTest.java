package io.berth.eventlog;

import net.openhft.chronicle.core.time.SetTimeProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChronicleEventLogTest {

    @TempDir
    Path dir;

    static PendingEvent event(String type, String id, String payload) {
        return new PendingEvent(type, 1, "container", id, "corr-" + id, Actor.DAEMON, payload);
    }

    static List<PendingEvent> batch(int n, String tag) {
        List<PendingEvent> b = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            b.add(event("ContainerCreated", tag + "-" + i, "{\"tag\":\"" + tag + "\",\"i\":" + i + "}"));
        }
        return b;
    }

    static List<Envelope> all(EventLog log, long from) {
        List<Envelope> out = new ArrayList<>();
        log.replay(from, out::add);
        return out;
    }

    @Test
    void roundTripsEveryFieldIncludingUnicodeNullsAndAOneMebibytePayload() {
        String unicode = "Grüße, 容器, ĉiu, emoji \uD83D\uDC33\uD83D\uDE80, rtl שלום, nul \u0000 end";
        StringBuilder big = new StringBuilder(1 << 20);
        Random r = new Random(42);
        while (big.length() < (1 << 20)) {
            big.append((char) ('a' + r.nextInt(26)));
            if (r.nextInt(1000) == 0) {
                big.append("é\uD83D\uDC33");
            }
        }
        String bigPayload = big.toString();
        List<PendingEvent> batch = List.of(
                new PendingEvent("ContainerCreated", 3, "container", "c0ffee" + unicode, "req-" + unicode,
                        new Actor("unix", 1000, 1001, 4242, "docker " + unicode), "{\"name\":\"" + unicode + "\"}"),
                new PendingEvent("ImagePulled", Integer.MAX_VALUE, "image", "sha256:abc", null,
                        new Actor("tcp", -1, -1, -1, null), bigPayload),
                new PendingEvent(null, 0, null, null, null, null, null),
                new PendingEvent("", -7, "", "", "", Actor.DAEMON, ""));

        long before = System.currentTimeMillis();
        List<Envelope> stored;
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false)) {
            stored = log.append(batch);
            assertEquals(4, stored.size());
            assertEquals(4, log.lastPosition());
            assertEquals(stored, all(log, 1));
        }
        long after = System.currentTimeMillis();

        for (int i = 0; i < batch.size(); i++) {
            PendingEvent p = batch.get(i);
            Envelope e = stored.get(i);
            assertEquals(i + 1, e.position());
            assertEquals(stored.get(0).timeNanos(), e.timeNanos(), "one time per batch");
            assertTrue(e.timeNanos() / 1_000_000 >= before && e.timeNanos() / 1_000_000 <= after);
            assertEquals(p.type(), e.type());
            assertEquals(p.revision(), e.revision());
            assertEquals(p.aggregateKind(), e.aggregateKind());
            assertEquals(p.aggregateId(), e.aggregateId());
            assertEquals(p.correlationId(), e.correlationId());
            assertEquals(p.actor(), e.actor());
            assertEquals(p.payload(), e.payload());
        }
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, true)) {
            List<Envelope> read = all(log, 1);
            assertEquals(stored, read);
            assertEquals(bigPayload, read.get(1).payload());
            assertEquals("", read.get(1).actor().command());
        }
    }

    @Test
    void positionsStartAtOneSurviveReopenAndContinue() {
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false)) {
            assertEquals(0, log.lastPosition());
            assertEquals(List.of(), log.append(List.of()), "an empty batch appends nothing");
            assertEquals(0, log.lastPosition());
            assertEquals(List.of(1L, 2L, 3L), positions(log.append(batch(3, "a"))));
            assertEquals(List.of(4L), positions(log.append(batch(1, "b"))));
        }
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, true)) {
            assertEquals(4, log.lastPosition());
            assertEquals(List.of(5L, 6L), positions(log.append(batch(2, "c"))));
        }
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false)) {
            assertEquals(6, log.lastPosition());
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), positions(all(log, 1)));
            assertEquals(List.of("a-0", "a-1", "a-2", "b-0", "c-0", "c-1"),
                    all(log, 1).stream().map(Envelope::aggregateId).toList());
        }
    }

    @Test
    void replayFromTheMiddleFromZeroAndPastTheEnd() {
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false)) {
            log.append(batch(5, "a"));  // 1..5
            log.append(batch(5, "b"));  // 6..10
            log.append(batch(5, "c"));  // 11..15

            List<Envelope> got = new ArrayList<>();
            assertEquals(15, log.replay(8, got::add), "starts inside a batch");
            assertEquals(List.of(8L, 9L, 10L, 11L, 12L, 13L, 14L, 15L), positions(got));

            got.clear();
            assertEquals(15, log.replay(0, got::add));
            assertEquals(15, got.size());
            assertEquals(1, got.get(0).position());

            got.clear();
            assertEquals(15, log.replay(15, got::add));
            assertEquals(List.of(15L), positions(got));

            got.clear();
            assertEquals(15, log.replay(16, got::add), "past the end: nothing, from - 1");
            assertEquals(99, log.replay(100, got::add));
            assertTrue(got.isEmpty());
        }
        try (ChronicleEventLog empty = ChronicleEventLog.open(dir.resolve("empty"), false)) {
            assertEquals(-1, empty.replay(0, e -> { throw new AssertionError(e); }));
            assertEquals(0, empty.replay(1, e -> { throw new AssertionError(e); }));
        }
    }

    @Test
    void replayStopsAtTheEndAsOfTheCall() {
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false)) {
            log.append(batch(3, "a"));
            List<Envelope> got = new ArrayList<>();
            long last = log.replay(1, e -> {
                got.add(e);
                if (e.position() == 1) {
                    log.append(batch(2, "during")); // same thread: the writer
                }
            });
            assertEquals(3, last);
            assertEquals(List.of(1L, 2L, 3L), positions(got));
            assertEquals(5, log.lastPosition());
        }
    }

    @Test
    void seeksCorrectlyFromEveryPositionAcrossDaysAndSurvivesReopenOnALaterDay() throws Exception {
        SetTimeProvider clock = new SetTimeProvider(Instant.parse("2026-03-01T10:00:00Z"));
        Random r = new Random(7);
        long expectedLast = 0;
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false, clock)) {
            for (int day = 0; day < 4; day++) {
                int batches = day == 2 ? 0 : 1 + r.nextInt(60); // day 2 has no events at all
                for (int b = 0; b < batches; b++) {
                    int n = 1 + r.nextInt(5);
                    log.append(batch(n, "d" + day + "b" + b));
                    expectedLast += n;
                }
                clock.advanceMillis(24 * 3600 * 1000L);
            }
            assertEquals(expectedLast, log.lastPosition());
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.filter(f -> f.toString().endsWith(".cq4")).count() >= 3, "one file a day");
        }
        clock.advanceMillis(3 * 24 * 3600 * 1000L);
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false, clock)) {
            assertEquals(expectedLast, log.lastPosition());
            for (long from = 0; from <= expectedLast + 1; from++) {
                List<Envelope> got = all(log, from);
                long start = Math.max(from, 1);
                assertEquals(Math.max(0, expectedLast - start + 1), got.size(), "from " + from);
                for (int i = 0; i < got.size(); i++) {
                    assertEquals(start + i, got.get(i).position(), "from " + from);
                }
            }
            assertEquals(List.of(expectedLast + 1), positions(log.append(batch(1, "later"))));
        }
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false)) { // real clock, much later
            assertEquals(expectedLast + 1, log.lastPosition());
            assertEquals(List.of(expectedLast + 2), positions(log.append(batch(1, "now"))));
            assertEquals(expectedLast + 2, all(log, 1).size());
        }
    }

    @Test
    void aSecondOpenOfTheSameDirectoryIsRefused() {
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> ChronicleEventLog.open(dir, false));
            assertTrue(e.getMessage().contains("already open"), e.getMessage());
            log.append(batch(1, "a"));
        }
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false)) {
            assertEquals(1, log.lastPosition());
        }
    }

    @Test
    void onlyOneThreadWritesAndAnyThreadReads() throws Exception {
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false)) {
            log.append(batch(2, "a"));
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> CompletableFuture.runAsync(() -> log.append(batch(1, "b"))).get());
            assertInstanceOf(IllegalStateException.class, e.getCause());

            AtomicLong lastSeen = new AtomicLong();
            List<Envelope> read = CompletableFuture.supplyAsync(() -> {
                lastSeen.set(log.lastPosition());
                return all(log, 1);
            }).get();
            assertEquals(2, lastSeen.get());
            assertEquals(List.of(1L, 2L), positions(read));
        }
    }

    @Test
    void concurrentReplaysWhileTheWriterAppends() throws Exception {
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false)) {
            log.append(batch(10, "seed"));
            CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 200; i++) {
                    List<Envelope> got = all(log, 1 + i % 10);
                    for (int k = 1; k < got.size(); k++) {
                        assertEquals(got.get(k - 1).position() + 1, got.get(k).position());
                    }
                }
            });
            for (int i = 0; i < 500; i++) {
                log.append(batch(1 + i % 7, "w" + i));
            }
            reader.get();
            assertEquals(log.lastPosition(), all(log, 1).size());
        }
    }

    @Test
    void fsyncModeAppendsAndReads() {
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, true)) {
            for (int i = 0; i < 20; i++) {
                log.append(batch(3, "f" + i));
            }
            assertEquals(60, log.lastPosition());
        }
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, true)) {
            assertEquals(60, all(log, 1).size());
        }
    }

    @Test
    void aBatchAboveTheLimitIsRefusedBeforeAnythingIsWritten() {
        String almost = "x".repeat((int) ChronicleEventLog.MAX_BATCH_BYTES - 4096);
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false)) {
            log.append(batch(1, "a"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> log.append(List.of(event("Big", "1", almost), event("Big", "2", "y".repeat(8192)))));
            assertTrue(e.getMessage().contains("too large"), e.getMessage());
            assertEquals(1, log.lastPosition());
            assertEquals(List.of(2L), positions(log.append(List.of(event("Big", "3", almost)))));
            assertEquals(List.of(3L), positions(log.append(batch(1, "after"))));
        }
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false)) {
            List<Envelope> got = all(log, 1);
            assertEquals(List.of(1L, 2L, 3L), positions(got));
            assertEquals(almost, got.get(1).payload());
        }
    }

    @Test
    void encodedSizeIsExact() {
        List<Envelope> es = List.of(
                new Envelope(1, 2, "t\uD83D\uDC33é容", 1, null, "", "c", new Actor("unix", 1, 2, 3, "sh"), "{}"),
                new Envelope(2, 2, null, 1, "k", "i", null, null, "p"));
        byte[] b = new byte[4096];
        assertEquals(DocumentCodec.encode(es, b), DocumentCodec.encodedSize(es));
    }

    @Test
    void closedLogRefusesWork() {
        ChronicleEventLog log = ChronicleEventLog.open(dir, false);
        log.close();
        log.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> log.append(batch(1, "x")));
        assertThrows(IllegalStateException.class, () -> log.replay(1, e -> { }));
    }

    static List<Long> positions(List<Envelope> events) {
        return events.stream().map(Envelope::position).toList();
    }
}
