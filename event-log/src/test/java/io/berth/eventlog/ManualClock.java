package io.berth.eventlog;

import net.openhft.chronicle.core.time.TimeProvider;

import java.time.Duration;
import java.time.Instant;

/** A clock for tests that moves only when told to, also backwards (Chronicle's SetTimeProvider refuses). */
final class ManualClock implements TimeProvider {

    private volatile long nanos;

    ManualClock(Instant start) {
        nanos = start.getEpochSecond() * 1_000_000_000L + start.getNano();
    }

    ManualClock advance(Duration d) {
        nanos += d.toNanos();
        return this;
    }

    @Override
    public long currentTimeMillis() {
        return nanos / 1_000_000;
    }

    @Override
    public long currentTimeMicros() {
        return nanos / 1_000;
    }

    @Override
    public long currentTimeNanos() {
        return nanos;
    }
}
