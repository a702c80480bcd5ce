package io.berth.daemon.history;

import io.berth.eventlog.Envelope;
import io.berth.eventlog.EventLog;
import io.berth.eventlog.EventCursor;
import java.util.function.Consumer;

/** Reading a stretch of the event log: where it starts, and the events between two positions. */
final class LogBounds {

    private LogBounds() {}

    /** The position of the oldest event still in the log (1 until retention drops the start). */
    static long first(EventLog log) {
        return Math.min(log.firstPosition(), log.lastPosition() + 1);
    }

    /** The position of the last event whose time is at or before {@code timeNanos}; 0 when there is none. */
    static long lastAtOrBefore(EventLog log, long timeNanos) {
        return timeNanos == Long.MAX_VALUE ? log.lastPosition() : log.firstPositionAtOrAfter(timeNanos + 1) - 1;
    }

    /** Calls {@code consumer} with the events {@code from..to}, in order; returns how many. */
    static long replay(EventLog log, long from, long to, Consumer<Envelope> consumer) {
        long count = 0;
        if (to < from) {
            return count;
        }
        try (EventCursor cursor = log.cursor(from)) {
            for (Envelope e = cursor.next(); e != null && e.position() <= to; e = cursor.next()) {
                consumer.accept(e);
                count++;
            }
        }
        return count;
    }
}
