package io.berth.eventlog;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The process {@link ChronicleEventLogCrashTest} kills: appends batches of 1-50 events forever and prints
 * {@code ack <last position>;} after each append has returned. Every event's payload names its batch (the
 * batch's first position) and the batch's size, so the test can tell a partial batch.
 */
public final class CrashChild {

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        Random random = new Random(Long.parseLong(args[1]));
        PrintStream out = System.out;
        try (ChronicleEventLog log = ChronicleEventLog.open(dir, false)) {
            out.println("open " + log.lastPosition() + ";");
            out.flush();
            while (true) {
                int size = 1 + random.nextInt(50);
                long first = log.lastPosition() + 1;
                List<PendingEvent> batch = new ArrayList<>(size);
                for (int i = 0; i < size; i++) {
                    String payload = "{\"batch\":" + first + ",\"size\":" + size + ",\"i\":" + i
                            + ",\"pad\":\"" + "p".repeat(random.nextInt(300)) + "\"}";
                    batch.add(new PendingEvent("Crashed", 1, "test", "b" + first, "c" + first, Actor.DAEMON,
                            payload));
                }
                List<Envelope> stored = log.append(batch);
                out.println("ack " + stored.get(stored.size() - 1).position() + ";");
                out.flush();
            }
        }
    }
}
