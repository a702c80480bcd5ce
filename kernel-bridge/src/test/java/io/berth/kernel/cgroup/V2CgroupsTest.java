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

class V2CgroupsTest {

    static final long MIB = 1024 * 1024;

    @TempDir
    Path root;

    FakeKernel kernel;

    Cgroups v2(String... controllers) throws IOException {
        kernel = new FakeKernel(root);
        kernel.mountV2("/sys/fs/cgroup", controllers);
        return CgroupsDiscovery.fromMountinfo(kernel.mountinfo(), root, "0::/\n", kernel);
    }

    Cgroups full() throws IOException {
        return v2("cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc");
    }

    @Test
    void controllersAreEnabledDownToTheParentAndLimitsLand() throws IOException {
        Cgroups c = full();
        CgroupSet set = c.create("berth-d1/nested", "c1", new Limits(32 * MIB, 96 * MIB, 50_000, 100_000, 1024, 6, "1-2"));
        String base = "sys/fs/cgroup/";
        for (String level : List.of("", "berth-d1/", "berth-d1/nested/")) {
            assertEquals("cpuset cpu io memory pids", kernel.cat(base + level + "cgroup.subtree_control"), level);
        }
        assertEquals("", kernel.cat(base + "berth-d1/nested/c1/cgroup.subtree_control"), "not in the leaf");
        String c1 = base + "berth-d1/nested/c1/";
        assertEquals(String.valueOf(32 * MIB), kernel.cat(c1 + "memory.max"));
        assertEquals(String.valueOf(64 * MIB), kernel.cat(c1 + "memory.swap.max"), "swap alone = memsw - memory");
        assertEquals("50000 100000", kernel.cat(c1 + "cpu.max"));
        assertEquals("39", kernel.cat(c1 + "cpu.weight"));
        assertEquals("6", kernel.cat(c1 + "pids.max"));
        assertEquals("1-2", kernel.cat(c1 + "cpuset.cpus"));
        assertEquals(List.of(root.resolve(c1 + "cgroup.procs").toString()), set.procsFiles());
        assertEquals(List.of("0::/berth-d1/nested/c1"), set.paths());
    }

    @Test
    void onlyAvailableControllersAreEnabled() throws IOException {
        Cgroups c = v2("memory", "pids");
        assertEquals(Set.of("memory", "pids", "freezer"), c.controllers());
        c.create("p", "c", new Limits(32 * MIB, 0, 0, 0, 0, 6, ""));
        assertEquals("memory pids", kernel.cat("sys/fs/cgroup/cgroup.subtree_control"));
        IOException e = assertThrows(IOException.class, () -> c.create("p", "d", new Limits(0, 0, 50_000, 0, 0, 0, "")));
        assertTrue(e.getMessage().contains("cpu.max") && e.getMessage().contains("50000 100000"), e.getMessage());
        assertFalse(kernel.exists("sys/fs/cgroup/p/d"), "a failed create removes the cgroup");
    }

    @Test
    void alreadyEnabledControllersAreNotRewritten() throws IOException {
        Cgroups c = full();
        Files.writeString(root.resolve("sys/fs/cgroup/cgroup.subtree_control"), "cpu memory");
        c.create("p", "c", Limits.none());
        assertTrue(kernel.writes.contains("sys/fs/cgroup/cgroup.subtree_control=+cpuset +io +pids"), kernel.writes.toString());
    }

    @Test
    void sharesToWeightFollowsRunc() {
        assertEquals(1, LimitChecks.sharesToWeight(2));
        assertEquals(39, LimitChecks.sharesToWeight(1024));
        assertEquals(20, LimitChecks.sharesToWeight(512));
        assertEquals(10000, LimitChecks.sharesToWeight(262144));
        assertEquals(0, LimitChecks.sharesToWeight(0));
    }

