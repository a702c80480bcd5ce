package io.berth.it.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Kills berthd with SIGKILL at named points inside the command path (berthd's CrashPoints, switched on by
 * -Dberth.crash) and checks, after a restart, that every call that was answered 2xx is present, that
 * intents without an outcome were resolved against the kernel, and that nothing the log does not know is
 * left on the host.
 */
class CrashPointsE2EIT {

    private static final Path SRC = Path.of(System.getProperty("berth.src", "..")).toAbsolutePath().normalize();

    private Path root;
    private Process daemon;

    record Result(int code, String out, String err) {}

    @BeforeEach
    void setUp() throws Exception {
        assertEquals("root", System.getProperty("user.name"), "end-to-end tests must run as root");
        root = Files.createTempDirectory(Path.of("/tmp"), "bcr");
        startDaemon(null);
        Path tar = root.resolve("busybox.tar");
        run(List.of(SRC.resolve("scripts/busybox-rootfs.sh").toString(), tar.toString()), Map.of());
        assertEquals(0, docker("import", tar.toString(), "busybox:latest").code());
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (daemon == null || !daemon.isAlive()) {
                startDaemon(null);
            }
            Result ids = docker("ps", "-aq");
            for (String id : ids.out().split("\\s+")) {
                if (!id.isBlank()) {
                    docker("rm", "-f", id);
                }
            }
            String cgroupsLeft = leftoverCgroups();
            stopDaemon();
            assertEquals("", cgroupsLeft, "cgroups left after removing every container");
            assertEquals("", run(List.of("sh", "-c", "pgrep -f '[b]erth-monitor start " + root + "' || true"), Map.of()).out().trim(),
                    "monitors left");
        } finally {
            if (daemon != null && daemon.isAlive()) {
                daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            run(List.of("sh", "-c", "pkill -9 -f 'berth-monitor start " + root + "'; rm -rf " + root), Map.of());
        }
    }

    private String daemonId() throws Exception {
        String key = root.resolve("data").toAbsolutePath() + "\0" + root.resolve("exec").toAbsolutePath();
        byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        return java.util.HexFormat.of().formatHex(d).substring(0, 8);
    }

    /** Container cgroups this daemon left (its parent may stay, empty). */
    private String leftoverCgroups() throws Exception {
        return run(List.of("sh", "-c", "find /sys/fs/cgroup -mindepth 3 -maxdepth 3 -path '*/berth-" + daemonId() + "/*' -type d"),
                Map.of()).out().trim();
    }

    private void startDaemon(String crashPoint) throws Exception {
        List<String> cmd = List.of(SRC.resolve("bin/berthd").toString(), "--data-root", root.resolve("data").toString(),
                "--exec-root", root.resolve("exec").toString(), "-H", "unix://" + root.resolve("b.sock"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve("berthd.log").toFile()));
        if (crashPoint != null) {
            pb.environment().put("BERTH_JAVA_OPTS", "-Dberth.crash=" + crashPoint);
        }
        Files.deleteIfExists(root.resolve("b.sock"));
        daemon = pb.start();
        for (int i = 0; i < 300 && !Files.exists(root.resolve("b.sock")); i++) {
            assertTrue(daemon.isAlive(), "berthd died at start: " + log());
            Thread.sleep(50);
        }
        assertEquals(0, docker("version").code(), log());
    }

    private void stopDaemon() throws Exception {
        daemon.destroy();
        assertTrue(daemon.waitFor(30, TimeUnit.SECONDS));
    }

    private String log() throws IOException {
        Path p = root.resolve("berthd.log");
        return Files.exists(p) ? Files.readString(p) : "";
    }

