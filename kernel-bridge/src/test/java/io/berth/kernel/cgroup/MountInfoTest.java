package io.berth.kernel.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MountInfoTest {

    /** /proc/self/mountinfo of the development VM (kernel 6.18, hybrid layout), verbatim. */
    static final String DEV_VM = """
            21 26 0:20 / /proc rw,relatime - proc proc rw
            22 26 0:21 / /sys rw,relatime - sysfs sysfs rw
            23 26 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334416k,nr_inodes=3083604,mode=755
            24 23 0:22 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24683620k
            25 23 0:23 / /dev/pts rw,relatime - devpts devpts rw,mode=600,ptmxmode=000
            26 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
            27 26 0:24 / /mnt/sandboxing/model_tools_env/v1/python ro,nosuid,nodev,relatime - tmpfs model_tools_unavailable ro,size=4k,mode=755
            28 25 0:25 / /dev/pts rw,relatime - devpts devpts rw,mode=600,ptmxmode=000
            29 24 0:26 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24683620k
            30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
            33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
            34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
            36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
            37 30 0:34 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
            38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
            39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
            40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            """;

    /** /proc/self/cgroup of the same process. */
    static final String DEV_VM_CGROUP = """
            9:name=systemd:/
            8:pids:/
            7:blkio:/
            6:freezer:/
            5:devices:/
            4:memory:/process_api/a0d3ed37b99542912fc76b567f25738a
            3:cpuset:/
            2:cpuacct:/
            1:cpu:/
            0::/
            """;

    /** A systemd host (Debian 10 style), with optional fields and comounted controllers. */
    static final String SYSTEMD_V1 = """
            25 22 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
            26 25 0:24 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
            27 25 0:25 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd
            30 25 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,cpu,cpuacct
            31 25 0:29 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,net_cls,net_prio
            32 25 0:30 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,memory
            33 25 0:31 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,pids
            """;

    @Test
    void parsesARealCgroupLine() {
        MountInfo m = MountInfo.parse("31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu");
        assertEquals(31, m.mountId());
        assertEquals(30, m.parentId());
        assertEquals("/", m.root());
        assertEquals("/sys/fs/cgroup/cpu", m.mountPoint());
        assertEquals("cgroup", m.fsType());
        assertEquals("cgroup", m.source());
        assertEquals(List.of("rw", "cpu"), m.superOptionList());
    }

    @Test
    void optionalFieldsAndComounts() {
        MountInfo m = MountInfo.parse("30 25 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:14 master:3 - cgroup"
                + " cgroup rw,cpu,cpuacct");
        assertEquals("/sys/fs/cgroup/cpu,cpuacct", m.mountPoint());
        assertEquals("cgroup", m.fsType());
        assertEquals(Set.of("rw", "cpu", "cpuacct"), m.superOptions());
    }

    @Test
    void unescapesOctal() {
        MountInfo m = MountInfo.parse("40 30 0:37 /a\\040b /mnt/with\\040space\\134x rw - cgroup2 none rw");
        assertEquals("/a b", m.root());
        assertEquals("/mnt/with space\\x", m.mountPoint());
        assertEquals("none", m.source());
    }

    @Test
    void wholeFixtureParses() {
        List<MountInfo> all = MountInfo.parseAll(DEV_VM);
        assertEquals(20, all.size());
        assertEquals(9, all.stream().filter(m -> m.fsType().equals("cgroup")).count());
        assertEquals(1, all.stream().filter(m -> m.fsType().equals("cgroup2")).count());
        assertEquals(7, MountInfo.parseAll(SYSTEMD_V1).size());
    }

    @Test
    void malformedLinesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> MountInfo.parse("31 30 0:28 / /x rw,relatime cgroup"));
        assertThrows(IllegalArgumentException.class, () -> MountInfo.parse("x 30 0:28 / /x rw - cgroup cgroup rw"));
    }
}
