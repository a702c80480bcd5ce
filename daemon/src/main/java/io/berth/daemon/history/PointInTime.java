package io.berth.daemon.history;

import io.berth.daemon.HistoryConfig;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** The moments time travel accepts: RFC 3339, unix seconds (with a fraction), or a duration ago. */
public final class PointInTime {

    private PointInTime() {}

    /**
     * "2026-11-28T17:40:00Z" or with an offset ("...+01:00", fractions allowed), "1764351600.25" (unix
     * seconds), or "10m", "1h30m", "2d" (that long before {@code now}).
     *
     * @throws IllegalArgumentException with a message that shows the accepted forms
     */
    public static Instant parse(String text, Instant now) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a point in time is required: RFC 3339 (2026-11-28T17:40:00Z), "
                    + "unix seconds (1764351600.5) or a duration ago (10m, 1h30m, 2d)");
        }
        String t = text.trim();
        if (t.matches("\\d+(\\.\\d+)?")) {
            BigDecimal seconds = new BigDecimal(t);
            BigDecimal nanos = seconds.movePointRight(9);
            if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
                throw new IllegalArgumentException("time " + text + " is out of range");
            }
            long n = nanos.longValue();
            return Instant.ofEpochSecond(n / 1_000_000_000L, n % 1_000_000_000L);
        }
        Optional<java.time.Duration> ago = HistoryConfig.parseDuration(t);
        if (ago.isPresent()) {
            return now.minus(ago.get());
        }
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("invalid time \"" + text + "\": use RFC 3339 (2026-11-28T17:40:00Z), "
                    + "unix seconds (1764351600.5) or a duration ago (10m, 1h30m, 2d)");
        }
    }

    /** Nanoseconds since the epoch, as the log's times. */
    public static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
}
