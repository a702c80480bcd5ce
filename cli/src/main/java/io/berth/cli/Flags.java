package io.berth.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Docker-style command-line flags (as the docker CLI's pflag parses them): {@code --name value},
 * {@code --name=value}, {@code -e VALUE}, {@code -eVALUE}, combined booleans such as {@code -it}, repeated
 * flags, and {@code --} ending the flags. For run, create and exec, parsing stops at the first argument
 * that is not a flag (the image), so the command's own flags pass through.
 */
public final class Flags {

    /** Thrown for a flag the command does not know or a flag missing its value; the message is docker's. */
    public static final class UsageException extends Exception {
        public UsageException(String message) {
            super(message);
        }
    }

    /** Thrown when {@code --help} stands where a flag may: the caller prints the command's usage. */
    public static final class HelpRequested extends Exception {
        public HelpRequested() {
            super("help requested", null, false, false);
        }
    }

    private record Spec(String longName, boolean takesValue) {}

    private final Map<String, Spec> byName = new HashMap<>();
    private final Map<String, List<String>> values = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();
    private final boolean stopAtPositional;

    public Flags(boolean stopAtPositional) {
        this.stopAtPositional = stopAtPositional;
    }

    /** Declares a boolean flag; {@code names} are like "-d", "--detach". */
    public Flags flag(String... names) {
        return declare(false, names);
    }

    /** Declares a flag with a value. */
    public Flags option(String... names) {
        return declare(true, names);
    }

    private Flags declare(boolean takesValue, String... names) {
        String longName = names[names.length - 1].replaceFirst("^-+", "");
        for (String n : names) {
            byName.put(n, new Spec(longName, takesValue));
        }
        return this;
    }

    public Flags parse(List<String> args) throws UsageException, HelpRequested {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--")) {
                positional.addAll(args.subList(i + 1, args.size()));
                break;
            }
            if (a.equals("--help") || (a.equals("-h") && !byName.containsKey("-h"))) {
                throw new HelpRequested();
            }
            if (a.startsWith("--")) {
                int eq = a.indexOf('=');
                String name = eq < 0 ? a : a.substring(0, eq);
                Spec spec = byName.get(name);
                if (spec == null) {
                    throw new UsageException("unknown flag: " + name);
                }
                if (!spec.takesValue) {
                    String v = eq < 0 ? "true" : a.substring(eq + 1);
                    add(spec, v);
                } else if (eq >= 0) {
                    add(spec, a.substring(eq + 1));
                } else if (i + 1 < args.size()) {
                    add(spec, args.get(++i));
                } else {
                    throw new UsageException("flag needs an argument: " + name);
                }
            } else if (a.startsWith("-") && a.length() > 1) {
                for (int k = 1; k < a.length(); k++) {
                    String name = "-" + a.charAt(k);
                    Spec spec = byName.get(name);
                    if (spec == null) {
                        throw new UsageException("unknown shorthand flag: '" + a.charAt(k) + "' in " + a);
                    }
                    if (!spec.takesValue) {
                        if (k + 1 < a.length() && a.charAt(k + 1) == '=') {
                            add(spec, a.substring(k + 2)); // -H=false
                            break;
                        }
                        add(spec, "true");
                        continue;
                    }
                    String rest = a.substring(k + 1);
                    if (rest.startsWith("=")) {
                        rest = rest.substring(1);
                    }
                    if (!rest.isEmpty()) {
                        add(spec, rest);
                    } else if (i + 1 < args.size()) {
                        add(spec, args.get(++i));
                    } else {
                        throw new UsageException("flag needs an argument: '" + a.charAt(k) + "' in " + a);
                    }
                    break;
                }
            } else {
                if (stopAtPositional) {
                    positional.addAll(args.subList(i, args.size()));
                    break;
                }
                positional.add(a);
            }
        }
        return this;
    }

    private void add(Spec spec, String value) {
        values.computeIfAbsent(spec.longName, k -> new ArrayList<>()).add(value);
    }

    public boolean has(String longName) {
        return values.containsKey(longName);
    }

    public boolean bool(String longName) {
        List<String> v = values.get(longName);
        return v != null && !v.get(v.size() - 1).equalsIgnoreCase("false");
    }

    public String get(String longName) {
        List<String> v = values.get(longName);
        return v == null ? null : v.get(v.size() - 1);
    }

    public String get(String longName, String fallback) {
        String v = get(longName);
        return v == null ? fallback : v;
    }

    public List<String> all(String longName) {
        return values.getOrDefault(longName, List.of());
    }

    public List<String> positional() {
        return positional;
    }
}
