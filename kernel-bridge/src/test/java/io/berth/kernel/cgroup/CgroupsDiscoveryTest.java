package io.berth.kernel.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupsDiscoveryTest {

    @TempDir
    Path root;

    @Test
    void devVmIsHybridWithSeparateCpuAndCpuacct() throws IOException {
        Cgroups c = CgroupsDiscovery.fromMountinfo(MountInfoTest.DEV_VM, root, MountInfoTest.DEV_VM_CGROUP,
                new CgroupFs());
        assertEquals("hybrid", c.mode());
        assertEquals(Set.of("blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids"),
                c.controllers());
        V1Cgroups v1 = assertInstanceOf(V1Cgroups.class, c);
        assertEquals(8, v1.hierarchies().size(), "name=systemd and the cgroup2 mount are not used");
        Hierarchy cpu = v1.hierarchies().stream().filter(h -> h.has("cpu")).findFirst().orElseThrow();
        assertEquals(List.of("cpu"), cpu.controllers());
        assertEquals(root.resolve("sys/fs/cgroup/cpu"), cpu.mountPoint());
        assertEquals(1, cpu.id());
        Hierarchy mem = v1.hierarchies().stream().filter(h -> h.has("memory")).findFirst().orElseThrow();
        assertEquals(4, mem.id());
    }

    @Test
    void systemdHostWithComountsIsHybrid() throws IOException {
        V1Cgroups c = assertInstanceOf(V1Cgroups.class,
                CgroupsDiscovery.fromMountinfo(MountInfoTest.SYSTEMD_V1, root));
        assertEquals("hybrid", c.mode());
        assertEquals(Set.of("cpu", "cpuacct", "memory", "pids"), c.controllers());
        assertEquals(3, c.hierarchies().size(), "net_cls,net_prio and name=systemd are skipped");
        Hierarchy cpu = c.hierarchies().get(0);
        assertEquals(List.of("cpu", "cpuacct"), cpu.controllers());
        assertEquals("cpu,cpuacct", cpu.label());
        assertEquals(root.resolve("sys/fs/cgroup/cpu,cpuacct"), cpu.mountPoint());
    }

    @Test
    void v1WithoutCgroup2IsV1() throws IOException {
        String text = MountInfoTest.DEV_VM.replace("40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n", "");
        assertEquals("v1", CgroupsDiscovery.fromMountinfo(text, root).mode());
    }

    @Test
    void pureV2() throws IOException {
        FakeKernel k = new FakeKernel(root);
        k.mountV2("/sys/fs/cgroup", "cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc");
        Cgroups c = CgroupsDiscovery.fromMountinfo(k.mountinfo(), root, "0::/init.scope\n", k);
        assertInstanceOf(V2Cgroups.class, c);
        assertEquals("v2", c.mode());
        assertEquals(Set.of("blkio", "cpu", "cpuacct", "cpuset", "freezer", "memory", "pids"), c.controllers());
    }

    @Test
    void aBindMountedSubtreeLosesToTheHierarchyRoot() throws IOException {
        String text = """
                50 30 0:31 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
                51 30 0:31 / /host/memory rw - cgroup cgroup rw,memory
                52 30 0:32 /docker/abc /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
                """;
        V1Cgroups c = assertInstanceOf(V1Cgroups.class, CgroupsDiscovery.fromMountinfo(text, root));
        assertEquals(2, c.hierarchies().size());
        assertEquals(root.resolve("host/memory"), c.hierarchies().get(0).mountPoint());
        Hierarchy pids = c.hierarchies().get(1);
        assertEquals("/docker/abc/berth-x/c1", pids.cgroupPath("berth-x/c1"));
    }

    @Test
    void noCgroupsAtAll() {
        IOException e = assertThrows(IOException.class, () -> CgroupsDiscovery.fromMountinfo(
                "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n", root));
        assertTrue(e.getMessage().contains("no cgroup"), e.getMessage());
    }

    @Test
    void detectOnThisHostParsesItsMountinfo() throws IOException {
        // no root needed: detection only reads /proc/self/mountinfo
        Cgroups c = CgroupsDiscovery.detect();
        assertTrue(Set.of("v1", "v2", "hybrid").contains(c.mode()), c.mode());
        assertTrue(!c.controllers().isEmpty());
    }
}
