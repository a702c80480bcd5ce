package io.berth.daemon.history;

import io.berth.daemon.state.EngineState;
import io.berth.eventlog.EventLog;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state as it was at a moment: the state after the last event at or before it, rebuilt in a fresh
 * {@link EngineState} (never the live one) from the nearest snapshot and the log. The snapshots kept
 * (one every snapshot interval, all of them inside retention) bound a rebuild to about one interval of
 * replay. Every method reads files and the log: call them on a worker thread.
 */
public final class TimeTravel {

    private static final Logger LOG = LoggerFactory.getLogger(TimeTravel.class);

    /**
     * A state of the past.
     *
     * @param position  the position of the last event at or before the moment asked for (0: before any event)
     * @param timeNanos that event's time (0 when none)
     * @param rebuild   how it was rebuilt
     */
    public record StateAt(long position, long timeNanos, EngineState state, Rebuild.Outcome rebuild) {}

    /** The moment asked for is before what retention keeps. */
    public static final class OutsideHistoryException extends IllegalArgumentException {
        public OutsideHistoryException(String message) {
            super(message);
        }
    }

    private final EventLog log;
    private final SnapshotStore store;

    public TimeTravel(EventLog log, SnapshotStore store) {
        this.log = log;
        this.store = store;
    }

    /**
     * The oldest moment the history answers for: empty while the log still starts at its first event
     * (every moment, back to the empty state); else the time of the retention boundary's snapshot.
     */
    public Optional<Instant> start() {
        long first = LogBounds.first(log);
        if (first <= 1) {
            return Optional.empty();
        }
        long boundary = boundarySnapshot(first);
        try {
            return Optional.of(instant(store.timeNanos(boundary)));
        } catch (SnapshotStore.UnusableSnapshotException e) {
            throw new IllegalStateException("the retention boundary's snapshot is unusable: " + e.getMessage(), e);
        }
    }

    /**
     * The state for a reader of the log that wants to start at {@code position}: the state just before it,
     * or, when retention dropped what that state needs, the state at the retention boundary (the reader
     * then starts after it: at {@link StateAt#position()} + 1).
     */
    public StateAt stateBefore(long position) {
        long upTo = position - 1;
        long first = LogBounds.first(log);
        if (first > 1) {
            upTo = Math.max(upTo, boundarySnapshot(first));
        }
        EngineState state = new EngineState();
        Rebuild.Outcome outcome = Rebuild.into(state, log, store, upTo, problem -> LOG.warn("state for a reader: {}", problem));
        return new StateAt(outcome.position(), outcome.timeNanos(), state, outcome);
    }

    /** The state at {@code t}, from the nearest snapshot. */
    public StateAt stateAt(Instant t) {
        long position = positionAt(t);
        EngineState state = new EngineState();
        Rebuild.Outcome outcome = Rebuild.into(state, log, store, position, problem -> LOG.warn("time travel: {}", problem));
        return new StateAt(outcome.position(), outcome.timeNanos(), state, outcome);
    }

    /**
     * The state at {@code until} rebuilt from the log alone: from position 1 without snapshots; when
     * retention has dropped the log's start, from the snapshot at the retention boundary (the outcome's
     * {@code snapshot} says which).
     */
    public StateAt replayFromLog(Instant until) {
        long position = positionAt(until);
        long first = LogBounds.first(log);
        EngineState state = new EngineState();
        Rebuild.Outcome outcome;
        try {
            outcome = first <= 1 ? Rebuild.into(state, log, null, position, problem -> { })
                    : Rebuild.from(state, log, store.read(boundarySnapshot(first)), position);
        } catch (SnapshotStore.UnusableSnapshotException e) {
            throw new IllegalStateException("the retention boundary's snapshot is unusable: " + e.getMessage(), e);
        }
        return new StateAt(outcome.position(), outcome.timeNanos(), state, outcome);
    }

    /** The position of the last event at or before {@code t}; refuses a moment before retention's start. */
    private long positionAt(Instant t) {
        Optional<Instant> start = start();
        if (start.isPresent() && t.isBefore(start.get())) {
            throw new OutsideHistoryException("no history before " + start.get() + " is kept (retention starts at "
                    + start.get() + "); asked for " + t);
        }
        return LogBounds.lastAtOrBefore(log, PointInTime.nanos(t));
    }

    /** The oldest snapshot the log continues: where retention cut. */
    private long boundarySnapshot(long first) {
        for (long p : store.positions()) {
            if (p + 1 >= first) {
                return p;
            }
        }
        throw new IllegalStateException("the event log starts at position " + first
                + " but no snapshot marks the retention boundary in " + store.dir());
    }

    private static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }
}
