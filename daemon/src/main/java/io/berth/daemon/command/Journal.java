package io.berth.daemon.command;

import io.berth.daemon.api.ApiException;
import io.berth.daemon.events.Event;
import io.berth.daemon.events.EventCodec;
import io.berth.daemon.history.Rebuild;
import io.berth.daemon.history.Snapshots;
import io.berth.daemon.state.EngineState;
import io.berth.daemon.util.CrashPoints;
import io.berth.eventlog.Actor;
import io.berth.eventlog.Envelope;
import io.berth.eventlog.EventLog;
import io.berth.eventlog.PendingEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer. Commands arrive on the event bus at {@link #ADDRESS}; one dedicated thread decides
 * each against the current state, appends the resulting events to the log, applies them to the
 * projection, and only then replies and publishes them. So every rule that spans aggregates (unique
 * names, image in use) is checked against one consistent state, and a caller that got its reply reads
 * its own writes.
 */
public final class Journal {

    /** Where commands are sent (local, request/reply). */
    public static final String ADDRESS = "berth.commands";

    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);

    /** A command with who sent it and the id that ties its events together. */
    public record Request(Command command, Actor actor, String correlationId) {}

    /** The reply: the events as stored, and the decision's value. */
    public record Result(List<Envelope> envelopes, Object value) {}

    /** An applied event, as published to live listeners (reactors, event streams). */
    public record Applied(Envelope envelope, Event event) {}

    private final EventLog log;
    private final EngineState state;
    private final EventWaiters waiters;
    /** Null: no snapshots are taken (tests); boot then replays the whole log. */
    private final Snapshots snapshots;
    /** The position and time of the last applied event (journal thread, or the boot before it). */
    private volatile long lastPosition;
    private volatile long lastTimeNanos;
    private final List<Consumer<Applied>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "berth-journal");
        t.setDaemon(true);
        return t;
    });

    public Journal(EventLog log, EngineState state, EventWaiters waiters) {
        this(log, state, waiters, null);
    }

    public Journal(EventLog log, EngineState state, EventWaiters waiters, Snapshots snapshots) {
        this.log = log;
        this.state = state;
        this.waiters = waiters;
        this.snapshots = snapshots;
    }

    /**
     * Rebuilds the projection: the newest usable snapshot, then the rest of the log (without snapshots,
     * the whole log). Runs before any command is accepted; snapshots it cannot use are logged.
     */
    public Rebuild.Outcome recover() {
        Rebuild.Outcome outcome = Rebuild.into(state, log, snapshots == null ? null : snapshots.store(),
                Long.MAX_VALUE, problem -> LOG.warn("{}", problem));
        lastPosition = outcome.position();
        lastTimeNanos = outcome.timeNanos();
        if (snapshots != null) {
            snapshots.resumeFrom(outcome);
        }
        return outcome;
    }

    /** Registers the event-bus consumer (and the local codecs its messages travel with). */
    public void register(Vertx vertx) {
        LocalCodec.register(vertx, Request.class);
        LocalCodec.register(vertx, Result.class);
        vertx.eventBus().<Request>localConsumer(ADDRESS, message -> thread.execute(() -> {
            try {
                message.reply(handle(message.body()));
            } catch (ApiException e) {
                recordRejection(message.body(), e);
                message.fail(e.kind().status, e.getMessage());
            } catch (RuntimeException e) {
                LOG.error("command {} failed", message.body().command(), e);
                message.fail(500, String.valueOf(e.getMessage()));
            }
        }));
    }

    /** Live listeners; called on the journal thread after each apply: they must only hand work off. */
    public void addListener(Consumer<Applied> listener) {
        listeners.add(listener);
    }

    /** Sends a command from inside the daemon (reactors, reconciler) and returns its result. */
    public static Future<Result> send(Vertx vertx, Command command, Actor actor, String correlationId) {
        Promise<Result> promise = Promise.promise();
        vertx.eventBus().<Result>request(ADDRESS, new Request(command, actor,
                        correlationId == null ? newCorrelationId() : correlationId))
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        promise.complete(ar.result().body());
                    } else if (ar.cause() instanceof io.vertx.core.eventbus.ReplyException re) {
                        promise.fail(new ApiException(ApiException.Kind.of(re.failureCode()), re.getMessage(), true));
                    } else {
                        promise.fail(ar.cause());
                    }
                });
        return promise.future();
    }

    public static String newCorrelationId() {
        return UUID.randomUUID().toString();
    }

    private Result handle(Request request) {
        Decision decision = Decider.decide(state, request.command(), System.currentTimeMillis() * 1_000_000L);
        List<Envelope> stored = append(decision.events(), request);
        return new Result(stored, decision.value());
    }

    private List<Envelope> append(List<Event> events, Request request) {
        if (events.isEmpty()) {
            return List.of();
        }
        List<PendingEvent> batch = new ArrayList<>(events.size());
        for (Event e : events) {
            batch.add(EventCodec.encode(e, request.correlationId(), request.actor()));
        }
        List<Envelope> stored = log.append(batch);
        Envelope last = stored.get(stored.size() - 1);
        CrashPoints.hit("journal.appended", last.type());
        for (int i = 0; i < stored.size(); i++) {
            Event event = events.get(i);
            state.apply(event);
            Applied applied = new Applied(stored.get(i), event);
            waiters.offer(applied.envelope(), event);
            for (Consumer<Applied> listener : listeners) {
                try {
                    listener.accept(applied);
                } catch (RuntimeException e) {
                    LOG.error("event listener failed on {}", stored.get(i).type(), e);
                }
            }
        }
        lastPosition = last.position();
        lastTimeNanos = last.timeNanos();
        if (snapshots != null) {
            snapshots.afterBatch(state, lastPosition, lastTimeNanos);
        }
        return stored;
    }

    /** Every refused state-changing call is recorded with its caller (read-only calls never reach here). */
    private void recordRejection(Request request, ApiException e) {
        if (e.kind() == ApiException.Kind.NOT_MODIFIED || request.command() instanceof Command.RecordRejection) {
            return;
        }
        try {
            append(List.of(new Event.CallRejected(request.command().getClass().getSimpleName(),
                    describe(request.command()), e.kind().status, e.getMessage())), request);
        } catch (RuntimeException ex) {
            LOG.error("could not record a rejection", ex);
        }
    }

    private static String describe(Command command) {
        String s = command.toString();
        return s.length() > 300 ? s.substring(0, 300) : s;
    }

    /** Stops taking commands; with snapshots, takes the last one (on the journal thread) and waits for its write. */
    public void close() {
        if (snapshots != null) {
            try {
                thread.submit(() -> snapshots.close(state, lastPosition, lastTimeNanos)).get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.RejectedExecutionException | java.util.concurrent.ExecutionException
                     | java.util.concurrent.TimeoutException e) {
                LOG.warn("the shutdown snapshot failed: {}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
