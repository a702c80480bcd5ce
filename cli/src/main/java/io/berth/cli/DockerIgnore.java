package io.berth.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A .dockerignore: which paths of a build context the CLI leaves out of the tar it sends, by Docker's
 * rules (moby/patternmatcher). Patterns are cleaned like Go's filepath.Clean with a leading '/' dropped;
 * '*' and '?' stay inside one path element, '**' spans any number of them (none included), a pattern
 * that matches a directory excludes everything under it, a '!' pattern is an exception that re-includes,
 * and the last pattern that matches a path decides.
 */
final class DockerIgnore {

    /** One cleaned pattern; {@code exception} for a '!' pattern. */
    private record Rule(String pattern, boolean exception, Predicate<String> matcher) {
        boolean matches(String path) {
            return matcher.test(path);
        }
    }

    private final List<Rule> rules = new ArrayList<>();

    /** @throws IllegalArgumentException for a bad pattern ("!" alone, an unclosed '['), with docker's message */
    DockerIgnore(List<String> patterns) {
        for (String p : patterns) {
            p = p.strip();
            if (p.isEmpty()) {
                continue;
            }
            p = cleanPath(p);
            boolean exception = p.startsWith("!");
            if (exception) {
                if (p.length() == 1) {
                    throw new IllegalArgumentException("illegal exclusion pattern: \"!\"");
                }
                p = p.substring(1);
            }
            try {
                rules.add(new Rule(p, exception, compile(p)));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("syntax error in pattern");
            }
        }
    }

    /**
     * The patterns of a .dockerignore file's text (ignorefile.ReadAll): a BOM and '#' comment lines
     * dropped, each line trimmed, cleaned, and without a leading '/'; '!' kept in front.
     */
    static List<String> parse(String text) {
        List<String> patterns = new ArrayList<>();
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        for (String line : text.split("\r?\n", -1)) {
            if (line.startsWith("#")) {
                continue;
            }
            String p = line.strip();
            if (p.isEmpty()) {
                continue;
            }
            boolean exception = p.startsWith("!");
            if (exception) {
                p = p.substring(1).strip();
            }
            if (!p.isEmpty()) {
                p = cleanPath(p);
                if (p.length() > 1 && p.startsWith("/")) {
                    p = p.substring(1);
                }
            }
            patterns.add(exception ? "!" + p : p);
        }
        return patterns;
    }

    boolean hasExceptions() {
        return rules.stream().anyMatch(Rule::exception);
    }

    /** Whether {@code path} (relative, '/'-separated) is excluded: it, or a directory above it, matches. */
    boolean excludes(String path) {
        path = cleanPath(path);
        if (path.equals(".")) {
            return false; // the context itself is never excluded
        }
        List<String> parents = parentsOf(path);
        boolean excluded = false;
        for (Rule rule : rules) {
            if (rule.exception != excluded) {
                continue; // only an exception can change an excluded path, only a pattern an included one
            }
            boolean match = rule.matches(path) || parents.stream().anyMatch(rule::matches);
            if (match) {
                excluded = !rule.exception;
            }
        }
        return excluded;
    }

    /**
     * What a walk of the context knows of a directory: which rules matched it (or a directory above it),
     * so that its entries need not look upwards again.
     */
    static final class Match {
        final boolean excluded;
        private final boolean[] rulesMatched;

        private Match(boolean excluded, boolean[] rulesMatched) {
            this.excluded = excluded;
            this.rulesMatched = rulesMatched;
        }
    }

    /** The top of a walk: nothing above it matched. */
    static final Match TOP = new Match(false, null);

    /** {@code path}'s match during a walk, given its directory's ({@link #TOP} for the context's own entries). */
    Match match(String path, Match parent) {
        boolean excluded = false;
        boolean[] matched = new boolean[rules.size()];
        for (int i = 0; i < rules.size(); i++) {
            Rule rule = rules.get(i);
            boolean match = parent.rulesMatched != null && parent.rulesMatched[i];
            if (!match) {
                if (rule.exception != excluded) {
                    continue;
                }
                match = rule.matches(path) || parent.rulesMatched == null && parentsOf(path).stream().anyMatch(rule::matches);
            }
            matched[i] = match;
            if (match) {
                excluded = !rule.exception;
            }
        }
        return new Match(excluded, matched);
    }

