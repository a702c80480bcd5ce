package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Containers outlive the daemon: SIGTERM, SIGKILL with exits meanwhile, and two daemons side by side. */
class RestartCrashE2EIT extends E2E {

    static final String TICKER = "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done";

    static int ticks(BerthDaemon daemon, String name) throws Exception {
        return (int) daemon.docker("logs", name).ok().out().lines().filter(l -> l.startsWith("tick ")).count();
    }

    @Test
    void sigtermLeavesContainersRunningAndARestartAdoptsThem() throws Exception {
        d.docker("run", "-d", "--name", "live", "busybox", "sh", "-c", TICKER).ok();
        String pid = d.inspect("live", "{{.State.Pid}}");
        Thread.sleep(500);
        d.stop();
        assertTrue(BerthDaemon.alive(pid), "the container runs on after SIGTERM to berthd");
        Thread.sleep(1000);
        assertTrue(BerthDaemon.alive(pid));
        d.start(null);

        String ps = d.docker("ps", "--format", "{{.Names}} {{.Status}}").ok().out();
        assertTrue(ps.matches("(?s)live Up .*"), "docker ps shows it running: " + ps);
        assertEquals("running " + pid, d.inspect("live", "{{.State.Status}} {{.State.Pid}}"));
        assertTrue(d.berth("ps").ok().out().contains("live"));
        int n = ticks(d, "live");
        assertTrue(n >= 7, "ticks written while the daemon was down are in the log: " + n);

        try (BerthDaemon.Bg follow = d.background("docker", "logs", "-f", "--tail", "0", "live")) {
            assertTrue(follow.awaitOut("tick " + (n + 3) + "\n", 10_000), "logs -f after the restart: " + follow.out() + follow.err());
            long t0 = System.nanoTime();
            d.docker("stop", "-t", "1", "live").ok();
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 8000);
            assertEquals(0, follow.await(10), "logs -f ended with the stop");
        }
        assertFalse(BerthDaemon.alive(pid), "docker stop after the restart ended the adopted container");
        assertEquals("exited", d.inspect("live", "{{.State.Status}}"));
        d.docker("rm", "live").ok();
        assertEquals(Set.of(), d.containerCgroups(), "no container cgroups left");
    }

    @Test
    void sigkillWhileOneRunsAndAnotherExits() throws Exception {
        String liveId = d.docker("run", "-d", "--name", "k-live", "busybox", "sh", "-c", TICKER).ok().out().trim();
        String exitId = d.docker("run", "-d", "--name", "k-exit", "busybox", "sh", "-c", "sleep 2; exit 7").ok().out().trim();
        d.docker("create", "--name", "k-created", "busybox", "true").ok();
        String livePid = d.inspect("k-live", "{{.State.Pid}}");
        String exitPid = d.inspect("k-exit", "{{.State.Pid}}");
        Thread.sleep(300);
        d.kill9();
        Thread.sleep(3000);
        assertFalse(BerthDaemon.alive(exitPid), "k-exit ended while the daemon was down");
        assertTrue(BerthDaemon.alive(livePid));
        d.start(null);

        assertEquals("running " + livePid, d.inspect("k-live", "{{.State.Status}} {{.State.Pid}}"));
        assertEquals("exited 7", d.inspect("k-exit", "{{.State.Status}} {{.State.ExitCode}}"), "the real exit code");
        assertEquals("7\n", d.docker("wait", "k-exit").ok().out());
        assertTrue(d.docker("ps", "-a", "--filter", "status=exited", "--format", "{{.Names}} {{.Status}}").ok().out()
                .contains("k-exit Exited (7)"));
        assertEquals("created", d.inspect("k-created", "{{.State.Status}}"));
        int n = ticks(d, "k-live");
        assertTrue(RunBasicsE2EIT.eventually(() -> ticks(d, "k-live") >= n + 3, 5000), "k-live still logs");

        // nothing the log does not know: one monitor and one cgroup for the one running container
        assertEquals(Set.of(liveId.substring(0, 12)).toString(), d.containerCgroups().stream().map(s -> s.substring(0, 12))
                .collect(Collectors.toCollection(TreeSet::new)).toString(), "cgroups of running containers only");
        List<Long> procs = d.processesMentioningRoot();
        procs.remove(Long.valueOf(d.pid()));
        assertEquals(1, procs.size(), "one monitor (k-live's) besides the daemon: " + d.leftoverProcesses());
        assertFalse(d.leftoverMounts().contains(exitId.substring(0, 12)), "k-exit's rootfs is unmounted: " + d.leftoverMounts());

        d.docker("stop", "-t", "1", "k-live").ok();
        d.docker("rm", "k-live", "k-exit", "k-created").ok();
        assertEquals(Set.of(), d.containerCgroups());
    }

    @Test
    void twoDaemonsSideBySide() throws Exception {
        try (BerthDaemon other = BerthDaemon.launch("--storage-driver", "vfs")) {
            other.importBusybox();
            assertNotEquals(d.daemonId(), other.daemonId());
            String theirs = other.docker("run", "-d", "--name", "theirs", "busybox", "sleep", "100").ok().out().trim();
            String ours = d.docker("run", "-d", "--name", "ours", "busybox", "sleep", "100").ok().out().trim();
            d.berth("run", "-d", "--name", "ours2", "busybox", "sleep", "100").ok();
            assertEquals(List.of("ours", "ours2"), d.docker("ps", "-a", "--format", "{{.Names}}").ok().out().lines().sorted().toList());
            assertEquals(List.of("theirs"), other.docker("ps", "-a", "--format", "{{.Names}}").ok().out().lines().toList());
            assertFalse(other.berth("ps", "-a").ok().out().contains("ours"));
            assertEquals(1, d.docker("inspect", theirs).code(), "one daemon does not know the other's containers");
            assertEquals("vfs", other.docker("info", "-f", "{{.Driver}}").ok().out().trim());
            String theirPid = other.inspect("theirs", "{{.State.Pid}}");

            // stopping every container of one daemon leaves the other's alone
            d.docker("stop", "-t", "1", "ours", "ours2").ok();
            d.docker("rm", "ours", "ours2").ok();
            assertEquals("running", other.inspect("theirs", "{{.State.Status}}"));
            assertTrue(BerthDaemon.alive(theirPid));
            assertEquals(Set.of(), d.containerCgroups());
            assertEquals(1, other.containerCgroups().size(), "the other's cgroup is intact: " + other.containerCgroups());

            // a restart of one does not sweep the other's containers
            d.restart();
            assertTrue(BerthDaemon.alive(theirPid), "berthd's boot reconciliation left the other daemon's container alone");
            other.docker("rm", "-f", "theirs").ok();
            assertFalse(ours.isEmpty());
        }
    }
}
