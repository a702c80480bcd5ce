package io.berth.isolation.namespaces;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.plugin.DriverContext;
import io.berth.plugin.DriverStatus;
import io.berth.plugin.isolation.ProcessSpec;
import io.berth.plugin.isolation.ProcessState;
import io.berth.plugin.isolation.StartFailedException;
import io.berth.plugin.network.NetworkAttachment;
import io.berth.plugin.storage.RootfsMount;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Unit tests without root: status, the spec file encoding, the launcher's error lines, the state files. */
class NamespacesBackendTest {

    @TempDir
    Path tmp;

    @Test
    void statusNamesAMissingMonitor() throws Exception {
        NamespacesBackend b = new NamespacesBackend();
        b.init(new DriverContext(tmp.resolve("home"), tmp.resolve("run"), tmp.resolve("libexec"), "d1"));
        DriverStatus st = b.status();
        assertFalse(st.usable());
        assertTrue(st.reason().contains("berth-monitor"), st.reason());
        assertEquals("berth-d1", b.cgroupParent());
    }

    @Test
    void specFileIsNulSeparatedKeyValues() {
        ProcessSpec spec = new ProcessSpec("abc", new RootfsMount("overlay", "overlay", "lowerdir=/l,upperdir=/u,workdir=/w"),
                List.of(new ProcessSpec.BindMount("/h/hosts", "/etc/hosts", true)), List.of("sh", "-c", "echo a=b"),
                List.of("PATH=/bin"), "", "1000:50", "host1", true, true, true, 24, 80,
                NetworkAttachment.join("/run/netns/x"), ProcessSpec.Resources.none(),
                new ProcessSpec.Security(List.of("CAP_CHOWN"), false, true, List.of("/proc/kcore"), List.of("/proc/sys")),
                true, "/l/c-json.log", 1000, 3);
        String text = new String(SpecFile.of(spec, List.of("/sys/fs/cgroup/pids/p/abc/cgroup.procs"), null).bytes(),
                StandardCharsets.UTF_8);
        List<String> entries = List.of(text.split("\0"));
        assertEquals("version=1", entries.get(0));
        assertTrue(text.endsWith("\0"));
        for (String e : List.of("id=abc", "rootfs.type=overlay", "rootfs.data=lowerdir=/l,upperdir=/u,workdir=/w",
                "arg=sh", "arg=-c", "arg=echo a=b", "env=PATH=/bin", "cwd=/", "user=1000:50", "hostname=host1", "tty=1",
                "stdin=1", "stdin_once=1", "rows=24", "cols=80", "net=join", "netns=/run/netns/x",
                "cgroup.procs=/sys/fs/cgroup/pids/p/abc/cgroup.procs", "cap=CAP_CHOWN", "no_new_privs=1",
                "mask=/proc/kcore", "ro_path=/proc/sys", "readonly=1", "bind=ro", "bind.src=/h/hosts",
                "bind.dst=/etc/hosts", "log=/l/c-json.log", "log.max_size=1000", "log.max_files=3")) {
            assertTrue(entries.contains(e), e + " in " + entries);
        }
        assertTrue(entries.indexOf("bind=ro") < entries.indexOf("bind.src=/h/hosts"));
        assertThrows(IllegalArgumentException.class, () -> new SpecFile().put("env", "A=\0"));
    }

    @Test
    void launcherErrorLinesMapToKinds() {
        StartFailedException e = NamespacesBackend.failure("error notfound exec: \"x\": executable file not found in $PATH");
        assertEquals(StartFailedException.Kind.NOT_FOUND, e.kind());
        assertEquals("exec: \"x\": executable file not found in $PATH", e.getMessage());
        assertEquals(StartFailedException.Kind.NOT_EXECUTABLE,
                NamespacesBackend.failure("error noexec exec: \"/etc\": permission denied").kind());
        assertEquals(StartFailedException.Kind.SETUP,
                NamespacesBackend.failure("error setup mount proc on /proc: Operation not permitted").kind());
        assertEquals(StartFailedException.Kind.SETUP, NamespacesBackend.failure(null).kind());
    }

    @Test
    void inspectReadsTheStateFiles() throws Exception {
        NamespacesBackend b = new NamespacesBackend();
        b.init(new DriverContext(tmp.resolve("home"), tmp.resolve("run"), tmp.resolve("libexec"), "d1"));
        Path dir = Files.createDirectories(tmp.resolve("run/c1"));
        assertInstanceOf(ProcessState.Unknown.class, b.inspect("c1"));
        // a pid file naming a process that is gone (or another one: wrong start time) is not running
        Files.writeString(dir.resolve("monitor.pid"), ProcessHandle.current().pid() + " 1\n");
        Files.writeString(dir.resolve("container.pid"), ProcessHandle.current().pid() + " 1\n");
        assertInstanceOf(ProcessState.Unknown.class, b.inspect("c1"));
        assertFalse(b.signal("c1", 0));
        Files.writeString(dir.resolve("exit"), "exit=137 oom=1 finished=42\n");
        assertEquals(new ProcessState.Exited(137, true, 42), b.inspect("c1"));
        assertTrue(b.known().contains("c1"));
        assertThrows(IllegalArgumentException.class, () -> b.inspect("../x"));
    }
}