    /** Whether an exception pattern names something under {@code dir}, so an excluded dir must still be walked. */
    boolean mayReinclude(String dir) {
        return rules.stream().anyMatch(r -> r.exception && (r.pattern + "/").startsWith(dir + "/"));
    }

    /** "a/b/c" → ["a", "a/b"]. */
    private static List<String> parentsOf(String path) {
        List<String> parents = new ArrayList<>();
        for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
            parents.add(path.substring(0, slash));
        }
        return parents;
    }

    /**
     * The test of one pattern, as patternmatcher compiles it: '*' is any run of non-'/', '?' one non-'/',
     * "**" any number of whole path elements ("**" at the end: anything), '\' escapes, "[...]" a class.
     * A pattern without those is an exact name; one that only ends in "**" a prefix; one that only
     * starts with "**" a suffix ("**" + "/x" also matches "x"); the rest a regex.
     */
    private static Predicate<String> compile(String pattern) {
        StringBuilder re = new StringBuilder("^");
        Kind kind = Kind.EXACT;
        int[] cps = pattern.codePoints().toArray();
        for (int i = 0, step = 0; i < cps.length; i++, step++) {
            int c = cps[i];
            if (c == '*' && i + 1 < cps.length && cps[i + 1] == '*') {
                i++;
                if (i + 1 < cps.length && cps[i + 1] == '/') {
                    i++;
                }
                if (i + 1 == cps.length) {
                    if (kind == Kind.EXACT) {
                        kind = Kind.PREFIX;
                    } else {
                        re.append(".*");
                        kind = Kind.REGEX;
                    }
                } else {
                    re.append("(.*/)?");
                    kind = Kind.REGEX;
                }
                if (step == 0) {
                    kind = Kind.SUFFIX;
                }
            } else if (c == '*') {
                re.append("[^/]*");
                kind = Kind.REGEX;
            } else if (c == '?') {
                re.append("[^/]");
                kind = Kind.REGEX;
            } else if (".+()|{}$".indexOf(c) >= 0) {
                re.append('\\').appendCodePoint(c);
            } else if (c == '\\') {
                if (i + 1 < cps.length) {
                    re.append('\\').appendCodePoint(cps[++i]);
                    kind = Kind.REGEX;
                } else {
                    re.append("\\\\");
                }
            } else if (c == '[' || c == ']') {
                re.appendCodePoint(c);
                kind = Kind.REGEX;
            } else {
                re.appendCodePoint(c);
            }
        }
        return switch (kind) {
            case EXACT -> pattern::equals;
            case PREFIX -> {
                String prefix = pattern.substring(0, pattern.length() - 2);
                yield path -> path.startsWith(prefix);
            }
            case SUFFIX -> {
                String suffix = pattern.substring(2);
                yield path -> path.endsWith(suffix) || suffix.startsWith("/") && path.equals(suffix.substring(1));
            }
            case REGEX -> Pattern.compile(re.append('$').toString()).asMatchPredicate();
        };
    }

    private enum Kind { EXACT, PREFIX, SUFFIX, REGEX }

    /** Go's filepath.Clean for '/'-separated paths: no "//", no ".", ".." resolved; "" is ".". */
    static String cleanPath(String path) {
        boolean rooted = path.startsWith("/");
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!parts.isEmpty() && !parts.get(parts.size() - 1).equals("..")) {
                    parts.remove(parts.size() - 1);
                    continue;
                }
                if (rooted) {
                    continue;
                }
            }
            parts.add(part);
        }
        String joined = String.join("/", parts);
        return rooted ? "/" + joined : joined.isEmpty() ? "." : joined;
    }
}
