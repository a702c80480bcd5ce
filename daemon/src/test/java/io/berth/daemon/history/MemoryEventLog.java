package io.berth.daemon.history;

import io.berth.eventlog.Envelope;
import io.berth.eventlog.EventCursor;
import io.berth.eventlog.EventLog;
import io.berth.eventlog.PendingEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * An {@link EventLog} in memory with a clock the test sets, for time travel and retention tests: its
 * "files" are the minutes of the events' times (as a minutely Chronicle log), each event takes
 * {@link #BYTES_PER_EVENT} on "disk". Single-threaded.
 */
final class MemoryEventLog implements EventLog {

    static final long BYTES_PER_EVENT = 300;
    private static final long MINUTE = 60_000_000_000L;

    private final List<Envelope> stored = new ArrayList<>();
    private long next = 1;
    long nowNanos = 1_800_000_000_000_000_000L;

    @Override
    public List<Envelope> append(List<PendingEvent> batch) {
        List<Envelope> out = new ArrayList<>();
        long time = stored.isEmpty() ? nowNanos : Math.max(nowNanos, stored.get(stored.size() - 1).timeNanos());
        for (PendingEvent e : batch) {
            Envelope env = new Envelope(next++, time, e.type(), e.revision(), e.aggregateKind(), e.aggregateId(),
                    e.correlationId(), e.actor(), e.payload());
            stored.add(env);
            out.add(env);
        }
        return out;
    }

    @Override
    public long replay(long fromPosition, Consumer<Envelope> consumer) {
        long last = fromPosition - 1;
        for (Envelope e : List.copyOf(stored)) {
            if (e.position() >= fromPosition) {
                consumer.accept(e);
                last = e.position();
            }
        }
        return last;
    }

    @Override
    public EventCursor cursor(long fromPosition) {
        return new EventCursor() {
            long position = Math.max(fromPosition, firstPosition());

            @Override
            public Envelope next() {
                position = Math.max(position, firstPosition());
                if (position > lastPosition()) {
                    return null;
                }
                Envelope e = stored.get((int) (position - firstPosition()));
                position++;
                return e;
            }

            @Override
            public long position() {
                return position;
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public long lastPosition() {
        return next - 1;
    }

    @Override
    public long firstPosition() {
        return stored.isEmpty() ? next : stored.get(0).position();
    }

    @Override
    public long firstPositionAtOrAfter(long timeNanos) {
        for (Envelope e : stored) {
            if (e.timeNanos() >= timeNanos) {
                return e.position();
            }
        }
        return lastPosition() + 1;
    }

    /** Drops whole minutes all of whose events are below {@code position}; never the newest event's minute. */
    @Override
    public long deleteBefore(long position) {
        if (stored.isEmpty()) {
            return firstPosition();
        }
        long newestMinute = stored.get(stored.size() - 1).timeNanos() / MINUTE;
        while (!stored.isEmpty()) {
            long minute = stored.get(0).timeNanos() / MINUTE;
            if (minute == newestMinute || stored.stream().anyMatch(e -> e.timeNanos() / MINUTE == minute && e.position() >= position)) {
                break;
            }
            stored.removeIf(e -> e.timeNanos() / MINUTE == minute);
        }
        return firstPosition();
    }

    @Override
    public long sizeOnDisk() {
        return stored.size() * BYTES_PER_EVENT;
    }

    @Override
    public void close() {
    }
}
