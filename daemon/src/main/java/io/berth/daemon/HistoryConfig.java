package io.berth.daemon;

import java.time.Duration;
import java.util.Locale;

/**
 * How the daemon keeps its history: the event log's snapshots and retention, and the audit trail.
 *
 * @param retentionAge     records older than this may be dropped ({@code --history-retention-age}); null: kept
 *                         for ever
 * @param retentionBytes   the event log and the audit trail are each kept below about this size on disk
 *                         ({@code --history-retention-size}); 0: no limit
 * @param snapshotInterval a snapshot of the projections is written every this many events
 *                         ({@code --snapshot-interval})
 * @param rollCycle        how often the event log starts a new file, the unit retention drops
 *                         ({@code --log-roll-cycle}: daily, hourly or, for tests, minutely); an existing log
 *                         keeps the cycle it was created with
 * @param auditReads       read-only API calls are audited too ({@code --audit-reads})
 */
public record HistoryConfig(Duration retentionAge, long retentionBytes, int snapshotInterval, String rollCycle,
                            boolean auditReads) {

    public static final int DEFAULT_SNAPSHOT_INTERVAL = 100_000;
    public static final String DEFAULT_ROLL_CYCLE = "daily";

    public static HistoryConfig defaults() {
        return new HistoryConfig(null, 0, DEFAULT_SNAPSHOT_INTERVAL, DEFAULT_ROLL_CYCLE, false);
    }

    /** Checks the values; the message names the flag. */
    public void validate() {
        if (retentionAge != null && (retentionAge.isNegative() || retentionAge.isZero())) {
            throw new IllegalArgumentException("--history-retention-age must be positive");
        }
        if (retentionBytes < 0) {
            throw new IllegalArgumentException("--history-retention-size must not be negative");
        }
        if (snapshotInterval < 1) {
            throw new IllegalArgumentException("--snapshot-interval must be at least 1");
        }
        if (!java.util.List.of("daily", "hourly", "minutely").contains(rollCycle)) {
            throw new IllegalArgumentException("--log-roll-cycle must be daily, hourly or minutely, not " + rollCycle);
        }
    }

    /** "30d", "12h", "90m", "45s" (units may be combined: "1d12h"). */
    public static Duration parseAge(String value) {
        return parseDuration(value).orElseThrow(() -> new IllegalArgumentException(
                "--history-retention-age takes a duration such as 30d, 12h or 90m, not " + value));
    }

    /** A duration in days, hours, minutes and seconds ("30d", "1h30m", "45s"); empty when it is not one. */
    public static java.util.Optional<Duration> parseDuration(String value) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)([dhms])").matcher(value);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "d" -> Duration.ofDays(n);
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofSeconds(n);
            });
            end = m.end();
        }
        return end == 0 || end != value.length() ? java.util.Optional.empty() : java.util.Optional.of(total);
    }

    /** "1048576", "512k", "64m", "10g" (binary units). */
    public static long parseSize(String value) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)([kmg]?)b?").matcher(value.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("--history-retention-size takes a size such as 10g, 512m or 1048576, not " + value);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "k" -> n << 10;
            case "m" -> n << 20;
            case "g" -> n << 30;
            default -> n;
        };
    }
}
