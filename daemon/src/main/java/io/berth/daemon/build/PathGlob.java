package io.berth.daemon.build;

import java.util.BitSet;

/**
 * Shell patterns with the syntax and meaning of Go's {@code filepath.Match}, which Docker's legacy
 * builder applies to COPY and ADD sources: {@code *} is any run of characters but {@code /}, {@code ?}
 * one character but {@code /}, {@code [...]} a class of characters and ranges ({@code [^...]} negated),
 * {@code \} escapes the next character. The whole name must match. A malformed pattern matches nothing
 * (Docker ignores Go's ErrBadPattern the same way).
 */
final class PathGlob {

    private final int[] pattern;
    private final int[] name;
    /** Positions (pattern index, name index) known not to match: keeps many stars polynomial. */
    private final BitSet failed = new BitSet();

    private PathGlob(String pattern, String name) {
        this.pattern = pattern.codePoints().toArray();
        this.name = name.codePoints().toArray();
    }

    /** Whether {@code name} contains one of the characters that make a source path a pattern. */
    static boolean hasWildcards(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '*' || c == '?' || c == '[') {
                return true;
            }
        }
        return false;
    }

    static boolean matches(String pattern, String name) {
        return new PathGlob(pattern, name).matchFrom(0, 0);
    }

    private boolean matchFrom(int p, int n) {
        int key = p * (name.length + 1) + n;
        if (failed.get(key)) {
            return false;
        }
        boolean matched = matchUnmemoized(p, n);
        if (!matched) {
            failed.set(key);
        }
        return matched;
    }

    private boolean matchUnmemoized(int p, int n) {
        while (p < pattern.length) {
            int c = pattern[p];
            if (c == '*') {
                while (p < pattern.length && pattern[p] == '*') {
                    p++;
                }
                for (int k = n; k <= name.length; k++) {
                    if (matchFrom(p, k)) {
                        return true;
                    }
                    if (k < name.length && name[k] == '/') {
                        return false;
                    }
                }
                return false;
            }
            if (n >= name.length) {
                return false;
            }
            if (c == '?') {
                if (name[n] == '/') {
                    return false;
                }
                p++;
            } else if (c == '[') {
                int end = matchClass(p + 1, name[n]);
                if (end < 0) {
                    return false;
                }
                p = end;
            } else {
                if (c == '\\') {
                    if (++p == pattern.length) {
                        return false;
                    }
                    c = pattern[p];
                }
                if (name[n] != c) {
                    return false;
                }
                p++;
            }
            n++;
        }
        return n == name.length;
    }

    /**
     * Matches {@code ch} against the class starting after its {@code [} at {@code p}: the index after
     * the closing {@code ]} when it matches, -1 when it does not or the class is malformed.
     */
    private int matchClass(int p, int ch) {
        if (ch == '/') {
            return -1;
        }
        boolean negated = p < pattern.length && pattern[p] == '^';
        if (negated) {
            p++;
        }
        boolean matched = false;
        int ranges = 0;
        while (true) {
            if (p >= pattern.length) {
                return -1;
            }
            if (pattern[p] == ']' && ranges > 0) {
                p++;
                break;
            }
            int[] lo = classChar(p);
            if (lo == null) {
                return -1;
            }
            int hi = lo[0];
            p = lo[1];
            if (p < pattern.length && pattern[p] == '-') {
                int[] h = classChar(p + 1);
                if (h == null) {
                    return -1;
                }
                hi = h[0];
                p = h[1];
            }
            if (lo[0] <= ch && ch <= hi) {
                matched = true;
            }
            ranges++;
        }
        return matched != negated ? p : -1;
    }

    /** The (possibly escaped) character at {@code p} of a class and the index after it; null if malformed. */
    private int[] classChar(int p) {
        if (p >= pattern.length || pattern[p] == '-' || pattern[p] == ']') {
            return null;
        }
        if (pattern[p] == '\\') {
            p++;
            if (p >= pattern.length) {
                return null;
            }
        }
        return new int[] {pattern[p], p + 1};
    }
}
