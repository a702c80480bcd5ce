package io.berth.it.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.it.BerthDaemon;
import java.nio.file.Files;
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

    private BerthDaemon d;

    @BeforeEach
    void setUp() throws Exception {
        d = BerthDaemon.launch();
        d.importBusybox();
    }

    @AfterEach
    void tearDown() throws Exception {
        d.close();
    }

    /** Restarts berthd with a crash point, runs the docker command, and expects the daemon to die with SIGKILL. */
    private void crashOn(String point, String... call) throws Exception {
        d.stop();
        d.start(point);
        BerthDaemon.Result r = d.docker(call);
        assertTrue(d.process().waitFor(30, TimeUnit.SECONDS), "berthd did not reach crash point " + point);
        assertEquals(137, d.process().exitValue(), "berthd was killed by SIGKILL at " + point + "\n" + d.log());
        assertNotEquals(0, r.code(), "a call that crashed the daemon got no 2xx");
        d.start(null);
    }

    private String inspect(String name, String format) throws Exception {
        return d.docker("inspect", "-f", format, name).out().trim();
    }

    @Test
    void startIntentDurableButNotActedOn() throws Exception {
        d.docker("create", "--name", "c1", "busybox", "sh", "-c", "echo up; sleep 1000").ok();
        crashOn("journal.appended:ContainerStartRequested", "start", "c1");
        // the intent was durable and nothing ran: the reconciler records the failed start
        assertEquals("created", inspect("c1", "{{.State.Status}}"));
        assertTrue(inspect("c1", "{{.State.Error}}").contains("daemon stopped before the start completed"));
        assertEquals("", d.leftoverCgroups());
        d.docker("start", "c1").ok();
        assertEquals("true", inspect("c1", "{{.State.Running}}"));
    }

    @Test
    void crashAfterTheReplyBeforeTheSideEffect() throws Exception {
        d.docker("run", "-d", "--name", "k1", "busybox", "sh", "-c",
                "trap 'echo got USR1' USR1; while true; do sleep 0.1; done").ok();
        // docker kill -s answers once the intent is recorded; the daemon dies before sending the signal
        d.stop();
        d.start("runtime.before-side-effect:ContainerKillRequested");
        d.docker("kill", "-s", "USR1", "k1");
        assertTrue(d.process().waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, d.process().exitValue());
        d.start(null);
        assertEquals("true", inspect("k1", "{{.State.Running}}"), "the container outlived the crash");
        d.docker("stop", "-t", "1", "k1").ok();
        assertEquals("false", inspect("k1", "{{.State.Running}}"));
    }

    @Test
    void crashInTheMiddleOfAStart() throws Exception {
        d.docker("create", "--name", "m1", "busybox", "sh", "-c", "echo up; while true; do sleep 0.2; done").ok();
        crashOn("runtime.mid-start", "start", "m1");
        // the process was created before the crash: the reconciler adopts it
        assertEquals("true", inspect("m1", "{{.State.Running}}"), d.log());
        Thread.sleep(500);
        assertTrue(d.docker("logs", "m1").out().contains("up"));
        d.docker("rm", "-f", "m1").ok();
        assertEquals("", d.leftoverCgroups());
    }

    @Test
    void connectAndDisconnectKilledBeforeTheHostIsChangedAreFinishedAtBoot() throws Exception {
        d.docker("network", "create", "cn").ok();
        d.docker("run", "-d", "--name", "j1", "busybox", "sleep", "1000").ok();
        String pid = inspect("j1", "{{.State.Pid}}");
        // the endpoint is recorded; the daemon dies before it gives the container its interface
        crashOn("journal.appended:EndpointAllocated", "network", "connect", "cn", "j1");
        assertEquals(pid, inspect("j1", "{{.State.Pid}}"), "the container ran on");
        String ip = inspect("j1", "{{(index .NetworkSettings.Networks \"cn\").IPAddress}}");
        assertTrue(ip.startsWith("10."), "the connect is recorded: " + ip);
        assertTrue(addresses(pid).contains(ip + "/"),
                "the boot finished the connect: the container has its address on cn");
        // the disconnect is recorded; the daemon dies before it takes the interface away
        crashOn("runtime.before-side-effect:ContainerDisconnected", "network", "disconnect", "cn", "j1");
        assertEquals("", inspect("j1", "{{range $k, $v := .NetworkSettings.Networks}}{{if eq $k \"cn\"}}{{$k}}{{end}}{{end}}"));
        assertFalse(addresses(pid).contains(ip + "/"),
                "the boot finished the disconnect: the address on cn is gone");
        d.docker("rm", "-f", "j1").ok();
        d.docker("network", "rm", "cn").ok();
    }

    /** The IPv4 addresses inside the network namespace of process {@code pid} (berth has no exec yet). */
    private static String addresses(String pid) throws Exception {
        return BerthDaemon.run(java.util.List.of("nsenter", "-t", pid, "-n", "ip", "-4", "-o", "addr"), java.util.Map.of(), null)
                .ok().out();
    }

    @Test
    void removalIntentIsCarriedOutAfterACrash() throws Exception {
        d.docker("create", "--name", "r1", "busybox", "true").ok();
        crashOn("journal.appended:ContainerRemoveRequested", "rm", "r1");
        BerthDaemon.Result gone = d.docker("inspect", "r1");
        assertEquals(1, gone.code(), "the removal was finished at boot: " + gone.out());
        assertTrue(gone.err().contains("No such"), gone.err());
        try (var dirs = Files.list(d.dataRoot().resolve("containers"))) {
            assertEquals(0, dirs.count(), "no container files left");
        }
    }

    @Test
    void exitWhileTheDaemonIsDownKeepsTheRealExitCode() throws Exception {
        d.docker("run", "-d", "--name", "e1", "busybox", "sh", "-c", "sleep 2; exit 7").ok();
        d.docker("run", "-d", "--name", "e2", "busybox", "sh", "-c", "while true; do echo tick; sleep 0.3; done").ok();
        d.kill9();
        Thread.sleep(3000);
        d.start(null);
        assertEquals("7", inspect("e1", "{{.State.ExitCode}}"));
        assertEquals("true", inspect("e2", "{{.State.Running}}"));
        String before = d.docker("logs", "e2").out();
        Thread.sleep(1000);
        assertTrue(d.docker("logs", "e2").out().length() > before.length(), "e2 still logs after the restart");
    }

    /**
     * {@link #storedFiles} once the files of images removed just before have gone: berthd deletes them on a
     * worker after the rmi is answered (a layer is renamed to a temporary name, then deleted).
     */
    private java.util.Set<String> settledStoredFiles() throws Exception {
        java.util.Set<String> last = storedFiles();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            Thread.sleep(300);
            java.util.Set<String> now = storedFiles();
            if (now.equals(last) && now.stream().noneMatch(f -> f.contains("/.tmp-"))) {
                return now;
            }
            last = now;
        }
        throw new AssertionError("the removed image's files did not go: " + last);
    }

    /** The layers the storage driver holds and the image configs stored, as names on disk. */
    private java.util.Set<String> storedFiles() throws Exception {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (String dir : new String[] {"storage/overlay/layers", "image/blobs/sha256"}) {
            try (var list = Files.list(d.dataRoot().resolve(dir))) {
                list.forEach(p -> out.add(dir + "/" + p.getFileName()));
            }
        }
        return out;
    }

    @Test
    void aLoadKilledBeforeItRegistersLeavesNoHalfImage() throws Exception {
        d.docker("run", "--name", "ww", "busybox", "sh", "-c", "echo two > /x").ok();
        d.docker("commit", "ww", "two:1").ok();
        d.docker("rm", "ww").ok();
        java.nio.file.Path archive = d.dataRoot().resolveSibling("two.tar");
        d.docker("save", "-o", archive.toString(), "two:1").ok();
        d.docker("rmi", "two:1").ok();
        java.util.Set<String> before = settledStoredFiles();

        crashOn("image.files-written:RegisterImage", "load", "-i", archive.toString());
        assertEquals(1, d.docker("image", "inspect", "two:1").code(), "a load that was not answered registered nothing");
        assertEquals(before, storedFiles(), "the layer and config written before the kill are removed at restart");
        d.docker("load", "-i", archive.toString()).ok();
        assertEquals("two", d.docker("run", "--rm", "two:1", "cat", "/x").ok().out().trim());
        Files.delete(archive);
    }

    @Test
    void aCommitKilledBeforeItRegistersLeavesNoHalfImage() throws Exception {
        d.docker("run", "-d", "--name", "cc", "busybox", "sh", "-c", "echo c > /c; sleep 1000").ok();
        Thread.sleep(300);
        java.util.Set<String> before = storedFiles();
        crashOn("image.files-written:RegisterImage", "commit", "cc", "half:1");
        assertEquals(1, d.docker("image", "inspect", "half:1").code());
        assertEquals(before, storedFiles());
        assertEquals("true", inspect("cc", "{{.State.Running}}"), "the container outlived the crash, thawed");
        d.docker("commit", "cc", "whole:1").ok();
        assertEquals("c", d.docker("run", "--rm", "whole:1", "cat", "/c").ok().out().trim());
    }
}