    private Result docker(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("docker"));
        cmd.addAll(List.of(args));
        return run(cmd, Map.of("DOCKER_HOST", "unix://" + root.resolve("b.sock"), "DOCKER_CONFIG", root.resolve("dc").toString()));
    }

    private static Result run(List<String> cmd, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Path out = Files.createTempFile("berth-it", ".out");
        Path err = Files.createTempFile("berth-it", ".err");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + cmd);
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Restarts berthd with a crash point, runs {@code call}, and expects the daemon to die with SIGKILL. */
    private Result crashOn(String point, String... call) throws Exception {
        stopDaemon();
        startDaemon(point);
        Result r = docker(call);
        assertTrue(daemon.waitFor(30, TimeUnit.SECONDS), "berthd did not reach crash point " + point);
        assertEquals(137, daemon.exitValue(), "berthd was killed by SIGKILL at " + point + "\n" + log());
        assertNotEquals(0, r.code(), "a call that crashed the daemon got no 2xx");
        startDaemon(null);
        return r;
    }

    private String inspect(String name, String format) throws Exception {
        return docker("inspect", "-f", format, name).out().trim();
    }

    @Test
    void startIntentDurableButNotActedOn() throws Exception {
        assertEquals(0, docker("create", "--name", "c1", "busybox", "sh", "-c", "echo up; sleep 1000").code());
        crashOn("journal.appended:ContainerStartRequested", "start", "c1");
        // the intent was durable, nothing ran: the reconciler records the failed start
        assertEquals("created", inspect("c1", "{{.State.Status}}"));
        assertTrue(inspect("c1", "{{.State.Error}}").contains("daemon stopped before the start completed"));
        assertEquals("", leftoverCgroups());
        assertEquals(0, docker("start", "c1").code(), "the container starts normally afterwards");
        assertEquals("true", inspect("c1", "{{.State.Running}}"));
    }

    @Test
    void crashAfterTheReplyBeforeTheSideEffect() throws Exception {
        assertEquals(0, docker("run", "-d", "--name", "k1", "busybox", "sh", "-c",
                "trap 'echo got USR1' USR1; while true; do sleep 0.1; done").code());
        // docker kill -s answers once the intent is recorded; the daemon dies before sending the signal
        stopDaemon();
        startDaemon("runtime.before-side-effect:ContainerKillRequested");
        docker("kill", "-s", "USR1", "k1");
        assertTrue(daemon.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, daemon.exitValue());
        startDaemon(null);
        assertEquals("true", inspect("k1", "{{.State.Running}}"), "the container outlived the crash");
        assertEquals(0, docker("stop", "-t", "1", "k1").code());
        assertEquals("false", inspect("k1", "{{.State.Running}}"));
    }

    @Test
    void crashInTheMiddleOfAStart() throws Exception {
        assertEquals(0, docker("create", "--name", "m1", "busybox", "sh", "-c", "echo up; while true; do sleep 0.2; done").code());
        crashOn("runtime.mid-start", "start", "m1");
        // the process was created before the crash: the reconciler adopts it
        assertEquals("true", inspect("m1", "{{.State.Running}}"), log());
        Thread.sleep(500);
        assertTrue(docker("logs", "m1").out().contains("up"));
        assertEquals(0, docker("rm", "-f", "m1").code());
        assertEquals("", leftoverCgroups());
    }

    @Test
    void removalIntentIsCarriedOutAfterACrash() throws Exception {
        assertEquals(0, docker("create", "--name", "r1", "busybox", "true").code());
        crashOn("journal.appended:ContainerRemoveRequested", "rm", "r1");
        Result gone = docker("inspect", "r1");
        assertEquals(1, gone.code(), "the removal was finished at boot: " + gone.out());
        assertTrue(gone.err().contains("No such"), gone.err());
        try (var dirs = Files.list(root.resolve("data/containers"))) {
            assertEquals(0, dirs.count(), "no container files left");
        }
    }

    @Test
    void exitWhileTheDaemonIsDownKeepsTheRealExitCode() throws Exception {
        assertEquals(0, docker("run", "-d", "--name", "e1", "busybox", "sh", "-c", "sleep 2; exit 7").code());
        assertEquals(0, docker("run", "-d", "--name", "e2", "busybox", "sh", "-c", "while true; do echo tick; sleep 0.3; done").code());
        daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        Thread.sleep(3000);
        startDaemon(null);
        assertEquals("7", inspect("e1", "{{.State.ExitCode}}"));
        assertEquals("true", inspect("e2", "{{.State.Running}}"));
        String before = docker("logs", "e2").out();
        Thread.sleep(1000);
        assertTrue(docker("logs", "e2").out().length() > before.length(), "e2 still logs after the restart");
    }
}
