package io.berth.daemon.runtime;

import io.berth.daemon.api.ApiException;
import java.util.Map;

/** Linux signal names and numbers as Docker accepts them ("TERM", "SIGTERM", "15"). */
public final class Signals {

    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;

    private static final Map<String, Integer> NUMBERS = Map.ofEntries(
            Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4),
            Map.entry("TRAP", 5), Map.entry("ABRT", 6), Map.entry("IOT", 6), Map.entry("BUS", 7),
            Map.entry("FPE", 8), Map.entry("KILL", 9), Map.entry("USR1", 10), Map.entry("SEGV", 11),
            Map.entry("USR2", 12), Map.entry("PIPE", 13), Map.entry("ALRM", 14), Map.entry("TERM", 15),
            Map.entry("STKFLT", 16), Map.entry("CHLD", 17), Map.entry("CONT", 18), Map.entry("STOP", 19),
            Map.entry("TSTP", 20), Map.entry("TTIN", 21), Map.entry("TTOU", 22), Map.entry("URG", 23),
            Map.entry("XCPU", 24), Map.entry("XFSZ", 25), Map.entry("VTALRM", 26), Map.entry("PROF", 27),
            Map.entry("WINCH", 28), Map.entry("IO", 29), Map.entry("POLL", 29), Map.entry("PWR", 30),
            Map.entry("SYS", 31));

    private Signals() {}

    /** Parses a signal; empty means {@code defaultSignal}. Unknown or out of range is a 400. */
    public static int parse(String value, int defaultSignal) {
        if (value == null || value.isBlank()) {
            return defaultSignal;
        }
        String s = value.trim().toUpperCase();
        if (s.chars().allMatch(Character::isDigit)) {
            int n = Integer.parseInt(s);
            if (n < 1 || n > 64) {
                throw ApiException.invalid("Invalid signal: " + value);
            }
            return n;
        }
        if (s.startsWith("SIG")) {
            s = s.substring(3);
        }
        if (s.startsWith("RTMIN+") || s.startsWith("RTMAX-")) {
            try {
                int offset = Integer.parseInt(s.substring(6));
                int n = s.startsWith("RTMIN") ? 34 + offset : 64 - offset;
                if (n >= 34 && n <= 64) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // fall through to the error
            }
        }
        Integer n = NUMBERS.get(s);
        if (n == null) {
            throw ApiException.invalid("Invalid signal: " + value);
        }
        return n;
    }
}
