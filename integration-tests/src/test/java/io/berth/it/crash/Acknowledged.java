package io.berth.it.crash;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The crash test's oracle: what the client was told. Every 2xx reply is recorded as the state it
 * implies (a created container exists, an acknowledged stop left it not running, ...); every call that
 * got no answer (the daemon died) or a 5xx marks what it touched as uncertain: it may or may not have
 * happened, and the next check only asks that it is whole, then takes what the daemon shows.
 */
final class Acknowledged {

    /** What a container must look like, from the acknowledged calls. */
    enum Expect {
        /** created and never started since. */
        CREATED,
        /** a long-running command was started: it runs, with the same pid until an acknowledged stop. */
        RUNNING,
        /** a short command was started: running, or exited with its own exit status. */
        STARTED_SHORT,
        /** an acknowledged stop or SIGKILL: not running. */
        STOPPED,
        /** a wait answered with the exit status. */
        EXITED
    }

    static final class Container {
        final String name;
        final String id;
        final boolean longRunning;
        final boolean bridged;
        Expect expect = Expect.CREATED;
        int exitCode;
        /** The pid seen after the last acknowledged start or check; empty when unknown. */
        String pid = "";
        /** User-defined networks it is a member of. */
        final Set<String> networks = new TreeSet<>();

        Container(String name, String id, boolean longRunning, boolean bridged) {
            this.name = name;
            this.id = id;
            this.longRunning = longRunning;
            this.bridged = bridged;
        }

        boolean mayRun() {
            return expect == Expect.RUNNING || expect == Expect.STARTED_SHORT;
        }
    }

    /** Containers by name. */
    final Map<String, Container> containers = new TreeMap<>();
    /** User-defined networks: name to id. */
    final Map<String, String> networks = new TreeMap<>();
    /** Image references made by import or tag. */
    final Set<String> images = new TreeSet<>();
    /** Ids of containers and networks, and image references, whose removal was acknowledged. */
    final Set<String> removed = new TreeSet<>();
    /** Names of containers and networks, and image references, touched by a call without a 2xx answer. */
    final Set<String> uncertain = new TreeSet<>();

    final Map<String, Integer> acknowledgedByOp = new TreeMap<>();
    final Map<String, Integer> unansweredByOp = new TreeMap<>();
    private final Deque<String> recent = new ArrayDeque<>();

    void acknowledged(String op, String what) {
        acknowledgedByOp.merge(op, 1, Integer::sum);
        remember("2xx " + op + " " + what);
    }

    void unanswered(String op, String what, String reply, String... touched) {
        unansweredByOp.merge(op, 1, Integer::sum);
        uncertain.addAll(java.util.List.of(touched));
        remember("?   " + op + " " + what + " -> " + reply);
    }

    void rejected(String op, String what, String reply) {
        remember("4xx " + op + " " + what + " -> " + reply);
    }

    void note(String line) {
        remember(line);
    }

    private void remember(String line) {
        recent.addLast(line);
        if (recent.size() > 60) {
            recent.removeFirst();
        }
    }

    int acknowledgedCount() {
        return acknowledgedByOp.values().stream().mapToInt(Integer::intValue).sum();
    }

    int unansweredCount() {
        return unansweredByOp.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** The last calls and their outcomes, oldest first, for a failure message. */
    String recentCalls() {
        return String.join("\n", recent);
    }

    boolean isSure(String name) {
        return !uncertain.contains(name);
    }
}
