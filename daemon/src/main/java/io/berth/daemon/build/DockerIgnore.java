package io.berth.daemon.build;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The patterns of a .dockerignore file, read and matched as Docker's patternmatcher does: one pattern a
 * line, {@code #} lines and blank lines skipped, a leading {@code !} re-includes, paths cleaned and
 * relative to the context; {@code *} and {@code ?} stop at {@code /}, {@code **} spans directories, and a
 * pattern that matches a parent directory matches everything below it. A malformed pattern makes the
 * whole file match nothing (Docker's matcher fails and the caller ignores the error).
 */
final class DockerIgnore {

    private record Rule(Pattern regex, boolean exclusion) {}

    private final List<Rule> rules = new ArrayList<>();

    DockerIgnore(String content) {
        try {
            parse(content);
        } catch (PatternSyntaxException e) {
            rules.clear();
        }
    }

    private void parse(String content) {
        for (String line : content.replaceFirst("^\uFEFF", "").split("\n", -1)) {
            if (line.startsWith("#")) {
                continue;
            }
            String pattern = line.trim();
            boolean exclusion = pattern.startsWith("!");
            if (exclusion) {
                pattern = pattern.substring(1).trim();
            }
            if (pattern.isEmpty()) {
                continue;
            }
            List<String> clean = ScopedPaths.clean(pattern);
            rules.add(new Rule(compile(clean.isEmpty() ? "." : String.join("/", clean)), exclusion));
        }
    }

    /** Whether {@code file} (relative to the context) or one of its parent directories is ignored. */
    boolean excludes(String file) {
        List<String> path = ScopedPaths.clean(file);
        boolean excluded = false;
        for (Rule rule : rules) {
            if (rule.exclusion() != excluded) {
                continue;
            }
            boolean match = false;
            for (int i = path.size(); i > 0 && !match; i--) {
                match = rule.regex().matcher(String.join("/", path.subList(0, i))).matches();
            }
            if (match) {
                excluded = !rule.exclusion();
            }
        }
        return excluded;
    }

    private static Pattern compile(String pattern) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '*' && i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
                i++;
                if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '/') {
                    i++;
                }
                re.append(i + 1 == pattern.length() ? ".*" : "(.*/)?");
            } else if (c == '*') {
                re.append("[^/]*");
            } else if (c == '?') {
                re.append("[^/]");
            } else if (c == '\\' && i + 1 < pattern.length()) {
                literal(re, pattern.charAt(++i));
            } else if (c == '[' || c == ']' || c == '^' || c == '-') {
                re.append(c);
            } else {
                literal(re, c);
            }
        }
        return Pattern.compile(re.toString());
    }

    private static void literal(StringBuilder re, char c) {
        if (!Character.isLetterOrDigit(c)) {
            re.append('\\');
        }
        re.append(c);
    }
}
