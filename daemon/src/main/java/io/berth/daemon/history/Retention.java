package io.berth.daemon.history;

import io.berth.daemon.state.EngineState;
import io.berth.eventlog.EventLog;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the history within --history-retention-age and --history-retention-size: one {@link #run} (at
 * boot, then periodically, on a worker thread) chooses the position the log may start at (the cut), makes
 * sure a snapshot exists just before it (the <i>boundary</i>: the state the remaining log continues),
 * removes the log's files below it, and then the snapshots the log no longer continues. The boundary is
 * an existing snapshot up to one interval below the cut when that lets a file go; else one is written at
 * the cut, and deleted again when even that lets no file go (the oldest file reaches past the cut), so
 * a pass that removes nothing leaves nothing behind. Time travel answers
 * from the boundary snapshot's time on. The audit trail's own retention runs in the same pass.
 */
public final class Retention {

    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);

    /**
     * The audit trail's retention, applied with the same limits in each pass (the audit trail implements
     * it; {@link #NONE} until it is wired).
     */
    public interface AuditRetention {
        /** Drops audit records older than {@code age} (null: no age limit), keeping the trail below about {@code bytes} (0: no limit). */
        void applyRetention(Duration age, long bytes);

        AuditRetention NONE = (age, bytes) -> { };
    }

    /** What a pass removed: the log now starts at {@code firstPosition}; history answers from {@code retainedFromNanos}. */
    public record Trimmed(long firstPosition, long boundaryPosition, long retainedFromNanos, long bytesOnDisk) {}

    private final EventLog log;
    private final SnapshotStore store;
    private final Duration maxAge;
    private final long maxBytes;
    private final int snapshotInterval;
    private final AuditRetention audit;
    private final LongSupplier nowNanos;

    /**
     * @param maxAge   events older than this may go; null: no age limit
     * @param maxBytes the log is kept below about this size on disk; 0: no limit
     */
    public Retention(EventLog log, SnapshotStore store, Duration maxAge, long maxBytes, int snapshotInterval,
                     AuditRetention audit, LongSupplier nowNanos) {
        this.log = log;
        this.store = store;
        this.maxAge = maxAge;
        this.maxBytes = maxBytes;
        this.snapshotInterval = snapshotInterval;
        this.audit = audit;
        this.nowNanos = nowNanos;
    }

    /** Whether there is anything to enforce. */
    public boolean limited() {
        return maxAge != null || maxBytes > 0;
    }

    /**
     * The position the log should start at (everything below it may go), or {@code first} when nothing
     * should: the highest of the age limit's and the size limit's, never beyond {@code last} (the newest
     * event always stays).
     *
     * @param firstWithinAge the first position whose time is within the age limit, or -1 for no age limit
     * @param sizeOnDisk     the log's size, spread evenly over its events to estimate how many to drop
     * @param maxBytes       the size limit, 0 for none
     */
    static long chooseCut(long first, long last, long firstWithinAge, long sizeOnDisk, long maxBytes) {
        if (last < first) {
            return first;
        }
        long cut = first;
        if (firstWithinAge >= 0) {
            cut = Math.max(cut, firstWithinAge);
        }
        if (maxBytes > 0 && sizeOnDisk > maxBytes) {
            long events = last - first + 1;
            double bytesPerEvent = (double) sizeOnDisk / events;
            long keep = Math.max(1, (long) (maxBytes / bytesPerEvent));
            cut = Math.max(cut, last + 1 - keep);
        }
        return Math.min(cut, last);
    }

    /** One pass; what it removed from the log, if anything. Not concurrent with itself. */
    public synchronized Optional<Trimmed> run() throws IOException {
        if (!limited()) {
            return Optional.empty();
        }
        try {
            audit.applyRetention(maxAge, maxBytes);
        } catch (RuntimeException e) {
            LOG.warn("audit trail retention failed: {}", e.toString());
        }
        long first = LogBounds.first(log);
        long last = log.lastPosition();
        long firstWithinAge = maxAge == null ? -1 : log.firstPositionAtOrAfter(nowNanos.getAsLong() - maxAge.toNanos());
        long cut = chooseCut(first, last, firstWithinAge, log.sizeOnDisk(), maxBytes);
        if (cut <= first) {
            return Optional.empty();
        }
        long boundary = existingBoundary(first, cut);
        long newFirst = boundary < 0 ? first : log.deleteBefore(boundary + 1);
        if (newFirst <= first && boundary < cut - 1) {
            // no snapshot near enough, or the one found is too old to let the oldest file go: one at the cut
            boundary = writeSnapshotAt(cut - 1);
            newFirst = log.deleteBefore(boundary + 1);
            if (newFirst <= first) {
                // the oldest file also holds events from the cut on: nothing goes yet, nor does this snapshot
                store.delete(boundary);
                LOG.debug("retention: nothing removed yet (the oldest file also holds events from position {} on)", cut);
                return Optional.empty();
            }
        }
        dropSnapshotsBefore(newFirst);
        if (newFirst <= first) {
            return Optional.empty();
        }
        Trimmed trimmed = new Trimmed(newFirst, boundary, new TimeTravel(log, store).start().map(PointInTime::nanos)
                .orElse(0L), log.sizeOnDisk());
        LOG.info("retention: the event log now starts at position {} ({} bytes); history is kept from the snapshot at {}",
                newFirst, trimmed.bytesOnDisk(), boundary);
        return Optional.of(trimmed);
    }

    /**
     * A readable snapshot at most one interval below the cut that the log continues (using it keeps a
     * little more history but writes nothing), or -1.
     */
    private long existingBoundary(long first, long cut) {
        List<Long> positions = store.positions();
        for (int i = positions.size() - 1; i >= 0; i--) {
            long p = positions.get(i);
            if (p <= cut - 1 && p + 1 >= first && cut - 1 - p <= snapshotInterval) {
                try {
                    store.read(p);
                    return p;
                } catch (SnapshotStore.UnusableSnapshotException e) {
                    LOG.warn("retention: {}", e.getMessage());
                }
            }
        }
        return -1;
    }

    /** Rebuilds the state at {@code position} (from the nearest snapshot) and writes it as a snapshot. */
    private long writeSnapshotAt(long position) throws IOException {
        EngineState state = new EngineState();
        Rebuild.Outcome at = Rebuild.into(state, log, store, position, problem -> LOG.warn("retention: {}", problem));
        store.write(new SnapshotStore.Snapshot(at.position(), at.timeNanos(), state.export()));
        return at.position();
    }

    /** Removes the snapshots the log no longer continues (the events after them are gone). */
    private void dropSnapshotsBefore(long newFirst) throws IOException {
        for (long p : store.positions()) {
            if (p + 1 < newFirst) {
                store.delete(p);
            }
        }
    }
}
