package io.berth.daemon.command;

import io.berth.daemon.events.Event;
import io.berth.eventlog.Envelope;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BiPredicate;

/**
 * Lets API calls wait for a future event: the outcome of their own intent (matched by correlation id),
 * or a change of a container (matched by aggregate id). The journal offers every applied event here,
 * after the state reflects it, so a waiter that wakes sees the state that includes its event.
 */
public final class EventWaiters {

    private record Waiter(BiPredicate<Envelope, Event> match, Promise<Event> promise) {}

    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();

    /**
     * Registers interest before the command that will cause the event is sent, so it cannot be missed.
     * The future completes on {@code context}.
     */
    public Future<Event> await(Context context, BiPredicate<Envelope, Event> match) {
        Promise<Event> promise = ((io.vertx.core.internal.ContextInternal) context).promise();
        waiters.add(new Waiter(match, promise));
        return promise.future();
    }

    /** Called by the journal thread for each applied event. */
    void offer(Envelope envelope, Event event) {
        if (waiters.isEmpty()) {
            return;
        }
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (w.promise.future().isComplete()) {
                it.remove();
            } else if (w.match.test(envelope, event)) {
                it.remove();
                w.promise.tryComplete(event);
            }
        }
    }

    /** Drops a waiter whose caller went away (its future is failed so it is removed on the next offer). */
    public static void cancel(Future<Event> future) {
        if (future instanceof Promise<?> p) {
            p.tryFail("cancelled");
        }
    }
}
