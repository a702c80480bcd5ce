package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** stdin (with its half-close), an interactive terminal in a real pty (tmux), and attach. */
class StdinTtyE2EIT extends E2E {

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void stdinReachesTheContainerAndItsEofEndsIt(String c) throws Exception {
        assertEquals("data\n", d.clientIn(c, "data\n", "run", "-i", "--rm", "busybox", "cat").ok().out());
        String big = "x".repeat(200_000) + "\n";
        assertEquals("200001\n", d.clientIn(c, big, "run", "-i", "--rm", "busybox", "wc", "-c").ok().out(),
                "a large stdin arrives whole");
        // without -i the container's stdin is closed at once
        assertEquals("", d.clientIn(c, "ignored\n", "run", "--rm", "busybox", "cat").ok().out());
    }

    // ---- a real terminal: tmux ----

    static BerthDaemon.Result tmux(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", "berth-e2e-" + ProcessHandle.current().pid()));
        cmd.addAll(List.of(args));
        return BerthDaemon.run(cmd, Map.of(), null, 20);
    }

    static String pane(String session) throws Exception {
        return tmux("capture-pane", "-p", "-J", "-S", "-100", "-t", session).out();
    }

    static String awaitPane(String session, String regex, long millis) throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(regex, java.util.regex.Pattern.MULTILINE);
        String text = "";
        while (System.currentTimeMillis() < deadline) {
            text = pane(session);
            if (p.matcher(text).find()) {
                return text;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the terminal never showed /" + regex + "/:\n" + text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void interactiveTerminal(String c) throws Exception {
        assertTrue(BerthDaemon.onPath("tmux"), "tmux is needed for the terminal test (the packages script installs it)");
        String cli = c.equals("docker")
                ? "env DOCKER_HOST=unix://" + d.socket() + " DOCKER_CONFIG=" + d.root.resolve("dockercfg") + " docker"
                : BerthDaemon.SRC.resolve("bin/berth") + " -H unix://" + d.socket();
        String session = "tty-" + c;
        tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30",
                cli + " run -it --rm busybox sh; echo EXIT=$?; sleep 120").ok();
        try {
            awaitPane(session, "^/ # $", 15_000);
            tmux("send-keys", "-t", session, "echo $((6*7))", "Enter").ok();
            awaitPane(session, "^42$", 5_000);
            tmux("send-keys", "-t", session, "tty", "Enter").ok();
            awaitPane(session, "^/dev/pts/0$", 5_000);
            tmux("send-keys", "-t", session, "stty size", "Enter").ok();
            awaitPane(session, "^30 100$", 5_000);
            tmux("resize-window", "-t", session, "-x", "80", "-y", "20").ok();
            Thread.sleep(300);
            tmux("send-keys", "-t", session, "stty size", "Enter").ok();
            awaitPane(session, "^20 80$", 5_000);
            tmux("send-keys", "-t", session, "exit 5", "Enter").ok();
            awaitPane(session, "^EXIT=5$", 10_000);
        } finally {
            tmux("kill-session", "-t", session);
        }
        if (!tmux("list-sessions").out().contains(":")) {
            tmux("kill-server");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void attachToADetachedContainerThatPrintsLater(String c) throws Exception {
        String n = name(c + "-att");
        d.client(c, "run", "-d", "--name", n, "busybox", "sh", "-c", "sleep 1.5; echo late; echo err >&2; exit 2").ok();
        BerthDaemon.Result attached = d.client(c, "attach", n);
        assertEquals("late\n", attached.out(), attached.all());
        assertTrue(attached.err().contains("err"), attached.err());
        assertEquals(2, attached.code(), "attach returns the container's exit code");
        d.client(c, "rm", n).ok();
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void attachWithStdin(String c) throws Exception {
        String n = name(c + "-atti");
        d.client(c, "run", "-d", "-i", "--name", n, "busybox", "sh", "-c", "read line; echo got $line").ok();
        Thread.sleep(300);
        BerthDaemon.Result r = d.clientIn(c, "hello\n", "attach", n);
        assertEquals("got hello\n", r.out(), r.all());
        assertEquals(0, r.code());
        d.client(c, "rm", n).ok();
    }
}
