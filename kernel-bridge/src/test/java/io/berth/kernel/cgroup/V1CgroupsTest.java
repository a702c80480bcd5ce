package io.berth.kernel.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.kernel.cgroup.Cgroups.CgroupSet;
import io.berth.kernel.cgroup.Cgroups.Limits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class V1CgroupsTest {

    static final long MIB = 1024 * 1024;

    @TempDir
    Path root;

    FakeKernel kernel;

    /** The dev VM's layout: every controller apart, plus name=systemd and a cgroup2 with hugetlb. */
    Cgroups separate() throws IOException {
        kernel = new FakeKernel(root);
        for (String c : List.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids")) {
            kernel.mountV1("/sys/fs/cgroup/" + c, c);
        }
        kernel.mountV1("/sys/fs/cgroup/systemd", "name=systemd");
        kernel.mountV2("/sys/fs/cgroup/unified", "hugetlb");
        return CgroupsDiscovery.fromMountinfo(MountInfoTest.DEV_VM, root, MountInfoTest.DEV_VM_CGROUP, kernel);
    }

    /** A systemd host: cpu,cpuacct and net_cls,net_prio comounted, no cgroup2. */
    Cgroups comounted() throws IOException {
        kernel = new FakeKernel(root);
        kernel.mountV1("/sys/fs/cgroup/systemd", "name=systemd");
        kernel.mountV1("/sys/fs/cgroup/cpu,cpuacct", "cpu", "cpuacct");
        kernel.mountV1("/sys/fs/cgroup/net_cls,net_prio", "net_cls", "net_prio");
        kernel.mountV1("/sys/fs/cgroup/memory", "memory");
        kernel.mountV1("/sys/fs/cgroup/pids", "pids");
        kernel.mountV1("/sys/fs/cgroup/cpuset", "cpuset");
        kernel.mountV1("/sys/fs/cgroup/freezer", "freezer");
        return CgroupsDiscovery.fromMountinfo(kernel.mountinfo(), root, "", kernel);
    }

    static Limits all() {
        return new Limits(32 * MIB, 64 * MIB, 50_000, 100_000, 512, 6, "1-2");
    }

    @Test
    void separateHierarchiesGetEveryLimitInTheRightFile() throws IOException {
        Cgroups c = separate();
        assertEquals("hybrid", c.mode());
        CgroupSet set = c.create("berth-d1", "c1", all());
        String base = "sys/fs/cgroup/";
        assertEquals(String.valueOf(32 * MIB), kernel.cat(base + "memory/berth-d1/c1/memory.limit_in_bytes"));
        assertEquals(String.valueOf(64 * MIB), kernel.cat(base + "memory/berth-d1/c1/memory.memsw.limit_in_bytes"));
        assertEquals("50000", kernel.cat(base + "cpu/berth-d1/c1/cpu.cfs_quota_us"));
        assertEquals("100000", kernel.cat(base + "cpu/berth-d1/c1/cpu.cfs_period_us"));
        assertEquals("512", kernel.cat(base + "cpu/berth-d1/c1/cpu.shares"));
        assertEquals("6", kernel.cat(base + "pids/berth-d1/c1/pids.max"));
        assertEquals("1-2", kernel.cat(base + "cpuset/berth-d1/c1/cpuset.cpus"));
        assertEquals("0", kernel.cat(base + "cpuset/berth-d1/c1/cpuset.mems"));
        for (String h : List.of("cpuacct", "devices", "freezer", "blkio")) {
            assertTrue(kernel.exists(base + h + "/berth-d1/c1"), h);
        }
        assertFalse(kernel.exists(base + "systemd/berth-d1"), "name=systemd is not touched");
        assertFalse(kernel.exists(base + "unified/berth-d1"), "the hybrid cgroup2 mount is not touched");
        // the parent keeps its defaults
        assertEquals("-1", kernel.cat(base + "cpu/berth-d1/cpu.cfs_quota_us"));

        assertEquals(8, set.procsFiles().size());
        assertTrue(set.procsFiles().contains(root.resolve(base + "cpuacct/berth-d1/c1/cgroup.procs").toString()));
        assertTrue(set.procsFiles().contains(root.resolve(base + "memory/berth-d1/c1/cgroup.procs").toString()));
        assertTrue(set.paths().contains("4:memory:/berth-d1/c1"), set.paths().toString());
        assertTrue(set.paths().contains("1:cpu:/berth-d1/c1"), set.paths().toString());
        assertEquals(8, set.paths().size());
    }

    @Test
    void noneWritesNothingButCreatesEveryCgroup() throws IOException {
        Cgroups c = separate();
        CgroupSet set = c.create("berth-d1", "c1", Limits.none());
        assertEquals(8, set.procsFiles().size());
        for (String p : set.procsFiles()) {
            assertTrue(Files.exists(Path.of(p)), p);
        }
        assertTrue(kernel.writes.stream().allMatch(w -> w.contains("cpuset.")), kernel.writes.toString());
        assertEquals(FakeKernel.UNLIMITED_BYTES, kernel.cat("sys/fs/cgroup/memory/berth-d1/c1/memory.limit_in_bytes"));
    }

    @Test
    void comountedCpuAndCpuacctShareOneDirectory() throws IOException {
        Cgroups c = comounted();
        assertEquals("v1", c.mode());
        assertEquals(Set.of("cpu", "cpuacct", "cpuset", "freezer", "memory", "pids"), c.controllers());
        CgroupSet set = c.create("berth-d1", "c1", all());
        String cpu = "sys/fs/cgroup/cpu,cpuacct/berth-d1/c1/";
        assertEquals("50000", kernel.cat(cpu + "cpu.cfs_quota_us"));
        assertEquals("512", kernel.cat(cpu + "cpu.shares"));
        assertTrue(kernel.exists(cpu + "cpuacct.usage"));
        assertEquals(5, set.procsFiles().size(), set.procsFiles().toString());
        assertFalse(kernel.exists("sys/fs/cgroup/net_cls,net_prio/berth-d1"));
        assertTrue(set.paths().contains("0:cpu,cpuacct:/berth-d1/c1"), set.paths().toString());
    }

    @Test
    void cpusetIsCopiedDownTheParentChain() throws IOException {
        Cgroups c = separate();
        c.create("berth-d1/nested", "c1", Limits.none());
        String cs = "sys/fs/cgroup/cpuset/";
        for (String dir : List.of("berth-d1", "berth-d1/nested", "berth-d1/nested/c1")) {
            assertEquals("0-3", kernel.cat(cs + dir + "/cpuset.cpus"), dir);
            assertEquals("0", kernel.cat(cs + dir + "/cpuset.mems"), dir);
        }
        // an already populated parent keeps its value; the child copies it
        Files.writeString(root.resolve(cs + "berth-d1/cpuset.cpus"), "2-3");
        c.create("berth-d1", "c2", Limits.none());
        assertEquals("2-3", kernel.cat(cs + "berth-d1/c2/cpuset.cpus"));
        IOException e = assertThrows(IOException.class,
                () -> c.create("berth-d1", "c3", new Limits(0, 0, 0, 0, 0, 0, "0-1")));
        assertTrue(e.getMessage().contains("cpuset.cpus") && e.getMessage().contains("0-1"), e.getMessage());
        assertFalse(kernel.exists(cs + "berth-d1/c3"), "a failed create removes what it made");
        assertFalse(kernel.exists("sys/fs/cgroup/memory/berth-d1/c3"));
    }

    @Test
    void memswIsSkippedWithoutSwapAccounting() throws IOException {
        kernel = new FakeKernel(root);
        kernel.swapAccounting = false;
        kernel.mountV1("/sys/fs/cgroup/memory", "memory");
        Cgroups c = CgroupsDiscovery.fromMountinfo(kernel.mountinfo(), root, "", kernel);
        c.create("p", "c", new Limits(32 * MIB, 64 * MIB, 0, 0, 0, 0, ""));
        assertEquals(String.valueOf(32 * MIB), kernel.cat("sys/fs/cgroup/memory/p/c/memory.limit_in_bytes"));
        assertFalse(kernel.exists("sys/fs/cgroup/memory/p/c/memory.memsw.limit_in_bytes"));
    }

    @Test
    void updateOrdersMemoryAndMemswAndResetsZeroFields() throws IOException {
        Cgroups c = separate();
        CgroupSet set = c.create("p", "c", new Limits(32 * MIB, 32 * MIB, 50_000, 0, 0, 6, ""));
        String mem = "sys/fs/cgroup/memory/p/c/";
        // raising both: memsw must go first (the fake kernel refuses memory > memsw like the real one)
        set.update(new Limits(128 * MIB, 256 * MIB, 20_000, 50_000, 0, 10, "3"));
        assertEquals(String.valueOf(128 * MIB), kernel.cat(mem + "memory.limit_in_bytes"));
        assertEquals(String.valueOf(256 * MIB), kernel.cat(mem + "memory.memsw.limit_in_bytes"));
        assertEquals("20000", kernel.cat("sys/fs/cgroup/cpu/p/c/cpu.cfs_quota_us"));
        assertEquals("50000", kernel.cat("sys/fs/cgroup/cpu/p/c/cpu.cfs_period_us"));
        assertEquals("10", kernel.cat("sys/fs/cgroup/pids/p/c/pids.max"));
        assertEquals("3", kernel.cat("sys/fs/cgroup/cpuset/p/c/cpuset.cpus"));
        // lowering both: memory first
        set.update(new Limits(16 * MIB, 16 * MIB, 20_000, 50_000, 0, 10, "3"));
        assertEquals(String.valueOf(16 * MIB), kernel.cat(mem + "memory.memsw.limit_in_bytes"));
        // everything back to unlimited
        set.update(Limits.none());
        assertEquals("-1", kernel.cat(mem + "memory.limit_in_bytes"));
        assertEquals("-1", kernel.cat(mem + "memory.memsw.limit_in_bytes"));
        assertEquals("-1", kernel.cat("sys/fs/cgroup/cpu/p/c/cpu.cfs_quota_us"));
        assertEquals("100000", kernel.cat("sys/fs/cgroup/cpu/p/c/cpu.cfs_period_us"));
        assertEquals("1024", kernel.cat("sys/fs/cgroup/cpu/p/c/cpu.shares"));
        assertEquals("max", kernel.cat("sys/fs/cgroup/pids/p/c/pids.max"));
        assertEquals("0-3", kernel.cat("sys/fs/cgroup/cpuset/p/c/cpuset.cpus"));
    }

    @Test
    void quotaWithoutPeriodUsesTheDefaultPeriod() throws IOException {
        Cgroups c = separate();
        c.create("p", "c", new Limits(0, 0, 150_000, 0, 0, 0, ""));
        assertEquals("150000", kernel.cat("sys/fs/cgroup/cpu/p/c/cpu.cfs_quota_us"));
        assertEquals("100000", kernel.cat("sys/fs/cgroup/cpu/p/c/cpu.cfs_period_us"));
        List<String> cpuWrites = kernel.writes.stream().filter(w -> w.contains("cpu/p/c/cpu.cfs")).toList();
        assertTrue(cpuWrites.get(0).contains("cfs_period_us"), "period before quota: " + cpuWrites);
    }

    @Test
    void invalidLimitsAreRejectedBeforeAnythingIsCreated() throws IOException {
        Cgroups c = separate();
        record Case(Limits limits, String file, String value) { }
        List<Case> cases = List.of(
                new Case(new Limits(-5, 0, 0, 0, 0, 0, ""), "memory.limit_in_bytes", "-5"),
                new Case(new Limits(64 * MIB, 32 * MIB, 0, 0, 0, 0, ""), "memory.memsw.limit_in_bytes",
                        String.valueOf(32 * MIB)),
                new Case(new Limits(0, 32 * MIB, 0, 0, 0, 0, ""), "memory.memsw.limit_in_bytes",
                        String.valueOf(32 * MIB)),
                new Case(new Limits(0, 0, 500, 0, 0, 0, ""), "cpu.cfs_quota_us", "500"),
                new Case(new Limits(0, 0, -7, 0, 0, 0, ""), "cpu.cfs_quota_us", "-7"),
                new Case(new Limits(0, 0, 50_000, 2_000_000, 0, 0, ""), "cpu.cfs_period_us", "2000000"),
                new Case(new Limits(0, 0, 0, 0, 1, 0, ""), "cpu.shares", "1"),
                new Case(new Limits(0, 0, 0, 0, 300_000, 0, ""), "cpu.shares", "300000"),
                new Case(new Limits(0, 0, 0, 0, 0, -2, ""), "pids.max", "-2"),
                new Case(new Limits(0, 0, 0, 0, 0, 0, "3-1"), "cpuset.cpus", "3-1"),
                new Case(new Limits(0, 0, 0, 0, 0, 0, "0,,1"), "cpuset.cpus", "0,,1"),
                new Case(new Limits(0, 0, 0, 0, 0, 0, "one"), "cpuset.cpus", "one"));
        for (Case k : cases) {
            IOException e = assertThrows(IOException.class, () -> c.create("p", "bad", k.limits()), k.toString());
            assertTrue(e.getMessage().contains(k.file()) && e.getMessage().contains(k.value()),
                    k + " → " + e.getMessage());
        }
        assertFalse(kernel.exists("sys/fs/cgroup/memory/p"), "validation happens before any mkdir");
        assertThrows(IllegalArgumentException.class, () -> c.create("p", "../escape", Limits.none()));
        assertThrows(IllegalArgumentException.class, () -> c.create("../p", "c", Limits.none()));
        assertThrows(IllegalArgumentException.class, () -> c.create("p", "a/b", Limits.none()));
    }

    @Test
    void aLimitForAControllerThatIsNotMountedIsAnError() throws IOException {
        kernel = new FakeKernel(root);
        kernel.mountV1("/sys/fs/cgroup/memory", "memory");
        Cgroups c = CgroupsDiscovery.fromMountinfo(kernel.mountinfo(), root, "", kernel);
        IOException e = assertThrows(IOException.class, () -> c.create("p", "c", new Limits(0, 0, 0, 0, 0, 6, "")));
        assertTrue(e.getMessage().contains("pids.max") && e.getMessage().contains("6"), e.getMessage());
    }

    @Test
    void findListOomFreezeAndDestroy() throws Exception {
        Cgroups c = separate();
        assertNull(c.find("p", "c1"));
        assertEquals(Set.of(), c.list("p"));
        CgroupSet s1 = c.create("p", "c1", Limits.none());
        c.create("p", "c2", Limits.none());
        assertEquals(Set.of("c1", "c2"), c.list("p"));
        CgroupSet found = c.find("p", "c1");
        assertEquals(s1.procsFiles(), found.procsFiles());

        Files.writeString(root.resolve("sys/fs/cgroup/memory/p/c1/memory.oom_control"),
                "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
        assertEquals(3, s1.oomKills());

        s1.freeze(true);
        assertEquals("FROZEN", kernel.cat("sys/fs/cgroup/freezer/p/c1/freezer.state"));
        s1.freeze(false);
        assertEquals("THAWED", kernel.cat("sys/fs/cgroup/freezer/p/c1/freezer.state"));

        // a live process listed in the cgroup is killed, then every directory goes
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            Files.writeString(root.resolve("sys/fs/cgroup/memory/p/c1/cgroup.procs"), sleeper.pid() + "\n");
            assertEquals(List.of((int) sleeper.pid()), s1.pids());
            s1.destroy();
            assertTrue(sleeper.waitFor(5, TimeUnit.SECONDS));
            for (String h : List.of("cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids")) {
                assertFalse(kernel.exists("sys/fs/cgroup/" + h + "/p/c1"), h);
                assertTrue(kernel.exists("sys/fs/cgroup/" + h + "/p/c2"), h);
            }
            s1.destroy(); // idempotent
            assertNull(c.find("p", "c1"));
            assertEquals(Set.of("c2"), c.list("p"));
        } finally {
            sleeper.destroyForcibly();
        }
        ((V1Cgroups) c).removeParent("p");
        assertFalse(kernel.exists("sys/fs/cgroup/memory/p"));
        assertFalse(kernel.exists("sys/fs/cgroup/cpu/p"));
    }

    @Test
    void destroyGivesUpAfterAboutASecondWhenTheCgroupStaysBusy() throws Exception {
        Cgroups c = separate();
        CgroupSet s = c.create("p", "c", Limits.none());
        // this JVM is never killed, so the fake kernel keeps the cgroup busy
        Files.writeString(root.resolve("sys/fs/cgroup/pids/p/c/cgroup.procs"), ProcessHandle.current().pid() + "\n");
        long t0 = System.nanoTime();
        IOException e = assertThrows(IOException.class, s::destroy);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 900 && ms < 3000, ms + " ms");
        assertTrue(e.getMessage().contains("pids/p/c"), e.getMessage());
        assertFalse(kernel.exists("sys/fs/cgroup/memory/p/c"), "the other hierarchies are removed");
        Files.writeString(root.resolve("sys/fs/cgroup/pids/p/c/cgroup.procs"), "");
        s.destroy();
        assertFalse(kernel.exists("sys/fs/cgroup/pids/p/c"));
    }
}
