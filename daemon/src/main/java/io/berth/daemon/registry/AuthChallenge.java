package io.berth.daemon.registry;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One challenge of a WWW-Authenticate header (RFC 7235): a scheme and its parameters. A registry asks
 * for a token with {@code Bearer realm="https://auth.example/token",service="registry.example",
 * scope="repository:app:pull,push"}, or for a password with {@code Basic realm="…"}. Parameter names
 * are lower-cased; values are unquoted (a quoted value may contain commas, as scopes do).
 *
 * @param scheme lower-case: "bearer", "basic", …
 * @param params the auth-params in header order
 */
public record AuthChallenge(String scheme, Map<String, String> params) {

    public AuthChallenge {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    public String param(String name) {
        return params.get(name);
    }

    /** Every challenge in a header value, in order; an unparseable tail is ignored. */
    public static List<AuthChallenge> parse(String header) {
        List<AuthChallenge> challenges = new ArrayList<>();
        if (header == null) {
            return challenges;
        }
        Scanner s = new Scanner(header);
        String scheme = s.token();
        while (scheme != null) {
            Map<String, String> params = new LinkedHashMap<>();
            String next = null;
            while (true) {
                s.skipSpaceAndCommas();
                int mark = s.pos;
                String name = s.token();
                if (name == null) {
                    break;
                }
                s.skipSpace();
                if (!s.eat('=')) {
                    // not a parameter: the scheme of the next challenge
                    next = name;
                    s.pos = mark + name.length();
                    break;
                }
                s.skipSpace();
                String value = s.peek() == '"' ? s.quoted() : s.token();
                params.put(name.toLowerCase(Locale.ROOT), value == null ? "" : value);
            }
            challenges.add(new AuthChallenge(scheme.toLowerCase(Locale.ROOT), params));
            scheme = next;
        }
        return challenges;
    }

    /** The first challenge with {@code scheme}, or null. */
    public static AuthChallenge find(List<AuthChallenge> challenges, String scheme) {
        for (AuthChallenge c : challenges) {
            if (c.scheme().equals(scheme)) {
                return c;
            }
        }
        return null;
    }

    private static final class Scanner {
        final String text;
        int pos;

        Scanner(String text) {
            this.text = text;
        }

        char peek() {
            return pos < text.length() ? text.charAt(pos) : 0;
        }

        boolean eat(char c) {
            if (peek() == c) {
                pos++;
                return true;
            }
            return false;
        }

        void skipSpace() {
            while (peek() == ' ' || peek() == '\t') {
                pos++;
            }
        }

        void skipSpaceAndCommas() {
            while (peek() == ' ' || peek() == '\t' || peek() == ',') {
                pos++;
            }
        }

        /** An RFC 7230 token, or null. */
        String token() {
            skipSpace();
            int start = pos;
            while (pos < text.length()) {
                char c = text.charAt(pos);
                if (c <= ' ' || c == ',' || c == '=' || c == '"' || c == ';') {
                    break;
                }
                pos++;
            }
            return pos > start ? text.substring(start, pos) : null;
        }

        String quoted() {
            StringBuilder b = new StringBuilder();
            pos++;
            while (pos < text.length()) {
                char c = text.charAt(pos++);
                if (c == '"') {
                    return b.toString();
                }
                if (c == '\\' && pos < text.length()) {
                    c = text.charAt(pos++);
                }
                b.append(c);
            }
            return b.toString();
        }
    }
}
