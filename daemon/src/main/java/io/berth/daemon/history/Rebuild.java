package io.berth.daemon.history;

import io.berth.daemon.events.EventCodec;
import io.berth.daemon.state.EngineState;
import io.berth.eventlog.EventLog;
import java.util.List;
import java.util.function.Consumer;

/**
 * Builds the state at a log position: the newest usable snapshot at or before it, then the events after
 * the snapshot up to the position. The one way a state is rebuilt, at boot and for time travel.
 */
public final class Rebuild {

    /**
     * What a rebuild did.
     *
     * @param position     the position the state is at (0: the empty state)
     * @param timeNanos    the time of the event at {@code position} (0 when none)
     * @param snapshot     the position of the snapshot it started from, -1 when it replayed from the log's start
     * @param replayed     how many events it applied after the snapshot
     */
    public record Outcome(long position, long timeNanos, long snapshot, long replayed) {
        public boolean usedSnapshot() {
            return snapshot >= 0;
        }
    }

    private Rebuild() {}

    /**
     * Fills {@code target} (empty, read by no one yet) with the state at {@code upTo}: from the newest
     * snapshot of {@code store} (may be null: none) that is at or before {@code upTo} and that the log
     * continues (it holds the snapshot's position + 1, or the snapshot is at its end). A snapshot that
     * cannot be read or does not fit is passed to {@code report} with the reason and the next older one is
     * tried. Without one, replays from the log's first position.
     */
    public static Outcome into(EngineState target, EventLog log, SnapshotStore store, long upTo, Consumer<String> report) {
        long first = LogBounds.first(log);
        long last = log.lastPosition();
        long end = Math.min(upTo, last);
        if (store != null) {
            List<Long> positions = store.positions();
            for (int i = positions.size() - 1; i >= 0; i--) {
                long p = positions.get(i);
                if (p > end) {
                    if (p > last) {
                        report.accept("snapshot at position " + p + " is beyond the log's end (" + last + "): not used");
                    }
                    continue;
                }
                if (p + 1 < first) {
                    report.accept("snapshot at position " + p + " is older than the log's start (" + first
                            + "): not used");
                    break;
                }
                try {
                    return from(target, log, store.read(p), end);
                } catch (SnapshotStore.UnusableSnapshotException e) {
                    report.accept("snapshot at position " + p + " is unusable: " + e.getMessage());
                }
            }
        }
        if (first > 1) {
            throw new IllegalStateException("the log starts at position " + first
                    + " and no usable snapshot covers the events before it");
        }
        return replay(target, log, -1, 0, end);
    }

    /** Fills {@code target} (empty) with {@code snapshot} and the events after it up to {@code upTo}. */
    public static Outcome from(EngineState target, EventLog log, SnapshotStore.Snapshot snapshot, long upTo) {
        target.restore(snapshot.contents());
        return replay(target, log, snapshot.position(), snapshot.timeNanos(), Math.min(upTo, log.lastPosition()));
    }

    private static Outcome replay(EngineState target, EventLog log, long snapshot, long snapshotTime, long end) {
        long from = snapshot < 0 ? 1 : snapshot + 1;
        long[] at = {Math.max(snapshot, 0), snapshotTime};
        long replayed = LogBounds.replay(log, from, end, envelope -> {
            target.apply(EventCodec.decode(envelope));
            at[0] = envelope.position();
            at[1] = envelope.timeNanos();
        });
        return new Outcome(at[0], at[1], snapshot, replayed);
    }
}
