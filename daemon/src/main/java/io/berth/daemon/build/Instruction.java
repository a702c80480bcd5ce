package io.berth.daemon.build;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One Dockerfile instruction as written, before any variable is expanded.
 *
 * @param line     the line it starts on (1-based), for error messages
 * @param keyword  the instruction, upper-case ("RUN", "COPY", ...)
 * @param original the instruction as {@code Step N/M : ...} prints it: the source text with line
 *                 continuations (escape char, the spaces after it, newline) and the comment and blank lines
 *                 inside it removed, trimmed; a continued line keeps its leading whitespace
 *                 ({@code "RUN a && \\\n    b"} gives {@code "RUN a &&     b"})
 * @param flags    the {@code --name=value} flags before the arguments, in order (name without dashes,
 *                 quotes and escapes removed; value "" for a bare {@code --name}); only meaningful for FROM,
 *                 COPY, ADD, RUN, HEALTHCHECK
 * @param json     true when the arguments were a JSON array of strings (the exec form); for HEALTHCHECK, its
 *                 command
 * @param args     json: the array's strings; otherwise a single element holding the raw argument text
 *                 (continuations joined, surrounding whitespace trimmed, quotes and escapes kept as written),
 *                 none when there is no argument. HEALTHCHECK differs: its type first, upper-cased
 *                 ({@code CMD} or {@code NONE}), then its command as above (JSON strings or one raw text).
 *                 ONBUILD: the raw trigger text ({@code RUN echo hi}).
 */
public record Instruction(int line, String keyword, String original, List<Flag> flags, boolean json, List<String> args) {

    private static final Pattern FIELD_SEPARATOR = Pattern.compile("[\\t\\u000B\\f\\r ]+");

    /** A {@code --name=value} flag. */
    public record Flag(String name, String value) {}

    public Instruction {
        flags = List.copyOf(flags);
        args = List.copyOf(args);
    }

    /** The raw argument text of a non-JSON instruction (for JSON, the strings joined by spaces). */
    public String text() {
        return String.join(" ", args);
    }

    /**
     * The arguments as Docker's parser splits FROM, EXPOSE, COPY, ADD and VOLUME: the JSON strings, or the
     * raw text cut at runs of spaces and tabs. Quotes do not group ({@code COPY "a b" c} has the fields
     * {@code "a}, {@code b"} and {@code c}); each field is then expanded on its own ({@link ShellLexer#expand},
     * for EXPOSE {@link ShellLexer#words}).
     */
    public List<String> fields() {
        if (json) {
            return args;
        }
        String text = text();
        return text.isEmpty() ? List.of() : List.of(FIELD_SEPARATOR.split(text));
    }

    /** The value of flag {@code name}, if given (the last one wins). */
    public Optional<String> flag(String name) {
        String v = null;
        for (Flag f : flags) {
            if (f.name().equals(name)) {
                v = f.value();
            }
        }
        return Optional.ofNullable(v);
    }
}
