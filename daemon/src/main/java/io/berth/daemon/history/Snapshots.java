package io.berth.daemon.history;

import io.berth.daemon.state.EngineState;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the journal's snapshots: every {@code interval} events, and one at a clean shutdown. The copy
 * of the state is taken on the journal thread, between two batches ({@link EngineState#export} copies
 * the maps only); encoding and writing happen on a thread of their own, so the journal never waits for
 * the disk. A snapshot that fails to be written is logged; the next one is taken as planned.
 */
public final class Snapshots {

    private static final Logger LOG = LoggerFactory.getLogger(Snapshots.class);

    private final SnapshotStore store;
    private final int interval;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "berth-snapshot-writer");
        t.setDaemon(true);
        return t;
    });
    /** The position of the newest snapshot taken or found; only the journal thread uses it. */
    private long lastTaken = -1;

    public Snapshots(SnapshotStore store, int interval) {
        this.store = store;
        this.interval = interval;
    }

    public SnapshotStore store() {
        return store;
    }

    /** Where the boot's rebuild left the state: counting to the next snapshot starts from the snapshot it used. */
    public void resumeFrom(Rebuild.Outcome boot) {
        lastTaken = boot.usedSnapshot() ? boot.snapshot() : 0;
    }

    /** Called by the journal thread after each applied batch whose last event is at {@code position}. */
    public void afterBatch(EngineState state, long position, long timeNanos) {
        if (lastTaken < 0) {
            lastTaken = 0;
        }
        if (position - lastTaken >= interval) {
            take(state, position, timeNanos);
        }
    }

    /** Takes a snapshot now (on the journal thread) and queues its write. */
    private void take(EngineState state, long position, long timeNanos) {
        lastTaken = position;
        SnapshotStore.Snapshot snapshot = new SnapshotStore.Snapshot(position, timeNanos, state.export());
        writer.execute(() -> {
            long t0 = System.nanoTime();
            try {
                store.write(snapshot);
                LOG.debug("snapshot at position {} written in {} ms", position, (System.nanoTime() - t0) / 1_000_000);
            } catch (Exception e) {
                LOG.warn("could not write the snapshot at position {}: {}", position, e.toString());
            }
        });
    }

    /**
     * The last snapshot, on the journal thread at a clean shutdown (when the state moved since the last
     * one), then waits for the queued writes.
     */
    public void close(EngineState state, long position, long timeNanos) {
        if (position > Math.max(lastTaken, 0)) {
            take(state, position, timeNanos);
        }
        writer.shutdown();
        try {
            if (!writer.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("snapshot writes still pending at shutdown");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