    @Test
    void periodAloneAndUnlimitedSwap() throws IOException {
        Cgroups c = full();
        c.create("p", "a", new Limits(32 * MIB, -1, 0, 50_000, 0, 0, ""));
        assertEquals("max 50000", kernel.cat("sys/fs/cgroup/p/a/cpu.max"));
        assertEquals("max", kernel.cat("sys/fs/cgroup/p/a/memory.swap.max"));
        c.create("p", "b", new Limits(32 * MIB, 32 * MIB, 0, 0, 0, 0, ""));
        assertEquals("0", kernel.cat("sys/fs/cgroup/p/b/memory.swap.max"), "memsw == memory: no swap");
    }

    @Test
    void updateResetsZeroFields() throws IOException {
        Cgroups c = full();
        CgroupSet s = c.create("p", "c", new Limits(32 * MIB, 64 * MIB, 50_000, 0, 512, 6, "1"));
        s.update(Limits.none());
        String d = "sys/fs/cgroup/p/c/";
        assertEquals("max", kernel.cat(d + "memory.max"));
        assertEquals("max", kernel.cat(d + "memory.swap.max"));
        assertEquals("max 100000", kernel.cat(d + "cpu.max"));
        assertEquals("100", kernel.cat(d + "cpu.weight"));
        assertEquals("max", kernel.cat(d + "pids.max"));
        assertEquals("", kernel.cat(d + "cpuset.cpus"));
        IOException e = assertThrows(IOException.class, () -> s.update(new Limits(0, 0, 0, 0, 0, 0, "7")));
        assertTrue(e.getMessage().contains("cpuset.cpus") && e.getMessage().contains("\"7\""), e.getMessage());
    }

    @Test
    void invalidValuesNameTheV2File() throws IOException {
        Cgroups c = full();
        IOException e = assertThrows(IOException.class, () -> c.create("p", "c", new Limits(0, 0, 0, 0, 1, 0, "")));
        assertTrue(e.getMessage().contains("cpu.weight") && e.getMessage().contains(" 1 "), e.getMessage());
        e = assertThrows(IOException.class, () -> c.create("p", "c", new Limits(64 * MIB, MIB, 0, 0, 0, 0, "")));
        assertTrue(e.getMessage().contains("memory.swap.max"), e.getMessage());
        assertFalse(kernel.exists("sys/fs/cgroup/p"));
    }

    @Test
    void oomFreezeListFindDestroy() throws Exception {
        Cgroups c = full();
        CgroupSet s = c.create("p", "c1", Limits.none());
        c.create("p", "c2", Limits.none());
        assertEquals(Set.of("c1", "c2"), c.list("p"));
        assertNull(c.find("p", "zz"));
        assertEquals(0, s.oomKills());
        Files.writeString(root.resolve("sys/fs/cgroup/p/c1/memory.events"),
                "low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\noom_group_kill 0\n");
        assertEquals(2, c.find("p", "c1").oomKills());
        s.freeze(true);
        assertEquals("1", kernel.cat("sys/fs/cgroup/p/c1/cgroup.freeze"));
        assertTrue(kernel.cat("sys/fs/cgroup/p/c1/cgroup.events").contains("frozen 1"));
        s.freeze(false);
        assertTrue(kernel.cat("sys/fs/cgroup/p/c1/cgroup.events").contains("frozen 0"));

        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            Files.writeString(root.resolve("sys/fs/cgroup/p/c1/cgroup.procs"), sleeper.pid() + "\n");
            assertEquals(List.of((int) sleeper.pid()), s.pids());
            s.destroy();
            assertTrue(sleeper.waitFor(5, TimeUnit.SECONDS));
            assertFalse(kernel.exists("sys/fs/cgroup/p/c1"));
            assertTrue(kernel.writes.contains("sys/fs/cgroup/p/c1/cgroup.kill=1"), kernel.writes.toString());
            s.destroy();
        } finally {
            sleeper.destroyForcibly();
        }
        ((V2Cgroups) c).removeParent("p");
        assertFalse(kernel.exists("sys/fs/cgroup/p"));
        assertTrue(kernel.exists("sys/fs/cgroup/cgroup.procs"));
    }
}
