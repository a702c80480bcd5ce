package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a process sees inside a container: its own pid, process list, hostname, mounts, network, cgroups. */
class InsideContainerE2EIT extends E2E {

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void pidOneAndItsOwnProcesses(String c) throws Exception {
        assertEquals("1\n", d.client(c, "run", "--rm", "busybox", "sh", "-c", "echo $$").ok().out());
        String ps = d.client(c, "run", "--rm", "busybox", "sh", "-c", "sleep 5 & ps -o pid,comm; kill %1").ok().out();
        List<String> rows = ps.lines().skip(1).map(String::trim).toList();
        assertEquals(3, rows.size(), "sh, sleep and ps only: " + ps);
        assertTrue(rows.contains("1 sh"), ps);
        assertTrue(rows.stream().allMatch(r -> Integer.parseInt(r.split("\\s+")[0]) < 10), "pids of a new namespace: " + ps);
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void hostnameIsTheShortIdOrTheFlag(String c) throws Exception {
        String n = name(c + "-host");
        d.client(c, "run", "--name", n, "busybox", "sh", "-c", "hostname; cat /etc/hostname").ok();
        String id = d.inspect(n, "{{.Id}}");
        assertEquals(id.substring(0, 12) + "\n" + id.substring(0, 12) + "\n", d.client(c, "logs", n).ok().out());
        d.client(c, "rm", n).ok();
        assertEquals("box1\n", d.client(c, "run", "--rm", "--hostname", "box1", "busybox", "hostname").ok().out());
    }

    @Test
    void itsOwnMountTable() throws Exception {
        String mounts = d.docker("run", "--rm", "busybox", "cat", "/proc/self/mounts").ok().out();
        Set<String> targets = mounts.lines().map(l -> l.split(" ")[1]).collect(Collectors.toCollection(TreeSet::new));
        assertTrue(mounts.lines().anyMatch(l -> l.matches("\\S+ / overlay .*")), "an overlay root: " + mounts);
        assertTrue(mounts.lines().anyMatch(l -> l.matches("proc /proc proc .*")), mounts);
        assertTrue(mounts.lines().anyMatch(l -> l.matches("\\S+ /dev tmpfs .*")), mounts);
        assertTrue(mounts.lines().anyMatch(l -> l.matches("devpts /dev/pts devpts .*")), mounts);
        assertTrue(mounts.lines().anyMatch(l -> l.matches("\\S+ /sys sysfs ro,.*")), "sysfs read-only: " + mounts);
        assertTrue(targets.contains("/dev/shm") && targets.contains("/dev/mqueue"), mounts);
        // nothing of the host's table: no host paths as mount points
        for (String t : targets) {
            assertFalse(t.startsWith("/tmp/") || t.startsWith("/work") || t.startsWith("/run/") || t.startsWith("/var/lib"),
                    "a host mount point leaked into the container: " + t + "\n" + mounts);
        }
        long hostMounts = Files.readAllLines(Path.of("/proc/self/mounts")).size();
        assertTrue(targets.size() < hostMounts + 20, mounts);
        String busyboxMount = d.docker("run", "--rm", "busybox", "mount").ok().out();
        assertTrue(busyboxMount.contains(" on / type overlay "), busyboxMount);
        // with the vfs-like bind root the layout is the same; a second container has its own root
        String file = "written-" + System.nanoTime();
        d.docker("run", "--name", "w1", "busybox", "sh", "-c", "echo mine > /" + file).ok();
        assertEquals(1, d.docker("run", "--rm", "busybox", "cat", "/" + file).code(), "rw layers are per container");
        String where = "find " + d.dataRoot() + " -name " + file;
        assertEquals(1, BerthDaemon.sh(where).ok().out().lines().count(), "the file is in w1's rw layer under the data root");
        d.docker("rm", "w1").ok();
        assertEquals("", BerthDaemon.sh(where).ok().out(), "the rw layer vanished with rm");
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void loopbackAndEth0ByDefaultOnlyLoopbackWithNoneAndTheHostsInterfacesWithNetworkHost(String c) throws Exception {
        String links = d.client(c, "run", "--rm", "busybox", "ip", "link").ok().out();
        List<String> ifaces = links.lines().filter(l -> l.matches("\\d+: .*")).map(l -> l.split(": ")[1].split("@")[0]).toList();
        assertEquals(List.of("lo", "eth0"), ifaces, "the default bridge network: " + links);
        links = d.client(c, "run", "--rm", "--network", "none", "busybox", "ip", "link").ok().out();
        ifaces = links.lines().filter(l -> l.matches("\\d+: .*")).map(l -> l.split(": ")[1].split("@")[0]).toList();
        assertEquals(List.of("lo"), ifaces, links);

        Set<String> host;
        try (Stream<Path> s = Files.list(Path.of("/sys/class/net"))) {
            host = s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
        assertTrue(host.size() > 1, "the host has more than lo: " + host);
        String hostLinks = d.client(c, "run", "--rm", "--network", "host", "busybox", "ls", "/sys/class/net").ok().out();
        Set<String> seen = hostLinks.lines().map(String::trim).filter(x -> !x.isEmpty()).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(host, seen, "--network host sees the host's interfaces");
    }

    @Test
    void procSelfCgroupNamesItsCgroups() throws Exception {
        String inside = d.docker("run", "--rm", "busybox", "cat", "/proc/self/cgroup").ok().out();
        for (String controller : List.of("memory", "pids", "cpu", "cpuacct")) {
            assertTrue(inside.lines().anyMatch(l -> l.matches("\\d+:([a-z_,]*,)?" + controller + "(,[a-z_,]*)?:/.*")),
                    controller + " listed: " + inside);
        }
        // seen from the host, the container's process is in this daemon's cgroups, named by the container id
        String n = "cg";
        String id = d.docker("run", "-d", "--name", n, "busybox", "sleep", "30").ok().out().trim();
        String pid = d.inspect(n, "{{.State.Pid}}");
        String hostView = Files.readString(Path.of("/proc", pid, "cgroup"));
        String memoryLine = hostView.lines().filter(l -> l.matches("\\d+:memory:.*")).findFirst().orElseThrow();
        assertTrue(memoryLine.contains("berth-" + d.daemonId()) && memoryLine.contains(id.substring(0, 12)),
                "the host sees the container in berth-" + d.daemonId() + "/<id>: " + memoryLine);
        d.docker("rm", "-f", n).ok();
    }
}
