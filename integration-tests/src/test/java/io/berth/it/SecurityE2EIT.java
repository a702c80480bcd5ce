package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Capabilities, users, no-new-privileges, masked and read-only /proc paths, a minimal /dev. */
class SecurityE2EIT extends E2E {

    /** Docker's 14 default capabilities as the bit mask of /proc/self/status CapEff. */
    static final long DOCKER_DEFAULT_CAPS = (1L << 0) | (1L << 1) | (1L << 3) | (1L << 4) | (1L << 5) | (1L << 6) | (1L << 7)
            | (1L << 8) | (1L << 10) | (1L << 13) | (1L << 18) | (1L << 27) | (1L << 29) | (1L << 31);

    static long cap(String status, String field) {
        return status.lines().filter(l -> l.startsWith(field + ":")).map(l -> Long.parseUnsignedLong(l.split("\\s+")[1], 16))
                .findFirst().orElseThrow(() -> new AssertionError(field + " missing: " + status));
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void defaultCapabilitiesAreDockers14(String c) throws Exception {
        String status = d.client(c, "run", "--rm", "busybox", "cat", "/proc/self/status").ok().out();
        assertEquals(Long.toHexString(DOCKER_DEFAULT_CAPS), Long.toHexString(cap(status, "CapEff")));
        assertEquals(Long.toHexString(DOCKER_DEFAULT_CAPS), Long.toHexString(cap(status, "CapBnd")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void mountNeedsSysAdmin(String c) throws Exception {
        BerthDaemon.Result denied = d.client(c, "run", "--rm", "busybox", "mount", "-t", "tmpfs", "none", "/mnt");
        assertNotEquals(0, denied.code());
        assertTrue(denied.err().contains("permission denied") || denied.err().contains("not permitted"), denied.err());
        d.client(c, "run", "--rm", "--privileged", "busybox", "mount", "-t", "tmpfs", "none", "/mnt").ok();
        d.client(c, "run", "--rm", "--cap-add", "SYS_ADMIN", "busybox", "mount", "-t", "tmpfs", "none", "/mnt").ok();
        String priv = d.client(c, "run", "--rm", "--privileged", "busybox", "cat", "/proc/self/status").ok().out();
        assertTrue(Long.bitCount(cap(priv, "CapEff")) >= 38, "--privileged has every capability: " + Long.toHexString(cap(priv, "CapEff")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void capDropChown(String c) throws Exception {
        d.client(c, "run", "--rm", "busybox", "sh", "-c", "touch /tmp/x && chown 1 /tmp/x").ok();
        BerthDaemon.Result r = d.client(c, "run", "--rm", "--cap-drop", "CHOWN", "busybox", "sh", "-c", "touch /tmp/x && chown 1 /tmp/x");
        assertNotEquals(0, r.code(), r.all());
        assertTrue(r.err().contains("Operation not permitted"), r.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void userAndNoNewPrivileges(String c) throws Exception {
        assertEquals("1000\n", d.client(c, "run", "--rm", "--user", "1000", "busybox", "id", "-u").ok().out());
        assertEquals("1000 1000\n", d.client(c, "run", "--rm", "--user", "1000:1000", "busybox", "sh", "-c", "echo $(id -u) $(id -g)").ok().out());
        String nonRoot = d.client(c, "run", "--rm", "--user", "1000", "busybox", "cat", "/proc/self/status").ok().out();
        assertEquals(0L, cap(nonRoot, "CapEff"), "a non-root user has no effective capabilities");
        assertTrue(d.client(c, "run", "--rm", "busybox", "grep", "NoNewPrivs", "/proc/self/status").ok().out()
                .matches("NoNewPrivs:\\s+0\\n"));
        assertTrue(d.client(c, "run", "--rm", "--security-opt", "no-new-privileges", "busybox", "grep", "NoNewPrivs", "/proc/self/status")
                .ok().out().matches("NoNewPrivs:\\s+1\\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void maskedAndReadOnlyProcPaths(String c) throws Exception {
        BerthDaemon.Result kcore = d.client(c, "run", "--rm", "busybox", "sh", "-c", "head -c 16 /proc/kcore | wc -c");
        assertEquals("0", kcore.out().trim(), "/proc/kcore is masked: " + kcore.all());
        assertEquals("0", d.client(c, "run", "--rm", "busybox", "sh", "-c", "ls /sys/firmware 2>/dev/null | wc -l").out().trim(),
                "/sys/firmware is masked");
        BerthDaemon.Result sys = d.client(c, "run", "--rm", "busybox", "sh", "-c", "echo 1 > /proc/sys/kernel/ns_last_pid");
        assertNotEquals(0, sys.code(), sys.all());
        assertTrue(sys.err().contains("Read-only file system"), sys.err());
        BerthDaemon.Result trigger = d.client(c, "run", "--rm", "busybox", "sh", "-c", "echo h > /proc/sysrq-trigger");
        assertNotEquals(0, trigger.code(), "/proc/sysrq-trigger is read-only");
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void minimalDev(String c) throws Exception {
        String out = d.client(c, "run", "--rm", "busybox", "ls", "-A", "/dev").ok().out();
        Set<String> dev = new TreeSet<>(out.lines().map(String::trim).filter(s -> !s.isEmpty()).toList());
        Set<String> allowed = Set.of("console", "core", "fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "stderr",
                "stdin", "stdout", "tty", "urandom", "zero");
        assertTrue(allowed.containsAll(dev), "only the minimal nodes: " + dev);
        assertTrue(dev.containsAll(Set.of("null", "zero", "full", "random", "urandom", "tty", "pts", "shm", "ptmx")), dev.toString());
        assertEquals("4", d.client(c, "run", "--rm", "busybox", "sh", "-c", "head -c 4 /dev/zero | wc -c").ok().out().trim());
        BerthDaemon.Result disk = d.client(c, "run", "--rm", "busybox", "sh", "-c", "mknod /tmp/disk b 8 0 && head -c1 /tmp/disk");
        assertNotEquals(0, disk.code(), "host block devices cannot be opened: " + disk.all());
    }
}
