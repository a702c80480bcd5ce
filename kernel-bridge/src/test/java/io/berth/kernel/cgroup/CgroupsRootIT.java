package io.berth.kernel.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.berth.kernel.cgroup.Cgroups.CgroupSet;
import io.berth.kernel.cgroup.Cgroups.Limits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cgroups of the real kernel: limits are proven by what processes experience, not by reading the
 * files back. Needs root; fails (never skips) without it. Leaves no berth-test-* cgroup behind.
 */
class CgroupsRootIT {

    static final long MIB = 1024 * 1024;
    static final Limits LIMITS = new Limits(32 * MIB, 32 * MIB, 50_000, 100_000, 0, 6, "");

    static Cgroups cgroups;
    String parent;
    final List<Process> processes = new ArrayList<>();
    final List<CgroupSet> sets = new ArrayList<>();

    @BeforeAll
    static void needsRoot() throws IOException {
        String uid = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("Uid:")).findFirst().orElse("Uid: ?");
        if (!uid.split("\\s+")[1].equals("0")) {
            fail("CgroupsRootIT must run as root (" + uid + ")");
        }
        cgroups = CgroupsDiscovery.detect();
        System.out.println("cgroups: mode " + cgroups.mode() + ", controllers " + cgroups.controllers());
    }

    @BeforeEach
    void parent() {
        parent = "berth-test-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        IOException failure = null;
        for (CgroupSet s : sets) {
            try {
                s.destroy();
            } catch (IOException e) {
                failure = e;
            }
        }
        if (cgroups instanceof V1Cgroups v1) {
            v1.removeParent(parent);
        } else if (cgroups instanceof V2Cgroups v2) {
            v2.removeParent(parent);
        }
        if (failure != null) {
            throw failure;
        }
    }

    @AfterAll
    static void nothingLeftBehind() throws Exception {
        Process find = new ProcessBuilder("find", "/sys/fs/cgroup", "-name", "berth-test-*").start();
        String out = new String(find.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        find.waitFor();
        assertEquals("", out, "leftover test cgroups");
    }

    private CgroupSet create(String name, Limits limits) throws IOException {
        CgroupSet s = cgroups.create(parent, name, limits);
        sets.add(s);
        return s;
    }

    /** Starts {@code sh -c} that first joins every cgroup of the set by writing its own pid, then runs {@code script}. */
    private Process startIn(CgroupSet set, String script) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c",
                "for f in \"$@\"; do echo $$ > \"$f\" || exit 90; done; " + script, "sh"));
        cmd.addAll(set.procsFiles());
        Process p = new ProcessBuilder(cmd).start();
        processes.add(p);
        return p;
    }

    private static String run(Process p, int seconds) throws Exception {
        assertTrue(p.waitFor(seconds, TimeUnit.SECONDS), "process did not finish");
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    /** utime + stime of a process, in clock ticks. */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    @Test
    void modeAndControllersForDockerInfo() {
        assertTrue(List.of("v1", "v2", "hybrid").contains(cgroups.mode()));
        for (String c : List.of("memory", "cpu", "pids", "freezer", "cpuset")) {
            assertTrue(cgroups.controllers().contains(c), c + " in " + cgroups.controllers());
        }
    }

    @Test
    void aJoinedProcessSeesTheContainerCgroups() throws Exception {
        CgroupSet set = create("join", LIMITS);
        String out = run(startIn(set, "cat /proc/self/cgroup"), 10);
        for (String line : set.paths()) {
            assertTrue(out.contains(line + "\n"), line + " not in\n" + out);
        }
        assertEquals(List.of("join"), new ArrayList<>(cgroups.list(parent)));
        assertNotNull(cgroups.find(parent, "join"));
    }

    @Test
    void memoryLimitOomKillsA48MiBAllocation() throws Exception {
        CgroupSet set = create("oom", LIMITS);
        assertEquals(0, set.oomKills());
        // control: 16 MiB fits
        String small = run(startIn(set, "dd if=/dev/zero of=/dev/null bs=16M count=1 2>/dev/null; echo rc=$?"), 30);
        assertTrue(small.contains("rc=0"), small);
        assertEquals(0, set.oomKills());
        // dd reads 48 MiB from /dev/zero into one buffer, faulting in every page: over the 32 MiB limit
        String big = run(startIn(set, "dd if=/dev/zero of=/dev/null bs=48M count=1 2>/dev/null; echo rc=$?"), 30);
        assertTrue(big.contains("rc=137"), "dd must die by SIGKILL: " + big);
        assertTrue(set.oomKills() >= 1, "oom_kill counter " + set.oomKills());
    }

    @Test
    void pidsLimitStopsTheSeventhProcess() throws Exception {
        CgroupSet set = create("pids", LIMITS);
        // the shell is process 1; sleeps 1-5 make six; the sixth sleep would be the seventh process
        // the sleeps must not hold our stdout open: EOF comes when the shell gives up on the failed fork
        Process p = startIn(set, "for i in 1 2 3 4 5 6 7 8; do sleep 60 >/dev/null 2>&1 & echo started $i; done; wait");
        p.waitFor(10, TimeUnit.SECONDS);
        String stdout = new String(p.getInputStream().readNBytes(4096), StandardCharsets.UTF_8);
        String stderr = new String(p.getErrorStream().readNBytes(4096), StandardCharsets.UTF_8);
        assertTrue(stdout.contains("started 5"), stdout);
        assertFalse(stdout.contains("started 6"), stdout + stderr);
        assertTrue(stderr.toLowerCase().contains("fork"), stderr);
        assertTrue(set.pids().size() <= 6 && set.pids().size() >= 5, "pids " + set.pids());
    }

    @Test
    void cpuQuotaHoldsASpinnerToHalfACpu() throws Exception {
        CgroupSet set = create("cpu", LIMITS);
        Process p = startIn(set, "while :; do :; done");
        Thread.sleep(300);
        long t0 = System.nanoTime();
        long c0 = cpuTicks(p.pid());
        Thread.sleep(2000);
        long c1 = cpuTicks(p.pid());
        double wallS = (System.nanoTime() - t0) / 1e9;
        double share = (c1 - c0) / 100.0 / wallS; // USER_HZ is 100 on Linux
        System.out.printf("spinner used %.2f of a cpu under a 50000/100000 quota%n", share);
        assertTrue(share > 0.3 && share < 0.62, "cpu share " + share);
    }

    @Test
    void freezeAndThaw() throws Exception {
        CgroupSet set = create("freeze", LIMITS);
        Process p = startIn(set, "while :; do :; done");
        Thread.sleep(200);
        set.freeze(true);
        long c0 = cpuTicks(p.pid());
        Thread.sleep(500);
        assertEquals(c0, cpuTicks(p.pid()), "a frozen spinner uses no cpu");
        assertTrue(p.isAlive());
        set.freeze(false);
        Thread.sleep(500);
        assertTrue(cpuTicks(p.pid()) > c0 + 10, "a thawed spinner runs again");
        set.freeze(false); // thawing a thawed set is fine
    }

    /**
     * The v2 code path on the real kernel's cgroup2 mount (on a hybrid host it holds no controllers, so
     * only the core files: cgroup.procs, cgroup.freeze/cgroup.events, cgroup.kill, rmdir).
     */
    @Test
    void v2FreezeKillAndRemoveOnTheUnifiedMount() throws Exception {
        String unifiedOnly = String.join("\n", Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.contains(" - cgroup2 ")).toList());
        assertFalse(unifiedOnly.isEmpty(), "no cgroup2 mount on this host");
        V2Cgroups v2 = (V2Cgroups) CgroupsDiscovery.fromMountinfo(unifiedOnly, Path.of("/"), "", new CgroupFs());
        try {
            CgroupSet set = v2.create(parent, "v2", Limits.none());
            assertEquals(1, set.procsFiles().size());
            Process p = startIn(set, "while :; do :; done");
            long deadline = System.currentTimeMillis() + 5000;
            while (set.pids().isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(List.of((int) p.pid()), set.pids());
            set.freeze(true);
            long c0 = cpuTicks(p.pid());
            Thread.sleep(400);
            assertEquals(c0, cpuTicks(p.pid()), "a frozen spinner uses no cpu");
            set.freeze(false);
            Thread.sleep(300);
            assertTrue(cpuTicks(p.pid()) > c0, "a thawed spinner runs again");
            set.freeze(true);
            set.destroy(); // frozen and alive
            assertTrue(p.waitFor(5, TimeUnit.SECONDS));
            assertEquals(137, p.exitValue());
            assertFalse(Files.exists(Path.of(set.procsFiles().get(0)).getParent()));
            assertEquals(List.of(), new ArrayList<>(v2.list(parent)));
        } finally {
            v2.removeParent(parent);
        }
    }

    @Test
    void destroyKillsLiveAndFrozenProcessesAndRemovesEveryDirectory() throws Exception {
        CgroupSet live = create("live", LIMITS);
        Process a = startIn(live, "exec sleep 1000");
        CgroupSet frozen = create("frozen", LIMITS);
        Process b = startIn(frozen, "while :; do :; done");
        long deadline = System.currentTimeMillis() + 5000;
        while ((live.pids().isEmpty() || frozen.pids().isEmpty()) && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(List.of((int) a.pid()), live.pids());
        frozen.freeze(true);

        live.destroy();
        frozen.destroy();
        assertTrue(a.waitFor(5, TimeUnit.SECONDS) && b.waitFor(5, TimeUnit.SECONDS));
        assertEquals(137, a.exitValue());
        for (CgroupSet s : List.of(live, frozen)) {
            for (String procs : s.procsFiles()) {
                assertFalse(Files.exists(Path.of(procs).getParent()), procs);
            }
        }
        live.destroy(); // idempotent
        assertEquals(List.of(), new ArrayList<>(cgroups.list(parent)));
    }
}
