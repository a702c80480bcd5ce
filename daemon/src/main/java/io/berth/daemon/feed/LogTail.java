package io.berth.daemon.feed;

import io.berth.eventlog.EventLog;
import java.util.ArrayList;
import java.util.List;

/**
 * Wakes the followers that have read everything when the journal appends more. The journal calls
 * {@link #appended} on its own thread after each batch is durable and applied; that costs it one look at
 * a list, whatever the number of subscribers, and never waits for any of them: followers read the log
 * themselves, at their own pace.
 */
public final class LogTail {

    private final EventLog log;
    private final List<Runnable> waiting = new ArrayList<>(); // guarded by itself

    public LogTail(EventLog log) {
        this.log = log;
    }

    /**
     * Runs {@code wakeUp} once the log holds a position at or after {@code position}: at once (on the
     * caller's thread) when it already does, else on the journal's thread after the next append.
     */
    public void awaitPosition(long position, Runnable wakeUp) {
        synchronized (waiting) {
            if (log.lastPosition() < position) {
                waiting.add(wakeUp);
                return;
            }
        }
        wakeUp.run();
    }

    /** Called by the journal after a batch is appended: wakes everyone waiting. */
    public void appended() {
        List<Runnable> woken;
        synchronized (waiting) {
            if (waiting.isEmpty()) {
                return;
            }
            woken = new ArrayList<>(waiting);
            waiting.clear();
        }
        for (Runnable r : woken) {
            r.run();
        }
    }
}
