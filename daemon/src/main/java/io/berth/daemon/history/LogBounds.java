package io.berth.daemon.history;

import io.berth.eventlog.Envelope;
import io.berth.eventlog.EventLog;
import java.util.function.Consumer;

/** Reading a stretch of the event log: where it starts, and the events between two positions. */
final class LogBounds {

    private LogBounds() {}

    /** The position of the oldest event still in the log (1 until retention drops the start). */
    static long first(EventLog log) {
        return 1;
    }

    /** The position of the last event whose time is at or before {@code timeNanos}; 0 when there is none. */
    static long lastAtOrBefore(EventLog log, long timeNanos) {
        long[] found = {0};
        replay(log, first(log), log.lastPosition(), e -> {
            if (e.timeNanos() <= timeNanos) {
                found[0] = e.position();
            }
        });
        return found[0];
    }

    /** Calls {@code consumer} with the events {@code from..to}, in order; returns how many. */
    static long replay(EventLog log, long from, long to, Consumer<Envelope> consumer) {
        if (to < from) {
            return 0;
        }
        long[] count = {0};
        try {
            log.replay(from, envelope -> {
                if (envelope.position() > to) {
                    throw Stop.INSTANCE;
                }
                consumer.accept(envelope);
                count[0]++;
            });
        } catch (Stop done) {
            // reached position to
        }
        return count[0];
    }

    private static final class Stop extends RuntimeException {
        static final Stop INSTANCE = new Stop();

        private Stop() {
            super(null, null, false, false);
        }
    }
}
