package io.berth.daemon.build;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Docker's shell-word lexer (buildkit's {@code frontend/dockerfile/shell}, which moby's legacy builder
 * uses): variable expansion, quote removal and escapes in an instruction's words, without running a shell.
 *
 * <p>{@link #expand} is Docker's {@code ProcessWord}, {@link #words} its {@code ProcessWords}, {@link #pairs}
 * reads the name/value arguments of ENV, LABEL and ARG. The syntax understood:
 * <ul>
 *   <li>{@code $NAME} and {@code ${NAME}}; a name is letters, digits and {@code _}, or all digits, or one of
 *       {@code @ * # ? - $ !} (positional and special parameters, never set, so they expand to "");
 *       a {@code $} not followed by a name stays as written. Unset variables expand to "".</li>
 *   <li>{@code ${NAME:-word}} / {@code ${NAME-word}}: word when NAME is unset or empty / unset;
 *       {@code ${NAME:+word}} / {@code ${NAME+word}}: word when NAME is set and non-empty / set, else "";
 *       {@code ${NAME:?msg}} / {@code ${NAME?msg}}: an error {@code NAME: msg} (default messages
 *       {@code is not allowed to be empty} / {@code is not allowed to be unset}); the word is itself
 *       expanded, so defaults nest: {@code ${a:-${b:-c}}}.</li>
 *   <li>{@code ${NAME#pattern}}, {@code ${NAME##pattern}}, {@code ${NAME%pattern}}, {@code ${NAME%%pattern}}
 *       (shortest / longest prefix / suffix removal) and {@code ${NAME/pattern/replacement}},
 *       {@code ${NAME//pattern/replacement}}, with {@code *} and {@code ?} wildcards.</li>
 *   <li>The escape character (the Dockerfile's, {@code \} or {@code `}) makes the next character literal and
 *       is removed; at the very end it is dropped. Inside double quotes it escapes only {@code "}, {@code $}
 *       and itself, and stays otherwise. Single quotes: everything literal. Quotes are removed.</li>
 * </ul>
 * Errors are Docker's, prefixed as Docker prefixes them: {@code failed to process "<word>": <reason>}.
 *
 * <p>Which instruction expands what is the builder's business; for the reader, moby's legacy builder
 * expands, with the environment as it was before the instruction (ENV, build args):
 * ENV, LABEL and ARG names and values; ADD and COPY sources and destination (each whitespace-separated
 * field on its own, see {@link Instruction#fields()}) and their {@code --chown}, {@code --chmod} and (ADD)
 * {@code --checksum}; WORKDIR; USER; VOLUME (each field); STOPSIGNAL; EXPOSE (each field with
 * {@link #words}, so one variable may yield several ports); FROM's image and {@code --platform}, with the
 * global ARGs only. Not expanded: RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD, MAINTAINER, COPY's
 * {@code --from}.
 */
public final class ShellLexer {

    private static final int EOF = -1;
    private static final Pattern WHITESPACE = Pattern.compile("[\\t\\u000B\\f\\r ]+");

    private final char escape;

    public ShellLexer(char escape) {
        this.escape = escape;
    }

    /**
     * One word expanded (Docker's ProcessWord): variables substituted, quotes and escapes removed, whitespace
     * kept. A variable absent from {@code env} or mapped to null is unset.
     */
    public String expand(String word, Map<String, String> env) throws BuildException {
        return new Run(word, env).processAll().text();
    }

    /**
     * Text expanded and split into words at unquoted whitespace (Docker's ProcessWords), e.g. EXPOSE's
     * arguments: {@code "a b" c} gives {@code [a b, c]}; the value of an unquoted variable is split too.
     * As in Docker, an empty word is never produced ({@code ""} alone gives no word).
     */
    public List<String> words(String text, Map<String, String> env) throws BuildException {
        return new Run(text, env).processAll().words();
    }

    /**
     * The arguments of ENV, LABEL or ARG ({@code keyword}, upper-case) as ordered name/value pairs, names and
     * values expanded with {@code env} (the environment before the instruction: in {@code ENV a=1 b=$a},
     * {@code $a} is the previous a).
     * <ul>
     *   <li>{@code k=v k2="v 2" k3=v\ 3}: words split at unquoted whitespace, each cut at its first {@code =}.</li>
     *   <li>ENV and LABEL also take the old form {@code ENV name value with spaces} (used when the first word
     *       has no {@code =}): the name, then everything after the first whitespace as one value.</li>
     *   <li>ARG: {@code ARG name} has a null value, {@code ARG name=default} a value; several may follow.</li>
     * </ul>
     */
    public List<Map.Entry<String, String>> pairs(String keyword, String text, Map<String, String> env) throws BuildException {
        List<Map.Entry<String, String>> raw = rawPairs(keyword, text);
        if (raw.isEmpty()) {
            throw new BuildException(keyword + " requires at least one argument");
        }
        List<Map.Entry<String, String>> expanded = new ArrayList<>(raw.size());
        for (Map.Entry<String, String> pair : raw) {
            if (pair.getKey().isEmpty()) {
                throw new BuildException(keyword + " names can not be blank");
            }
            String value = pair.getValue() == null ? null : expand(pair.getValue(), env);
            expanded.add(pair(expand(pair.getKey(), env), value));
        }
        return expanded;
    }

    /**
     * The pairs of {@link #pairs} as written (quotes and escapes kept, nothing expanded), checked for
     * Docker's parse-time syntax errors only: {@code ENV must have two arguments} (old form without a value)
     * and {@code Syntax error - can't find = in "x". Must be of the form: name=value}. A blank name is
     * returned as "" for the caller to refuse.
     */
    List<Map.Entry<String, String>> rawPairs(String keyword, String text) throws BuildException {
        List<String> words = splitKeepingQuotes(text);
        List<Map.Entry<String, String>> pairs = new ArrayList<>(words.size());
        switch (keyword) {
            case "ARG" -> {
                for (String word : words) {
                    int eq = word.indexOf('=');
                    pairs.add(eq < 0 ? pair(word, null) : pair(word.substring(0, eq), word.substring(eq + 1)));
                }
            }
            case "ENV", "LABEL" -> {
                if (words.isEmpty()) {
                    return pairs;
                }
                if (!words.get(0).contains("=")) {
                    String[] nameAndValue = WHITESPACE.split(text, 2);
                    if (nameAndValue.length < 2) {
                        throw new BuildException(keyword + " must have two arguments");
                    }
                    pairs.add(pair(nameAndValue[0], nameAndValue[1]));
                    return pairs;
                }
                for (String word : words) {
                    int eq = word.indexOf('=');
                    if (eq < 0) {
                        throw new BuildException("Syntax error - can't find = in " + GoText.quote(word)
                                + ". Must be of the form: name=value");
                    }
                    pairs.add(pair(word.substring(0, eq), word.substring(eq + 1)));
                }
            }
            default -> throw new IllegalArgumentException("no name/value arguments for " + keyword);
        }
        return pairs;
    }

    /**
     * Docker's parser-side word split ({@code parseWords}): at unquoted whitespace, with quotes and escapes
     * kept in the words for {@link #expand} to remove later; {@code ""} makes a (quoted) word.
     */
    List<String> splitKeepingQuotes(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        boolean blankOk = false;
        int quote = 0;
        int[] chars = text.codePoints().toArray();
        for (int i = 0; i < chars.length; i++) {
            int c = chars[i];
            if (quote == 0) {
                if (GoText.isSpace(c)) {
                    if (inWord && (blankOk || word.length() > 0)) {
                        words.add(word.toString());
                    }
                    word.setLength(0);
                    inWord = false;
                    blankOk = false;
                    continue;
                }
                inWord = true;
                if (c == '\'' || c == '"') {
                    quote = c;
                    blankOk = true;
                }
                if (c == escape) {
                    if (i + 1 == chars.length) {
                        continue; // an escape at the very end is dropped
                    }
                    word.appendCodePoint(c);
                    c = chars[++i];
                }
                word.appendCodePoint(c);
            } else {
                if (c == quote) {
                    quote = 0;
                } else if (c == escape && quote != '\'') {
                    if (i + 1 == chars.length) {
                        quote = 0;
                        continue;
                    }
                    word.appendCodePoint(c);
                    c = chars[++i];
                }
                word.appendCodePoint(c);
            }
        }
        if (inWord && (blankOk || word.length() > 0)) {
            words.add(word.toString());
        }
        return words;
    }

    private static Map.Entry<String, String> pair(String name, String value) {
        return new AbstractMap.SimpleImmutableEntry<>(name, value);
    }

    /** What one pass over the input produced: the joined text and the whitespace-split words. */
    private record Result(String text, List<String> words) {}

    /** Words being collected: unquoted whitespace ends a word, quoted text never does. */
    private static final class WordCollector {
        private final List<String> words = new ArrayList<>();
        private final StringBuilder current = new StringBuilder();
        private boolean inWord;

        void addChar(int c) {
            if (GoText.isSpace(c)) {
                if (inWord && current.length() > 0) {
                    words.add(current.toString());
                    current.setLength(0);
                    inWord = false;
                }
            } else {
                addRawChar(c);
            }
        }

        void addRawChar(int c) {
            current.appendCodePoint(c);
            inWord = true;
        }

        void addString(String s) {
            s.codePoints().forEach(this::addChar);
        }

        void addRawString(String s) {
            current.append(s);
            inWord = true;
        }

        List<String> finish() {
            if (current.length() > 0) {
                words.add(current.toString());
                current.setLength(0);
            }
            return words;
        }
    }

    /** One expansion of one input: a cursor over its code points. */
    private final class Run {
        private final String source;
        private final int[] chars;
        private final Map<String, String> env;
        private int pos;
        private boolean rawEscapes;

        Run(String source, Map<String, String> env) {
            this.source = source;
            this.chars = source.codePoints().toArray();
            this.env = env;
        }

        Result processAll() throws BuildException {
            try {
                return processUntil(EOF, false);
            } catch (BuildException e) {
                throw new BuildException("failed to process " + GoText.quote(source) + ": " + e.getMessage());
            }
        }

        private int peek() {
            return pos < chars.length ? chars[pos] : EOF;
        }

        private int next() {
            return pos < chars.length ? chars[pos++] : EOF;
        }

        /**
         * Reads up to {@code stop} (consumed) or the end. With {@code keepEscapes} the escape characters stay
         * in the text (pattern words of {@code ${a#...}} and {@code ${a/.../...}}).
         */
        private Result processUntil(int stop, boolean keepEscapes) throws BuildException {
            boolean outerRawEscapes = rawEscapes;
            rawEscapes = keepEscapes;
            try {
                StringBuilder text = new StringBuilder();
                WordCollector words = new WordCollector();
                while (peek() != EOF) {
                    int c = peek();
                    if (stop != EOF && c == stop) {
                        next();
                        return new Result(text.toString(), words.finish());
                    }
                    switch (c) {
                        case '$' -> {
                            String value = processDollar();
                            text.append(value);
                            words.addString(value);
                        }
                        case '<' -> {
                            String value = processPossibleHeredoc();
                            text.append(value);
                            words.addRawString(value);
                        }
                        case '\'', '"' -> {
                            String value = c == '\'' ? processSingleQuote() : processDoubleQuote();
                            text.append(value);
                            words.addRawString(value);
                        }
                        default -> {
                            next();
                            if (c == escape) {
                                if (rawEscapes) {
                                    words.addRawChar(c);
                                    text.appendCodePoint(c);
                                }
                                c = next();
                                if (c == EOF) {
                                    return endOfInput(stop, text, words);
                                }
                                words.addRawChar(c);
                            } else {
                                words.addChar(c);
                            }
                            text.appendCodePoint(c);
                        }
                    }
                }
                return endOfInput(stop, text, words);
            } finally {
                rawEscapes = outerRawEscapes;
            }
        }

        private Result endOfInput(int stop, StringBuilder text, WordCollector words) throws BuildException {
            if (stop != EOF) {
                throw new BuildException("unexpected end of statement while looking for matching " + Character.toString(stop));
            }
            return new Result(text.toString(), words.finish());
        }

        private String processSingleQuote() throws BuildException {
            next();
            StringBuilder out = new StringBuilder();
            for (int c = next(); c != '\''; c = next()) {
                if (c == EOF) {
                    throw new BuildException("unexpected end of statement while looking for matching single-quote");
                }
                out.appendCodePoint(c);
            }
            return out.toString();
        }

        private String processDoubleQuote() throws BuildException {
            next();
            StringBuilder out = new StringBuilder();
            while (true) {
                int c = peek();
                if (c == EOF) {
                    throw new BuildException("unexpected end of statement while looking for matching double-quote");
                }
                if (c == '"') {
                    next();
                    return out.toString();
                }
                if (c == '$') {
                    out.append(processDollar());
                    continue;
                }
                next();
                if (c == escape) {
                    if (rawEscapes) {
                        out.appendCodePoint(c);
                    }
                    int following = peek();
                    if (following == EOF) {
                        continue; // the missing closing quote is reported next
                    }
                    if (following == '"' || following == '$' || following == escape) {
                        c = next();
                    }
                }
                out.appendCodePoint(c);
            }
        }

        /** {@code <<} and the whitespace after it stay together (Docker's heredoc marker handling). */
        private String processPossibleHeredoc() {
            next();
            if (peek() != '<') {
                return "<";
            }
            next();
            StringBuilder marker = new StringBuilder("<<");
            while (peek() == ' ' || peek() == '\t' || peek() == '\r') {
                marker.appendCodePoint(next());
            }
            return marker.toString();
        }

        private String processDollar() throws BuildException {
            next();
            if (peek() != '{') {
                String name = processName();
                return name.isEmpty() ? "$" : valueOrEmpty(name);
            }
            next();
            switch (peek()) {
                case EOF -> throw new BuildException("syntax error: missing '}'");
                case '{', '}', ':' -> throw new BuildException("syntax error: bad substitution");
                default -> { }
            }
            String name = processName();
            int modifier = next();
            String modifierText = goString(modifier);
            boolean emptyIsUnset = false;
            if (modifier == '}') {
                return valueOrEmpty(name);
            }
            if (modifier == '/') {
                return substitute(name);
            }
            if (modifier == ':') {
                emptyIsUnset = true;
                modifier = next();
                modifierText += goString(modifier);
            } else if (modifier != '+' && modifier != '-' && modifier != '?' && modifier != '#' && modifier != '%') {
                throw unsupportedModifier(modifierText);
            }
            boolean patternWord = modifier == '#' || modifier == '%';
            if (emptyIsUnset && patternWord) {
                throw unsupportedModifier(modifierText);
            }
            String word = wordUntil('}', patternWord, "syntax error: missing '}'");
            String value = env.get(name);
            boolean set = value != null;
            boolean setAndUseful = set && !(emptyIsUnset && value.isEmpty());
            return switch (modifier) {
                case '-' -> setAndUseful ? value : word;
                case '+' -> setAndUseful ? word : "";
                case '?' -> {
                    if (!set) {
                        throw new BuildException(name + ": " + (word.isEmpty() ? "is not allowed to be unset" : word));
                    }
                    if (!setAndUseful) {
                        throw new BuildException(name + ": " + (word.isEmpty() ? "is not allowed to be empty" : word));
                    }
                    yield value;
                }
                case '#', '%' -> removeAffix(modifier, word, set ? value : "");
                default -> throw unsupportedModifier(modifierText);
            };
        }

        /** The word of a modifier, read up to {@code stop}; at the end of input, {@code missing} is the error. */
        private String wordUntil(int stop, boolean keepEscapes, String missing) throws BuildException {
            try {
                return processUntil(stop, keepEscapes).text();
            } catch (BuildException e) {
                throw peek() == EOF ? new BuildException(missing) : e;
            }
        }

        /** {@code ${name#p}}, {@code ${name##p}}, {@code ${name%p}}, {@code ${name%%p}}. */
        private String removeAffix(int modifier, String word, String value) throws BuildException {
            boolean longest = !word.isEmpty() && word.charAt(0) == modifier;
            String pattern = longest ? word.substring(1) : word;
            if (modifier == '#') {
                return removePrefix(pattern, value, longest);
            }
            String reversed = removePrefix(reversePattern(pattern), reverse(value), longest);
            return reverse(reversed);
        }

        private String removePrefix(String pattern, String value, boolean longest) throws BuildException {
            Matcher m = shellPattern(pattern, longest, true).matcher(value);
            return m.find() ? value.substring(m.end()) : value;
        }

        /** {@code ${name/pattern/replacement}} (first match) and {@code ${name//pattern/replacement}} (all). */
        private String substitute(String name) throws BuildException {
            boolean all = peek() == '/';
            if (all) {
                next();
            }
            String pattern = wordUntil('/', true, "syntax error: missing '/' in ${}");
            String replacement = wordUntil('}', true, "syntax error: missing '}'");
            String value = valueOrEmpty(name);
            Matcher m = shellPattern(pattern, true, false).matcher(value);
            return all ? m.replaceAll(Matcher.quoteReplacement(replacement))
                    : m.replaceFirst(Matcher.quoteReplacement(replacement));
        }

        private String processName() {
            StringBuilder name = new StringBuilder();
            while (peek() != EOF) {
                int c = peek();
                if (name.length() == 0 && Character.isDigit(c)) {
                    while (peek() != EOF && Character.isDigit(peek())) {
                        name.appendCodePoint(next());
                    }
                    return name.toString();
                }
                if (name.length() == 0 && isSpecialParameter(c)) {
                    return Character.toString(next());
                }
                if (!Character.isLetter(c) && !Character.isDigit(c) && c != '_') {
                    break;
                }
                name.appendCodePoint(next());
            }
            return name.toString();
        }

        private String valueOrEmpty(String name) {
            String value = env.get(name);
            return value == null ? "" : value;
        }
    }

    private static boolean isSpecialParameter(int c) {
        return switch (c) {
            case '@', '*', '#', '?', '-', '$', '!', '0' -> true;
            default -> false;
        };
    }

    /** Go's {@code string(rune)}: the end of input (-1) prints as U+FFFD. */
    private static String goString(int c) {
        return c == EOF ? "\uFFFD" : Character.toString(c);
    }

    private static BuildException unsupportedModifier(String modifier) {
        return new BuildException("unsupported modifier (" + modifier + ") in substitution");
    }

    /**
     * A shell pattern as a regex: {@code *} any run (shortest unless {@code longest}), {@code ?} one
     * character, {@code \} quotes {@code * ? \} (and is dropped before {@code } /}), the rest literal.
     */
    private static Pattern shellPattern(String pattern, boolean longest, boolean anchored) throws BuildException {
        StringBuilder regex = new StringBuilder(anchored ? "^" : "");
        int[] chars = pattern.codePoints().toArray();
        for (int i = 0; i < chars.length; i++) {
            int c = chars[i];
            switch (c) {
                case '*' -> regex.append(longest ? ".*" : ".*?");
                case '?' -> regex.append('.');
                case '\\' -> {
                    int following = i + 1 < chars.length ? chars[i + 1] : EOF;
                    if (following == '}' || following == '/') {
                        continue;
                    }
                    if (following != '*' && following != '?' && following != '\\') {
                        throw new BuildException("invalid pattern (" + pattern + ") in substitution: invalid escape '\\"
                                + goString(following) + "'");
                    }
                    regex.append('\\').appendCodePoint(following);
                    i++;
                }
                default -> {
                    if ("[]{}.+()|^$".indexOf(c) >= 0) {
                        regex.append('\\');
                    }
                    regex.appendCodePoint(c);
                }
            }
        }
        return Pattern.compile(regex.toString(), Pattern.UNIX_LINES);
    }

    /** The pattern read backwards, each {@code \x} pair kept in order. */
    private static String reversePattern(String pattern) {
        int[] chars = pattern.codePoints().toArray();
        int[] out = new int[chars.length];
        int last = chars.length - 1;
        for (int i = 0; i <= last; ) {
            if (chars[i] == '\\' && i != last) {
                out[last - i - 1] = chars[i];
                out[last - i] = chars[i + 1];
                i += 2;
            } else {
                out[last - i] = chars[i];
                i++;
            }
        }
        return new String(out, 0, out.length);
    }

    private static String reverse(String s) {
        return new StringBuilder(s).reverse().toString();
    }
}
