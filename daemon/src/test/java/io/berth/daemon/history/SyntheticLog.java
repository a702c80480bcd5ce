package io.berth.daemon.history;

import io.berth.daemon.events.Event;
import io.berth.daemon.events.EventCodec;
import io.berth.daemon.state.EngineState;
import io.berth.eventlog.Actor;
import io.berth.eventlog.ChronicleEventLog;
import io.berth.eventlog.Envelope;
import io.berth.eventlog.PendingEvent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Writes a data root for the boot benchmark (scripts/bench-boot.sh): {@code DATA_ROOT/events} with
 * {@code N} events of a {@link SyntheticHistory} (a few hundred containers alive at a time), in batches
 * of 1-4 as the journal appends them, and with {@code --snapshot-interval K} the snapshots the journal
 * would have taken in {@code DATA_ROOT/snapshots}.
 *
 * <pre>java -cp daemon/target/test-classes:$BERTH_HOME/lib/* io.berth.daemon.history.SyntheticLog DATA_ROOT N [--snapshot-interval K]</pre>
 */
public final class SyntheticLog {

    private SyntheticLog() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2 && args.length != 4) {
            System.err.println("usage: SyntheticLog DATA_ROOT EVENTS [--snapshot-interval K]");
            System.exit(2);
        }
        Path root = Path.of(args[0]);
        long n = Long.parseLong(args[1]);
        Snapshots snapshots = args.length == 4
                ? new Snapshots(new SnapshotStore(root.resolve("snapshots")), Integer.parseInt(args[3])) : null;
        SyntheticHistory history = new SyntheticHistory(2026, 300);
        Random sizes = new Random(1);
        EngineState state = new EngineState();
        long t0 = System.nanoTime();
        try (ChronicleEventLog log = ChronicleEventLog.open(root.resolve("events"), false)) {
            if (snapshots != null) {
                snapshots.resumeFrom(new Rebuild.Outcome(0, 0, -1, 0));
            }
            Envelope last = null;
            while (log.lastPosition() < n) {
                List<Event> events = history.next((int) Math.min(n - log.lastPosition(), 1 + sizes.nextInt(4)));
                List<PendingEvent> batch = new ArrayList<>(events.size());
                for (Event e : events) {
                    batch.add(EventCodec.encode(e, "bench", Actor.DAEMON));
                }
                List<Envelope> stored = log.append(batch);
                last = stored.get(stored.size() - 1);
                if (snapshots != null) {
                    events.forEach(state::apply);
                    snapshots.afterBatch(state, last.position(), last.timeNanos());
                }
            }
            if (snapshots != null && last != null) {
                snapshots.close(state, last.position(), last.timeNanos());
            }
            System.out.printf("%d events in %s (%d MB) in %.1f s; %d containers alive at the end%n", log.lastPosition(),
                    root.resolve("events"), log.sizeOnDisk() >> 20, (System.nanoTime() - t0) / 1e9,
                    snapshots == null ? -1 : state.containers().size());
        }
    }
}
