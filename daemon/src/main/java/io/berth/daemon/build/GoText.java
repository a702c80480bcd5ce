package io.berth.daemon.build;

/**
 * The few Go string conventions Docker's Dockerfile code relies on, so that splitting, trimming and the
 * quoting in error messages come out as Docker's do: {@code unicode.IsSpace}, {@code strings.TrimSpace}
 * and {@code strconv.Quote} (what {@code %q} prints).
 */
final class GoText {

    private GoText() {}

    /** Go's {@code unicode.IsSpace}: the Latin-1 spaces (with NEL and NBSP), else Unicode's White_Space. */
    static boolean isSpace(int codePoint) {
        if (codePoint <= 0xFF) {
            return switch (codePoint) {
                case '\t', '\n', 0x0B, '\f', '\r', ' ', 0x85, 0xA0 -> true;
                default -> false;
            };
        }
        return Character.isSpaceChar(codePoint);
    }

    /** Go's {@code strings.TrimSpace}. */
    static String trimSpace(String s) {
        int end = s.length();
        while (end > 0 && isSpace(s.codePointBefore(end))) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return trimLeadingSpace(s.substring(0, end));
    }

    /** Go's {@code strings.TrimLeftFunc(s, unicode.IsSpace)}. */
    static String trimLeadingSpace(String s) {
        int start = 0;
        while (start < s.length() && isSpace(s.codePointAt(start))) {
            start += Character.charCount(s.codePointAt(start));
        }
        return s.substring(start);
    }

    /** Go's {@code strconv.Quote}: double-quoted, with Go escapes for quotes, backslashes and control characters. */
    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        s.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case 0x07 -> out.append("\\a");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case 0x0B -> out.append("\\v");
                default -> {
                    if (c < 0x20 || c == 0x7F) {
                        out.append(String.format("\\x%02x", c));
                    } else if (Character.isISOControl(c) || !Character.isDefined(c)
                            || Character.getType(c) == Character.SURROGATE) {
                        out.append(c > 0xFFFF ? String.format("\\U%08x", c) : String.format("\\u%04x", c));
                    } else {
                        out.appendCodePoint(c);
                    }
                }
            }
        });
        return out.append('"').toString();
    }
}
