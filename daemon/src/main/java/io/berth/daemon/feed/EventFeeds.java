package io.berth.daemon.feed;

import io.berth.eventlog.EventLog;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The event subscribers of a daemon: {@code GET /events}, berth's raw event stream and the WebSocket. Each
 * gets a {@link LogFollower}; they read on a small pool of their own ({@code berth-feeds}), so subscribers
 * never hold up the API's workers, and the daemon closes them all before it closes the log.
 */
public final class EventFeeds {

    private final EventLog log;
    private final LogTail tail;
    private final WorkerExecutor workers;
    private final StateSource states;
    private final Set<LogFollower> open = ConcurrentHashMap.newKeySet();

    public EventFeeds(Vertx vertx, EventLog log, LogTail tail, StateSource states) {
        this.log = log;
        this.tail = tail;
        this.states = states;
        this.workers = vertx.createSharedWorkerExecutor("berth-feeds", 2);
    }

    public EventLog log() {
        return log;
    }

    /** Where a reader that asks for {@code position} starts, with the projection before it; blocks (a worker's job). */
    public StateSource.Seed seed(long position) {
        return states.seed(position);
    }

    /** Starts a follower for a subscriber on {@code context}; see {@link LogFollower}. */
    public LogFollower follow(Context context, long untilNanos, Callable<LogFollower.Start> starter,
                              LogFollower.Sink sink) {
        LogFollower[] self = new LogFollower[1];
        self[0] = new LogFollower(context, workers, log, tail, untilNanos, starter, sink, () -> open.remove(self[0]));
        open.add(self[0]);
        self[0].start();
        return self[0];
    }

    /** Ends every subscriber and waits (up to a few seconds) until their cursors are closed. */
    public void close() {
        open.forEach(LogFollower::stop);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        workers.close();
    }
}
