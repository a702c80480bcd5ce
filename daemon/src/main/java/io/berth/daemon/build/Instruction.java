package io.berth.daemon.build;

import java.util.List;
import java.util.Optional;

/**
 * One Dockerfile instruction as written, before any variable is expanded.
 *
 * @param line     the line it starts on (1-based), for error messages
 * @param keyword  the instruction, upper-case ("RUN", "COPY", ...)
 * @param original the instruction as {@code Step N/M : ...} prints it: the source text with line
 *                 continuations (escape char + newline) and comment lines inside it removed, trimmed
 * @param flags    the {@code --name=value} flags before the arguments, in order (name without dashes;
 *                 value "" for a bare {@code --name}); only meaningful for FROM, COPY, ADD, RUN, HEALTHCHECK
 * @param json     true when the arguments were a JSON array of strings (the exec form)
 * @param args     json: the array's strings; otherwise a single element holding the raw argument text
 *                 (continuations joined, surrounding whitespace trimmed, quotes and escapes kept as written)
 */
public record Instruction(int line, String keyword, String original, List<Flag> flags, boolean json, List<String> args) {

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
