package io.berth.eventlog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * kill -9 while appending: a child JVM ({@link CrashChild}) appends batches in a loop and is killed with
 * SIGKILL at a random moment, five times on the same directory. After each kill the log must hold every
 * acknowledged position, no partial batch, and strictly increasing positions without duplicates or gaps.
 */
class ChronicleEventLogCrashTest {

    private static final Pattern PAYLOAD = Pattern.compile("\\{\"batch\":(\\d+),\"size\":(\\d+),\"i\":(\\d+),");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyAcknowledgedBatchSurvivesKillMinusNineAndNoBatchIsPartial() throws Exception {
        Path log = dir.resolve("events");
        long seed = ThreadLocalRandom.current().nextLong();
        Random random = new Random(seed);
        long acknowledged = 0;
        long extraEvents = 0; // the marker batches this test appends itself between rounds
        for (int round = 0; round < 5; round++) {
            Path stderr = dir.resolve("child-" + round + ".err");
            Process child = new ProcessBuilder(childCommand(log, seed + round))
                    .redirectError(stderr.toFile())
                    .start();
            long acked = -1;
            long opened = -1;
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
                // wait until the child appends, then let it run for a random while and kill it
                long killAt = Long.MAX_VALUE;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                String line;
                while ((line = out.readLine()) != null) {
                    if (!line.endsWith(";")) {
                        break; // a line cut by the kill: not an acknowledgement
                    }
                    if (line.startsWith("open ")) {
                        opened = Long.parseLong(line.substring(5, line.length() - 1));
                        continue;
                    }
                    long p = Long.parseLong(line.substring(4, line.length() - 1));
                    assertTrue(p > acked, "acks increase");
                    acked = p;
                    if (killAt == Long.MAX_VALUE) {
                        killAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(random.nextInt(800));
                    }
                    if (System.nanoTime() >= killAt) {
                        // SIGKILL through the handle: Process.destroyForcibly() would also close our end of
                        // the pipe, and we want every ack the child printed before it died
                        child.toHandle().destroyForcibly();
                        killAt = Long.MIN_VALUE;
                    }
                    if (System.nanoTime() > deadline) {
                        fail("the child never got killed");
                    }
                }
            } finally {
                child.destroyForcibly();
                child.waitFor(10, TimeUnit.SECONDS);
            }
            if (opened < 0 || acked < 0) {
                fail("child " + round + " appended nothing; stderr:\n" + Files.readString(stderr));
            }
            assertEquals(137, child.exitValue(), "killed by SIGKILL");
            assertTrue(opened >= acknowledged, "the child saw every acknowledged event of earlier rounds");
            acknowledged = acked;

            try (ChronicleEventLog reopened = ChronicleEventLog.open(log, false)) {
                long last = reopened.lastPosition();
                assertTrue(last >= acknowledged, "acknowledged " + acknowledged + " but the log ends at " + last);
                List<Envelope> events = new ArrayList<>();
                assertEquals(last, reopened.replay(1, events::add));
                assertEquals(last, events.size());
                checkWholeBatches(events);
                System.out.printf("crash round %d: child acknowledged up to %d, the log ends at %d%n",
                        round, acknowledged, last);
                // the log takes appends after the crash and continues the positions
                List<Envelope> marker = reopened.append(List.of(new PendingEvent("Marker", 1, "test", "m" + round,
                        "m", Actor.DAEMON, "{\"batch\":" + (last + 1) + ",\"size\":1,\"i\":0,}")));
                assertEquals(last + 1, marker.get(0).position());
                extraEvents++;
                acknowledged = last + 1;
            }
        }
        assertTrue(acknowledged > extraEvents, "seed " + seed);
    }

    /** Positions 1..n without gaps or duplicates, and every batch whole and in order. */
    private static void checkWholeBatches(List<Envelope> events) {
        int k = 0;
        while (k < events.size()) {
            Envelope head = events.get(k);
            Matcher m = PAYLOAD.matcher(head.payload());
            assertTrue(m.lookingAt(), head.payload());
            long batch = Long.parseLong(m.group(1));
            int size = Integer.parseInt(m.group(2));
            assertEquals(head.position(), batch, "a batch starts at its first event");
            for (int i = 0; i < size; i++) {
                assertTrue(k + i < events.size(), "partial batch at " + batch + ": " + i + " of " + size);
                Envelope e = events.get(k + i);
                assertEquals(k + i + 1, e.position(), "positions 1..n, strictly increasing, no gap or duplicate");
                Matcher em = PAYLOAD.matcher(e.payload());
                assertTrue(em.lookingAt(), e.payload());
                assertEquals(batch, Long.parseLong(em.group(1)), "partial batch at " + batch);
                assertEquals(i, Integer.parseInt(em.group(3)));
                assertEquals(head.timeNanos(), e.timeNanos());
            }
            k += size;
        }
    }

    /** The same java, classpath and Chronicle flags as this JVM (surefire's argLine). */
    private static List<String> childCommand(Path dir, long seed) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.startsWith("--add-exports=") || a.startsWith("--add-opens=") || a.startsWith("-Dchronicle.")) {
                cmd.add(a);
            } else if ((a.equals("--add-exports") || a.equals("--add-opens")) && i + 1 < args.size()) {
                cmd.add(a);
                cmd.add(args.get(++i));
            }
        }
        cmd.add("-Xshare:auto");
        cmd.add("-XX:TieredStopAtLevel=1"); // a short-lived child: start fast
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(CrashChild.class.getName());
        cmd.add(dir.toString());
        cmd.add(Long.toString(seed));
        return cmd;
    }
}
