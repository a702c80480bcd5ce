package io.berth.cli;

import java.time.Duration;

/** Docker's human-readable figures (go-units): "About a minute", "4.4MB", "32MiB". */
public final class Human {

    private Human() {}

    public static String duration(Duration d) {
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
        long hours = Math.round(minutes / 60.0);
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

    /** Decimal units with three significant digits, as docker images shows sizes. */
    public static String size(double bytes) {
        return size(bytes, 3);
    }

    /** With {@code digits} significant digits: 3 as docker images prints sizes, 4 as docker system df does. */
    public static String size(double bytes, int digits) {
        String[] units = {"B", "kB", "MB", "GB", "TB", "PB"};
        int i = 0;
        while (bytes >= 1000 && i < units.length - 1) {
            bytes /= 1000;
            i++;
        }
        String n = new java.math.BigDecimal(bytes).round(new java.math.MathContext(digits)).stripTrailingZeros().toPlainString();
        return n + units[i];
    }

    /** Parses docker's memory sizes: "32m", "1g", "512k", "100b", "1024" (bytes). */
    public static long parseBytes(String value) {
        String v = value.trim().toLowerCase();
        long unit = 1;
        if (v.endsWith("b")) {
            v = v.substring(0, v.length() - 1);
        }
        switch (v.isEmpty() ? ' ' : v.charAt(v.length() - 1)) {
            case 'k' -> unit = 1L << 10;
            case 'm' -> unit = 1L << 20;
            case 'g' -> unit = 1L << 30;
            case 't' -> unit = 1L << 40;
            default -> unit = 1;
        }
        if (unit != 1) {
            v = v.substring(0, v.length() - 1);
        }
        try {
            double n = Double.parseDouble(v);
            if (n < 0) {
                throw new IllegalArgumentException("invalid size: '" + value + "'");
            }
            return (long) (n * unit);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid size: '" + value + "'");
        }
    }

    /** An id as docker shortens it (stringid.TruncateID): without an algorithm prefix, at most 12 characters. */
    public static String truncateId(String id) {
        String hex = id.substring(id.indexOf(':') + 1);
        return hex.length() > 12 ? hex.substring(0, 12) : hex;
    }

    /** "Up 2 minutes" style text the daemon sends is shown as is; "…" truncation as docker's. */
    public static String ellipsis(String s, int max) {
        if (s.codePointCount(0, s.length()) <= max) {
            return s;
        }
        return s.substring(0, s.offsetByCodePoints(0, max - 1)) + "…";
    }
}
