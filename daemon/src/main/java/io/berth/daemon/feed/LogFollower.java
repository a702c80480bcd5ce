package io.berth.daemon.feed;

import io.berth.eventlog.Envelope;
import io.berth.eventlog.EventCursor;
import io.berth.eventlog.EventLog;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.WorkerExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscriber's reader of the log: reads from a position with its own cursor, on a feed worker, in
 * batches, turns the events into messages with the subscriber's {@link FeedFormat}, and hands them to the
 * subscriber's {@link Sink} on the subscriber's context (its connection's event loop). History and live
 * events are the same thing here (the log), so the switch from one to the other loses and repeats nothing.
 *
 * <p>It reads only as fast as the subscriber takes messages: a sink that is full stops the reading until it
 * asks to resume; nothing is queued for it in between, and the journal never waits for a subscriber. When
 * it has read everything it waits for the {@link LogTail} to say that more was appended.
 */
public final class LogFollower {

    private static final Logger LOG = LoggerFactory.getLogger(LogFollower.class);
    /** A batch ends after this many events or this many bytes of messages, whichever comes first. */
    static final int BATCH_EVENTS = 2048;
    public static final int BATCH_BYTES = 256 * 1024;

    /** Where the messages go; called on the subscriber's context only. */
    public interface Sink {
        /**
         * Takes {@code messages}; returns true when it can take more at once, or false and calls
         * {@code resume} (on its context) once it can.
         */
        boolean deliver(List<FeedMessage> messages, Runnable resume);

        /** The most bytes of messages it wants in one delivery (a bounded queue wants at most its size). */
        default int batchBytes() {
            return BATCH_BYTES;
        }

        /** Everything the log held up to {@code position} (inclusive) has been delivered; called once. */
        default void caughtUp(long position) {}

        /** The follower has ended (its until time passed, it was stopped, or it failed); called once. */
        void end(Throwable failure);
    }

    private record Batch(List<FeedMessage> messages, boolean atEnd, boolean finished, long next) {}

    /** Where a follower starts: the first position to read and the format for the events from there on. */
    public record Start(long from, FeedFormat format) {}

    private final Context context;
    private final WorkerExecutor workers;
    private final EventLog log;
    private final LogTail tail;
    private final long untilNanos;
    private final Callable<Start> starter;
    private final Sink sink;
    private final Runnable onClosed;

    // worker side (one batch at a time, handed between workers by the context)
    private FeedFormat format;
    private EventCursor cursor;
    // context side
    private boolean busy;
    private boolean stopped;
    private boolean ended;
    private boolean caughtUp;

    /**
     * @param untilNanos events after this time are not read; once the log is read up to it the follower ends
     *                   ({@code Long.MAX_VALUE}: never)
     * @param starter    says where to start and makes the subscriber's format; called on a worker (it may
     *                   search the log, or replay it to build the state the format needs); a position
     *                   beyond the end waits for it
     * @param onClosed   called once the cursor is closed (the hub's bookkeeping)
     */
    public LogFollower(Context context, WorkerExecutor workers, EventLog log, LogTail tail, long untilNanos,
                       Callable<Start> starter, Sink sink, Runnable onClosed) {
        this.context = context;
        this.workers = workers;
        this.log = log;
        this.tail = tail;
        this.untilNanos = untilNanos;
        this.starter = starter;
        this.sink = sink;
        this.onClosed = onClosed;
    }

    public void start() {
        context.runOnContext(v -> pump());
        if (untilNanos != Long.MAX_VALUE) {
            long delayMs = Math.max(1, (untilNanos - System.currentTimeMillis() * 1_000_000L) / 1_000_000L + 1);
            context.owner().setTimer(delayMs, id -> context.runOnContext(v -> pump()));
        }
    }

    /** Ends the follower (from any thread): the sink is told, the cursor closed. */
    public void stop() {
        context.runOnContext(v -> {
            stopped = true;
            pump();
        });
    }

    private void pump() {
        if (busy || ended) {
            return;
        }
        busy = true;
        if (stopped) {
            finish(null);
            return;
        }
        workers.<Batch>executeBlocking(this::readBatch, false).onComplete(this::onBatch);
    }

    private Batch readBatch() throws Exception {
        if (format == null) {
            Start start = starter.call();
            format = start.format();
            cursor = log.cursor(start.from());
        }
        List<FeedMessage> out = new ArrayList<>();
        int bytes = 0;
        boolean atEnd = false;
        boolean finished = false;
        int maxBytes = sink.batchBytes();
        for (int n = 0; n < BATCH_EVENTS && bytes < maxBytes; n++) {
            Envelope e = cursor.next();
            if (e == null) {
                atEnd = true;
                finished = untilNanos != Long.MAX_VALUE && System.currentTimeMillis() * 1_000_000L > untilNanos;
                break;
            }
            if (e.timeNanos() > untilNanos) {
                finished = true;
                break;
            }
            int before = out.size();
            format.accept(e, out::add);
            for (int i = before; i < out.size(); i++) {
                bytes += out.get(i).bytes().length();
            }
        }
        return new Batch(out, atEnd, finished, cursor.position());
    }

    private void onBatch(AsyncResult<Batch> ar) {
        if (ar.failed()) {
            LOG.warn("an event subscriber's feed failed", ar.cause());
            finish(ar.cause());
            return;
        }
        Batch b = ar.result();
        busy = false;
        boolean more = b.messages().isEmpty() || sink.deliver(b.messages(), this::pump);
        if (b.finished() || stopped) {
            busy = true;
            finish(null);
            return;
        }
        if (b.atEnd() && !caughtUp) {
            caughtUp = true;
            sink.caughtUp(b.next() - 1);
        }
        if (!more) {
            return; // the sink calls pump when it can take more
        }
        if (b.atEnd()) {
            tail.awaitPosition(b.next(), () -> context.runOnContext(v -> pump()));
        } else {
            pump();
        }
    }

    /** Closes the cursor on a worker and tells the sink; runs once. */
    private void finish(Throwable failure) {
        if (ended) {
            return;
        }
        ended = true;
        sink.end(failure);
        workers.executeBlocking(() -> {
            if (cursor != null) {
                cursor.close();
            }
            return null;
        }, false).onComplete(ar -> onClosed.run());
    }
}
