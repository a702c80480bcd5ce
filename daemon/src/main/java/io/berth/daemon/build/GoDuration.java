package io.berth.daemon.build;

import java.time.Duration;
import java.util.Map;

/**
 * Go's {@code time.ParseDuration}, which reads HEALTHCHECK's {@code --interval}, {@code --timeout},
 * {@code --start-period} and {@code --start-interval}: a signed sequence of decimal numbers, each with an
 * optional fraction and a unit ({@code ns us µs ms s m h}), e.g. {@code 300ms}, {@code 1.5h}, {@code 2h45m};
 * a lone {@code 0} needs no unit. Errors carry Go's texts ({@code time: invalid duration "x"}, ...).
 */
public final class GoDuration {

    private static final long ONE_SHL_63 = Long.MIN_VALUE; // 1<<63 when read as unsigned

    private static final Map<String, Long> NANOS_PER_UNIT = Map.of(
            "ns", 1L,
            "us", 1_000L,
            "\u00b5s", 1_000L, // U+00B5 micro sign
            "\u03bcs", 1_000L, // U+03BC Greek mu
            "ms", 1_000_000L,
            "s", 1_000_000_000L,
            "m", 60_000_000_000L,
            "h", 3_600_000_000_000L);

    private GoDuration() {}

    public static Duration parse(String text) throws BuildException {
        String s = text;
        boolean negative = false;
        if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            negative = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        if (s.isEmpty()) {
            throw invalid(text);
        }
        long total = 0; // unsigned
        while (!s.isEmpty()) {
            char first = s.charAt(0);
            if (first != '.' && !isDigit(first)) {
                throw invalid(text);
            }
            int digits = countDigits(s, 0);
            long whole = 0;
            for (int i = 0; i < digits; i++) {
                if (Long.compareUnsigned(whole, Long.divideUnsigned(ONE_SHL_63, 10)) > 0) {
                    throw invalid(text);
                }
                whole = whole * 10 + (s.charAt(i) - '0');
                if (Long.compareUnsigned(whole, ONE_SHL_63) > 0) {
                    throw invalid(text);
                }
            }
            s = s.substring(digits);
            long fraction = 0;
            double scale = 1;
            if (!s.isEmpty() && s.charAt(0) == '.') {
                int fractionDigits = countDigits(s, 1);
                boolean overflow = false;
                for (int i = 1; i <= fractionDigits; i++) {
                    // digits past what 63 bits hold are dropped, as Go does
                    if (overflow || fraction > (Long.MAX_VALUE - 9) / 10) {
                        overflow = true;
                        continue;
                    }
                    fraction = fraction * 10 + (s.charAt(i) - '0');
                    scale *= 10;
                }
                s = s.substring(fractionDigits + 1);
                if (digits == 0 && fractionDigits == 0) {
                    throw invalid(text);
                }
            }
            int unitEnd = 0;
            while (unitEnd < s.length() && s.charAt(unitEnd) != '.' && !isDigit(s.charAt(unitEnd))) {
                unitEnd++;
            }
            if (unitEnd == 0) {
                throw new BuildException("time: missing unit in duration " + GoText.quote(text));
            }
            String unitName = s.substring(0, unitEnd);
            s = s.substring(unitEnd);
            Long unit = NANOS_PER_UNIT.get(unitName);
            if (unit == null) {
                throw new BuildException("time: unknown unit " + GoText.quote(unitName) + " in duration " + GoText.quote(text));
            }
            if (Long.compareUnsigned(whole, Long.divideUnsigned(ONE_SHL_63, unit)) > 0) {
                throw invalid(text);
            }
            long value = whole * unit;
            if (fraction > 0) {
                value += (long) (fraction * (unit / scale));
                if (Long.compareUnsigned(value, ONE_SHL_63) > 0) {
                    throw invalid(text);
                }
            }
            total += value;
            if (Long.compareUnsigned(total, ONE_SHL_63) > 0) {
                throw invalid(text);
            }
        }
        if (negative) {
            return Duration.ofNanos(-total);
        }
        if (total == ONE_SHL_63) {
            throw invalid(text);
        }
        return Duration.ofNanos(total);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static int countDigits(String s, int from) {
        int i = from;
        while (i < s.length() && isDigit(s.charAt(i))) {
            i++;
        }
        return i - from;
    }

    private static BuildException invalid(String text) {
        return new BuildException("time: invalid duration " + GoText.quote(text));
    }
}
