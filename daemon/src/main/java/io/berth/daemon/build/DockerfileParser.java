package io.berth.daemon.build;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a Dockerfile as Docker does (buildkit's {@code frontend/dockerfile/parser} and {@code instructions},
 * which moby's legacy builder uses), checking what Docker checks before the first step runs.
 *
 * <p>The syntax:
 * <ul>
 *   <li>Parser directives {@code # escape=`} (or {@code \}), {@code # syntax=...} and {@code # check=...}
 *       (both accepted and ignored), only at the very top: the first line that is not a known directive
 *       (a blank line, another comment, an instruction) ends them, later ones are plain comments.</li>
 *   <li>Comments: lines whose first non-blank character is {@code #}, also in the middle of a continued
 *       instruction (dropped there, as are blank lines). A {@code #} elsewhere is text.</li>
 *   <li>Continuation: the escape character at the end of a line (spaces and tabs may follow it; a doubled
 *       escape is not one) joins the next line; the first line loses its leading whitespace, the others keep
 *       theirs. The joined text, trimmed, is {@link Instruction#original()}: what {@code Step N/M : } prints.</li>
 *   <li>Keywords are case-insensitive. Words starting with {@code --} right after the keyword are flags,
 *       up to a bare {@code --}; quotes and escapes in them are removed.</li>
 *   <li>RUN, CMD, ENTRYPOINT, SHELL, COPY, ADD, VOLUME and HEALTHCHECK's command take a JSON array of
 *       strings (exec form); text that is not valid JSON is the shell form, a valid array holding anything but
 *       strings is an error. ONBUILD's trigger is kept as raw text (checked for syntax only).</li>
 * </ul>
 *
 * <p>Errors carry Docker's texts: a syntax error as the legacy builder wraps it, {@code failed to parse
 * Dockerfile: <reason>}; an instruction's bad arguments or flags {@code dockerfile parse error on line N:
 * <reason>}; an instruction other than ARG before the first FROM {@code no build stage in current context}.
 * Heredocs ({@code RUN <<EOF}) are not supported.
 */
public final class DockerfileParser {

    private static final char DEFAULT_ESCAPE = '\\';
    private static final String DEFAULT_FILE_NAME = "Dockerfile";
    private static final Pattern WHITESPACE = Pattern.compile("[\\t\\u000B\\f\\r ]+");
    private static final Pattern DIRECTIVE =
            Pattern.compile("^([a-zA-Z][a-zA-Z0-9]*)[\\t\\n\\f\\r ]*=[\\t\\n\\f\\r ]*(.+?)[\\t\\n\\f\\r ]*$", Pattern.DOTALL);
    private static final Set<String> DIRECTIVE_NAMES = Set.of("escape", "syntax", "check");
    private static final Pattern STAGE_NAME = Pattern.compile("^[a-z][a-z0-9_.-]*$");
    private static final Pattern DECIMAL = Pattern.compile("[+-]?[0-9]+");
    private static final ObjectMapper JSON =
            JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private static final List<String> KEYWORDS = List.of("ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE",
            "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR");

    /** How a flag takes its value (Docker's BFlags types). */
    private enum FlagKind {
        /** {@code --name} (true), {@code --name=true|false}. */
        BOOL,
        /** {@code --name=value}, once. */
        STRING,
        /** {@code --name=value}, repeatable. */
        STRINGS
    }

    private static final Map<String, FlagKind> NO_FLAGS = Map.of();
    private static final Map<String, FlagKind> FROM_FLAGS = Map.of("platform", FlagKind.STRING);
    private static final Map<String, FlagKind> RUN_FLAGS = Map.of(
            "mount", FlagKind.STRINGS, "network", FlagKind.STRING, "security", FlagKind.STRING, "device", FlagKind.STRINGS);
    private static final Map<String, FlagKind> COPY_FLAGS = Map.of(
            "chown", FlagKind.STRING, "from", FlagKind.STRING, "chmod", FlagKind.STRING,
            "link", FlagKind.BOOL, "exclude", FlagKind.STRINGS, "parents", FlagKind.BOOL);
    private static final Map<String, FlagKind> ADD_FLAGS = Map.of(
            "chown", FlagKind.STRING, "chmod", FlagKind.STRING, "link", FlagKind.BOOL, "keep-git-dir", FlagKind.BOOL,
            "checksum", FlagKind.STRING, "unpack", FlagKind.BOOL, "exclude", FlagKind.STRINGS);
    private static final List<String> HEALTHCHECK_DURATIONS = List.of("interval", "timeout", "start-period", "start-interval");
    private static final Map<String, FlagKind> HEALTHCHECK_FLAGS = Map.of(
            "interval", FlagKind.STRING, "timeout", FlagKind.STRING, "start-period", FlagKind.STRING,
            "start-interval", FlagKind.STRING, "retries", FlagKind.STRING);
    private static final Set<String> RUN_NETWORKS = Set.of("default", "none", "host");
    private static final Set<String> RUN_SECURITIES = Set.of("sandbox", "insecure");

    private DockerfileParser() {}

    /** {@link #parse(String, String)} for a file named {@code Dockerfile}. */
    public static Dockerfile parse(String text) throws BuildException {
        return parse(text, DEFAULT_FILE_NAME);
    }

    /**
     * Parses and checks a whole Dockerfile; {@code fileName} (as the client named it) appears in the
     * errors {@code the Dockerfile (<name>) cannot be empty} and {@code failed to parse <name>: ...}.
     */
    public static Dockerfile parse(String text, String fileName) throws BuildException {
        if (text.isEmpty()) {
            throw new BuildException("the Dockerfile (" + fileName + ") cannot be empty");
        }
        Source source;
        List<Node> nodes = new ArrayList<>();
        try {
            source = Source.read(text, DEFAULT_ESCAPE, true);
            for (LogicalLine line : source.lines()) {
                nodes.add(node(line.text(), line.number(), source.escape()));
            }
            if (nodes.isEmpty()) {
                throw new BuildException("file with no instructions");
            }
        } catch (BuildException e) {
            throw new BuildException("failed to parse " + fileName + ": " + e.getMessage(), e);
        }
        List<Instruction> instructions = new ArrayList<>(nodes.size());
        boolean inStage = false;
        for (Node node : nodes) {
            Instruction instruction = node.instruction();
            try {
                validate(node);
            } catch (BuildException e) {
                throw new BuildException("dockerfile parse error on line " + instruction.line() + ": " + e.getMessage(), e);
            }
            if (instruction.keyword().equals("FROM")) {
                inStage = true;
            } else if (!inStage && !instruction.keyword().equals("ARG")) {
                throw new BuildException("no build stage in current context");
            }
            instructions.add(instruction);
        }
        return new Dockerfile(source.escape(), instructions);
    }

    /**
     * One instruction written on its own, e.g. an ONBUILD trigger run in a child build, parsed and checked as
     * in a Dockerfile (without directives); {@code line} numbers its first line. Errors are Docker's bare
     * reasons, without the {@code failed to parse} / {@code dockerfile parse error on line N} prefixes (as the
     * legacy builder reports a failing trigger).
     */
    public static Instruction parseInstruction(String text, char escape, int line) throws BuildException {
        List<LogicalLine> lines = Source.read(text, escape, false).lines();
        if (lines.isEmpty()) {
            throw new BuildException("file with no instructions");
        }
        if (lines.size() > 1) {
            throw new BuildException("onbuild trigger should be a single expression");
        }
        Node node = node(lines.get(0).text(), line + lines.get(0).number() - 1, escape);
        validate(node);
        return node.instruction();
    }

    /** A logical line: physical lines joined at continuations, numbered by its first. */
    private record LogicalLine(int number, String text) {}

    /** The logical lines of a text and the escape character its directives chose. */
    private record Source(char escape, List<LogicalLine> lines) {

        static Source read(String text, char escape, boolean withDirectives) throws BuildException {
            List<String> physical = new ArrayList<>(List.of(text.split("\n", -1)));
            if (text.endsWith("\n")) {
                physical.remove(physical.size() - 1);
            }
            if (!physical.isEmpty() && physical.get(0).startsWith("\uFEFF")) {
                physical.set(0, physical.get(0).substring(1));
            }
            Directives directives = new Directives(escape, !withDirectives);
            List<LogicalLine> lines = new ArrayList<>();
            int index = 0;
            while (index < physical.size()) {
                String first = GoText.trimLeadingSpace(withoutLineEnd(physical.get(index)));
                directives.read(first);
                index++;
                int number = index;
                Continued start = continued(isComment(first) ? "" : first, directives.escape);
                if (!start.continues() && start.text().isEmpty()) {
                    continue;
                }
                StringBuilder joined = new StringBuilder(start.text());
                boolean continues = start.continues();
                while (continues && index < physical.size()) {
                    String next = withoutLineEnd(physical.get(index));
                    index++;
                    if (isComment(next) || GoText.trimLeadingSpace(next).isEmpty()) {
                        continue;
                    }
                    Continued piece = continued(next, directives.escape);
                    joined.append(piece.text());
                    continues = piece.continues();
                }
                lines.add(new LogicalLine(number, joined.toString()));
            }
            return new Source(directives.escape, lines);
        }

        /** Without the carriage returns of a CRLF (or CRCRLF) line end. */
        private static String withoutLineEnd(String line) {
            int end = line.length();
            while (end > 0 && line.charAt(end - 1) == '\r') {
                end--;
            }
            return line.substring(0, end);
        }

        private static boolean isComment(String line) {
            return GoText.trimLeadingSpace(line).startsWith("#");
        }
    }

    /** A physical line without its continuation mark, and whether it had one. */
    private record Continued(String text, boolean continues) {}

    /** The escape character last on the line (spaces and tabs may follow), not itself escaped, continues it. */
    private static Continued continued(String line, char escape) {
        int end = line.length();
        while (end > 0 && (line.charAt(end - 1) == ' ' || line.charAt(end - 1) == '\t')) {
            end--;
        }
        if (end > 0 && line.charAt(end - 1) == escape && (end == 1 || line.charAt(end - 2) != escape)) {
            return new Continued(line.substring(0, end - 1), true);
        }
        return new Continued(line, false);
    }

    /** The parser directives at the top of a Dockerfile. */
    private static final class Directives {
        private final Set<String> seen = new HashSet<>();
        private char escape;
        private boolean done;

        Directives(char escape, boolean done) {
            this.escape = escape;
            this.done = done;
        }

        /** Reads a line (leading whitespace trimmed) while directives may still come. */
        void read(String line) throws BuildException {
            if (done) {
                return;
            }
            Matcher m = line.startsWith("#") ? DIRECTIVE.matcher(GoText.trimLeadingSpace(line.substring(1))) : null;
            String name = m != null && m.matches() ? m.group(1).toLowerCase(Locale.ROOT) : null;
            if (name == null || !DIRECTIVE_NAMES.contains(name)) {
                done = true;
                return;
            }
            if (!seen.add(name)) {
                throw new BuildException("only one " + name + " parser directive can be used");
            }
            if (name.equals("escape")) {
                String value = m.group(2);
                if (!value.equals("`") && !value.equals("\\")) {
                    throw new BuildException("invalid escape token '" + value + "' does not match ` or \\");
                }
                escape = value.charAt(0);
            }
        }
    }

    /**
     * An instruction read from its logical line, with what checking it needs besides: the keyword as written
     * (for {@code unknown instruction}), the flag words as written ({@code --name=value}, {@code --name}) and,
     * for ENV, LABEL and ARG, the names as written.
     */
    private record Node(Instruction instruction, String writtenKeyword, List<String> flagWords, List<String> names) {}

    /** Docker's parser step for one logical line; throws its syntax errors. */
    private static Node node(String line, int number, char escape) throws BuildException {
        String original = GoText.trimSpace(line);
        String[] keywordAndRest = WHITESPACE.split(original, 2);
        String writtenKeyword = keywordAndRest[0];
        String keyword = writtenKeyword.toUpperCase(Locale.ROOT);
        List<String> flagWords = List.of();
        String rest = "";
        if (keywordAndRest.length == 2) {
            FlagSplit split = splitFlags(keywordAndRest[1], escape);
            flagWords = split.flagWords();
            rest = GoText.trimSpace(split.rest());
        }
        List<String> args = rest.isEmpty() ? List.of() : List.of(rest);
        boolean json = false;
        List<String> names = List.of();
        switch (keyword) {
            case "ADD", "COPY", "VOLUME", "CMD", "ENTRYPOINT", "RUN", "SHELL" -> {
                List<String> array = jsonArray(rest);
                json = array != null;
                args = json ? array : args;
            }
            case "ENV", "LABEL", "ARG" ->
                    names = new ShellLexer(escape).rawPairs(keyword, rest).stream().map(Map.Entry::getKey).toList();
            case "HEALTHCHECK" -> {
                int typeEnd = 0;
                while (typeEnd < rest.length() && !GoText.isSpace(rest.charAt(typeEnd))) {
                    typeEnd++;
                }
                if (typeEnd > 0) {
                    String command = GoText.trimLeadingSpace(rest.substring(typeEnd));
                    List<String> array = jsonArray(command);
                    json = array != null;
                    List<String> typeAndCommand = new ArrayList<>();
                    typeAndCommand.add(rest.substring(0, typeEnd).toUpperCase(Locale.ROOT));
                    typeAndCommand.addAll(json ? array : command.isEmpty() ? List.of() : List.of(command));
                    args = typeAndCommand;
                }
            }
            case "ONBUILD" -> {
                if (!rest.isEmpty()) {
                    node(rest, number, escape); // the trigger's syntax errors are the Dockerfile's
                }
            }
            default -> { } // no syntax of its own
        }
        List<Instruction.Flag> flags = new ArrayList<>(flagWords.size());
        for (String word : flagWords) {
            String nameAndValue = word.substring(2);
            int eq = nameAndValue.indexOf('=');
            flags.add(eq < 0 ? new Instruction.Flag(nameAndValue, "")
                    : new Instruction.Flag(nameAndValue.substring(0, eq), nameAndValue.substring(eq + 1)));
        }
        Instruction instruction = new Instruction(number, keyword, original, flags, json, args);
        return new Node(instruction, writtenKeyword, flagWords, names);
    }

    /** The flag words at the start of an instruction's arguments, and the text after them. */
    private record FlagSplit(List<String> flagWords, String rest) {}

    /**
     * Docker's {@code extractBuilderFlags}: words starting with {@code --} (quotes and escapes removed) until
     * a word that does not, or a bare {@code --}.
     */
    private static FlagSplit splitFlags(String text, char escape) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        boolean blankOk = false;
        char quote = 0;
        for (int pos = 0; pos < text.length(); pos++) {
            char c = text.charAt(pos);
            if (!inWord) {
                if (GoText.isSpace(c)) {
                    continue;
                }
                if (c != '-' || pos + 1 == text.length() || text.charAt(pos + 1) != '-') {
                    return new FlagSplit(words, text.substring(pos));
                }
                inWord = true;
            }
            if (quote == 0) {
                if (GoText.isSpace(c)) {
                    if (word.toString().equals("--")) {
                        return new FlagSplit(words, text.substring(pos));
                    }
                    if (blankOk || word.length() > 0) {
                        words.add(word.toString());
                    }
                    word.setLength(0);
                    inWord = false;
                    blankOk = false;
                    continue;
                }
                if (c == '\'' || c == '"') {
                    quote = c;
                    blankOk = true;
                    continue;
                }
            } else if (c == quote) {
                quote = 0;
                continue;
            }
            if (c == escape) {
                if (pos + 1 == text.length()) {
                    quote = 0;
                    continue; // a trailing escape is dropped
                }
                c = text.charAt(++pos);
            }
            word.append(c);
        }
        if (inWord && !word.toString().equals("--") && (blankOk || word.length() > 0)) {
            words.add(word.toString());
        }
        return new FlagSplit(words, "");
    }

    /**
     * The strings of a JSON array, or null when the text is not one (the shell form); a valid array with
     * anything but strings in it is Docker's error.
     */
    private static List<String> jsonArray(String text) throws BuildException {
        if (!text.startsWith("[")) {
            return null;
        }
        JsonNode array;
        try {
            array = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
        List<String> strings = new ArrayList<>(array.size());
        for (JsonNode element : array) {
            if (!element.isTextual()) {
                throw new BuildException("when using JSON array syntax, arrays must be comprised of strings only");
            }
            strings.add(element.textValue());
        }
        return strings;
    }

    /** Docker's per-instruction checks ({@code instructions.ParseInstruction}), in Docker's order. */
    private static void validate(Node node) throws BuildException {
        Instruction instruction = node.instruction();
        String keyword = instruction.keyword();
        List<String> args = instruction.args();
        switch (keyword) {
            case "ENV", "LABEL" -> {
                checkFlags(node, NO_FLAGS);
                requireAtLeastOne(keyword, node.names());
                requireNames(keyword, node.names());
            }
            case "ARG" -> {
                requireAtLeastOne(keyword, node.names());
                requireNames(keyword, node.names());
            }
            case "MAINTAINER", "WORKDIR", "USER" -> {
                requireExactlyOne(keyword, args);
                checkFlags(node, NO_FLAGS);
            }
            case "STOPSIGNAL" -> requireExactlyOne(keyword, args);
            case "ADD", "COPY" -> {
                if (instruction.fields().size() < 2) {
                    throw new BuildException(keyword
                            + " requires at least two arguments, but only one was provided. Destination could not be determined");
                }
                checkFlags(node, keyword.equals("ADD") ? ADD_FLAGS : COPY_FLAGS);
            }
            case "FROM" -> {
                List<String> fields = instruction.fields();
                if (fields.size() == 3 && fields.get(1).equalsIgnoreCase("as")) {
                    if (!STAGE_NAME.matcher(fields.get(2).toLowerCase(Locale.ROOT)).matches()) {
                        throw new BuildException("invalid name for build stage: " + GoText.quote(fields.get(2))
                                + ", name can't start with a number or contain symbols");
                    }
                } else if (fields.size() != 1) {
                    throw new BuildException("FROM requires either one or three arguments");
                }
                checkFlags(node, FROM_FLAGS);
            }
            case "ONBUILD" -> {
                requireAtLeastOne(keyword, args);
                checkFlags(node, NO_FLAGS);
                String trigger = instruction.fields().get(0).toUpperCase(Locale.ROOT);
                switch (trigger) {
                    case "ONBUILD" -> throw new BuildException("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
                    case "MAINTAINER", "FROM" -> throw new BuildException(trigger + " isn't allowed as an ONBUILD trigger");
                    default -> { }
                }
            }
            case "RUN" -> {
                checkFlags(node, RUN_FLAGS);
                String network = instruction.flag("network").orElse("default");
                if (!RUN_NETWORKS.contains(network)) {
                    throw new BuildException("invalid network mode " + GoText.quote(network));
                }
                String security = instruction.flag("security").orElse("sandbox");
                if (!RUN_SECURITIES.contains(security)) {
                    throw new BuildException("security " + GoText.quote(security) + " is not valid");
                }
            }
            case "CMD", "ENTRYPOINT" -> checkFlags(node, NO_FLAGS);
            case "HEALTHCHECK" -> validateHealthcheck(node);
            case "EXPOSE" -> {
                requireAtLeastOne(keyword, args);
                checkFlags(node, NO_FLAGS);
            }
            case "VOLUME" -> {
                requireAtLeastOne(keyword, args);
                checkFlags(node, NO_FLAGS);
                for (String volume : instruction.fields()) {
                    if (GoText.trimSpace(volume).isEmpty()) {
                        throw new BuildException("VOLUME specified can not be an empty string");
                    }
                }
            }
            case "SHELL" -> {
                checkFlags(node, NO_FLAGS);
                requireAtLeastOne(keyword, args);
                if (!instruction.json()) {
                    throw new BuildException("SHELL requires the arguments to be in JSON form");
                }
            }
            default -> throw new BuildException("unknown instruction: " + node.writtenKeyword()
                    + suggestion(node.writtenKeyword()));
        }
    }

    private static void validateHealthcheck(Node node) throws BuildException {
        Instruction instruction = node.instruction();
        List<String> args = instruction.args();
        requireAtLeastOne("HEALTHCHECK", args);
        String type = args.get(0);
        if (type.equals("NONE")) {
            if (args.size() > 1) {
                throw new BuildException("HEALTHCHECK NONE takes no arguments");
            }
            return; // Docker does not look at the flags of HEALTHCHECK NONE
        }
        checkFlags(node, HEALTHCHECK_FLAGS);
        if (!type.equals("CMD")) {
            throw new BuildException("Unknown type " + GoText.quote(type) + " in HEALTHCHECK (try CMD)");
        }
        if (args.size() == 1) {
            throw new BuildException("Missing command after HEALTHCHECK CMD");
        }
        for (String name : HEALTHCHECK_DURATIONS) {
            String value = instruction.flag(name).orElse("");
            if (!value.isEmpty()) {
                Duration duration = GoDuration.parse(value);
                if (!duration.isZero() && duration.compareTo(Duration.ofMillis(1)) < 0) {
                    throw new BuildException("Interval " + GoText.quote(name) + " cannot be less than 1ms");
                }
            }
        }
        String retries = instruction.flag("retries").orElse("");
        if (!retries.isEmpty()) {
            if (!DECIMAL.matcher(retries).matches()) {
                throw new BuildException("strconv.ParseInt: parsing " + GoText.quote(retries) + ": invalid syntax");
            }
            long count;
            try {
                count = Long.parseLong(retries);
            } catch (NumberFormatException e) {
                count = Long.MAX_VALUE;
            }
            if (count < Integer.MIN_VALUE || count > Integer.MAX_VALUE) {
                throw new BuildException("strconv.ParseInt: parsing " + GoText.quote(retries) + ": value out of range");
            }
            if (count < 0) {
                throw new BuildException("--retries cannot be negative (" + count + ")");
            }
        }
    }

    private static void requireAtLeastOne(String keyword, List<String> args) throws BuildException {
        if (args.isEmpty()) {
            throw new BuildException(keyword + " requires at least one argument");
        }
    }

    private static void requireExactlyOne(String keyword, List<String> args) throws BuildException {
        if (args.size() != 1) {
            throw new BuildException(keyword + " requires exactly one argument");
        }
    }

    private static void requireNames(String keyword, List<String> names) throws BuildException {
        for (String name : names) {
            if (name.isEmpty()) {
                throw new BuildException(keyword + " names can not be blank");
            }
        }
    }

    /** Docker's BFlags.Parse over the flags as written, against the flags the instruction knows. */
    private static void checkFlags(Node node, Map<String, FlagKind> known) throws BuildException {
        Set<String> used = new HashSet<>();
        for (String word : node.flagWords()) {
            String nameAndValue = word.substring(2);
            int eq = nameAndValue.indexOf('=');
            String name = eq < 0 ? nameAndValue : nameAndValue.substring(0, eq);
            String value = eq < 0 ? "" : nameAndValue.substring(eq + 1);
            FlagKind kind = known.get(name);
            if (kind == null) {
                throw new BuildException("Unknown flag: " + name);
            }
            if (!used.add(name) && kind != FlagKind.STRINGS) {
                throw new BuildException("Duplicate flag specified: " + name);
            }
            if (kind == FlagKind.BOOL) {
                if (eq >= 0 && value.isEmpty()) {
                    throw new BuildException("Missing a value on flag: " + name);
                }
                String lower = value.toLowerCase(Locale.ROOT);
                if (!lower.isEmpty() && !lower.equals("true") && !lower.equals("false")) {
                    throw new BuildException("Expecting boolean value for flag " + name + ", not: " + value);
                }
            } else if (eq < 0) {
                throw new BuildException("Missing a value on flag: " + name);
            }
        }
    }

    /** Docker's {@code (did you mean X?)}: the nearest keyword less than 3 edits away, in the input's case. */
    private static String suggestion(String written) {
        String lower = written.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = 3;
        for (String keyword : KEYWORDS) {
            String candidate = keyword.toLowerCase(Locale.ROOT);
            int distance = levenshtein(lower, candidate);
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        if (best == null) {
            return "";
        }
        boolean upperCase = !written.equals(lower) && written.equals(written.toUpperCase(Locale.ROOT));
        if (upperCase) {
            best = best.toUpperCase(Locale.ROOT);
        }
        return " (did you mean " + best + "?)";
    }

    private static int levenshtein(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
