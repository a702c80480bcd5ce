package io.berth.daemon.api;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Docker's time formats: RFC 3339 with nanoseconds, the zero time, and "Up 2 minutes" style durations. */
public final class Times {

    public static final String ZERO = "0001-01-01T00:00:00Z";
    private static final DateTimeFormatter RFC3339_NANO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.nnnnnnnnn'Z'")
            .withZone(ZoneOffset.UTC);

    private Times() {}

    public static String rfc3339(long epochNanos) {
        if (epochNanos <= 0) {
            return ZERO;
        }
        return RFC3339_NANO.format(Instant.ofEpochSecond(0, epochNanos));
    }

    /** Docker's go-units HumanDuration. */
    /** Nanoseconds since the epoch of an RFC 3339 time ("created" in an image config); {@code fallbackNanos} when it is not one. */
    public static long epochNanos(String rfc3339, long fallbackNanos) {
        try {
            java.time.Instant t = java.time.Instant.parse(rfc3339);
            return t.getEpochSecond() * 1_000_000_000L + t.getNano();
        } catch (java.time.format.DateTimeParseException e) {
            return fallbackNanos;
        }
    }

    /** Seconds since the epoch of an RFC 3339 time; {@code fallbackNanos} (converted) when it is not one. */
    public static long epochSeconds(String rfc3339, long fallbackNanos) {
        return epochNanos(rfc3339, fallbackNanos) / 1_000_000_000L;
    }

    public static String human(Duration d) {
        long seconds = d.getSeconds();
        if (seconds < 1) {
            return "Less than a second";
        } else if (seconds == 1) {
            return "1 second";
        } else if (seconds < 60) {
            return seconds + " seconds";
        }
        long minutes = d.toMinutes();
        if (minutes == 1) {
            return "About a minute";
        } else if (minutes < 60) {
            return minutes + " minutes";
        }
        long hours = Math.round(d.toMinutes() / 60.0);
        if (hours == 1) {
            return "About an hour";
        } else if (hours < 48) {
            return hours + " hours";
        } else if (hours < 24 * 7 * 2) {
            return hours / 24 + " days";
        } else if (hours < 24 * 30 * 2) {
            return hours / 24 / 7 + " weeks";
        } else if (hours < 24 * 365 * 2) {
            return hours / 24 / 30 + " months";
        }
        return hours / 24 / 365 + " years";
    }

    /** Parses Docker's since/until values: unix seconds with an optional fraction; empty → {@code fallback}. */
    public static long parseUnixNanos(String value, long fallback) {
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        try {
            if (value.contains(".")) {
                String[] p = value.split("\\.", 2);
                String frac = (p[1] + "000000000").substring(0, 9);
                return Long.parseLong(p[0]) * 1_000_000_000L + Long.parseLong(frac);
            }
            return Long.parseLong(value) * 1_000_000_000L;
        } catch (NumberFormatException e) {
            try {
                return Instant.parse(value).getEpochSecond() * 1_000_000_000L + Instant.parse(value).getNano();
            } catch (RuntimeException e2) {
                throw ApiException.invalid("invalid time value: " + value);
            }
        }
    }

    private static final java.util.regex.Pattern GO_DURATION =
            java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(h|m|s|ms)");

    /**
     * A time in a filter (until=, since=): a Go duration such as "24h" or "1h30m" counts back from
     * {@code nowNanos}; otherwise as {@link #parseUnixNanos}.
     */
    public static long filterTime(String value, long nowNanos) {
        if (value != null && value.matches("(\\d+(\\.\\d+)?(h|m|s|ms))+")) {
            java.util.regex.Matcher m = GO_DURATION.matcher(value);
            double nanos = 0;
            while (m.find()) {
                double n = Double.parseDouble(m.group(1));
                nanos += switch (m.group(2)) {
                    case "h" -> n * 3600e9;
                    case "m" -> n * 60e9;
                    case "s" -> n * 1e9;
                    default -> n * 1e6;
                };
            }
            return nowNanos - (long) nanos;
        }
        return parseUnixNanos(value, Long.MAX_VALUE);
    }

    /**
     * A since/until time of the event streams: Docker's {@code seconds[.nanoseconds]} (what the docker CLI
     * sends), and, for other clients, whatever time travel takes ({@link io.berth.daemon.history.PointInTime}:
     * an RFC 3339 time, or a duration counted back from {@code nowNanos}). Anything else is refused with
     * dockerd's message.
     */
    public static long eventTime(String value, long nowNanos) {
        int dot = value.indexOf('.');
        String seconds = dot < 0 ? value : value.substring(0, dot);
        if (seconds.matches("\\d{1,18}")) {
            String fraction = dot < 0 ? "0" : value.substring(dot + 1);
            if (!fraction.matches("\\d{1,18}")) {
                throw ApiException.invalid("invalid timestamp \"" + value + "\": invalid nanoseconds \"" + fraction
                        + "\": invalid syntax");
            }
            return Long.parseLong(seconds) * 1_000_000_000L + Long.parseLong((fraction + "000000000").substring(0, 9));
        }
        try {
            return io.berth.daemon.history.PointInTime.nanos(
                    io.berth.daemon.history.PointInTime.parse(value, Instant.ofEpochSecond(0, nowNanos)));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("invalid timestamp \"" + value + "\": invalid seconds \"" + seconds
                    + "\": invalid syntax");
        }
    }
}
