package io.berth.isolation.namespaces;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.kernel.cgroup.Cgroups;
import io.berth.kernel.cgroup.CgroupsDiscovery;
import io.berth.plugin.DriverContext;
import io.berth.plugin.DriverStatus;
import io.berth.plugin.isolation.AttachProtocol;
import io.berth.plugin.isolation.ProcessSpec;
import io.berth.plugin.isolation.ProcessState;
import io.berth.plugin.isolation.StartFailedException;
import io.berth.plugin.isolation.StartedProcess;
import io.berth.plugin.network.NetworkAttachment;
import io.berth.plugin.storage.RootfsMount;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The namespaces backend against the real kernel, driven as the daemon drives it. Needs root: fails
 * (never skips) without it. Rootfs: busybox-static with applet symlinks, bind-mounted.
 */
class NamespacesBackendRootIT {

    static final List<String> DEFAULT_CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
            "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");
    static final List<String> MASKED = List.of("/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
            "/sys/firmware", "/sys/devices/virtual/powercap");
    static final List<String> READONLY = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger");
    static final Duration T = Duration.ofSeconds(20);

    static Path base;
    static Path rootfs;
    static Path home;
    static DriverContext context;
    static NamespacesBackend backend;
    static String daemonId;
    final List<String> started = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        String uid = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("Uid:")).findFirst().orElse("");
        assertTrue(uid.split("\\s+")[1].equals("0"), "NamespacesBackendRootIT must run as root");
        daemonId = "it" + HexFormat.of().formatHex(randomBytes(3));
        base = Files.createDirectories(Path.of("/run", "berth-" + daemonId));
        rootfs = Files.createTempDirectory("berth-it-rootfs");
        Files.setPosixFilePermissions(rootfs, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        home = Files.createTempDirectory("berth-it-home");
        buildRootfs(rootfs);
        Path libexec = Path.of(System.getProperty("berth.libexec", "../../kernel-bridge/target/native")).toAbsolutePath();
        context = new DriverContext(home, base.resolve("ns"), libexec, daemonId);
        backend = new NamespacesBackend();
        backend.init(context);
        DriverStatus st = backend.status();
        assertTrue(st.usable(), st.reason());
        System.out.println("[berth-it] status: " + st.details());
    }

    static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    static void buildRootfs(Path root) throws Exception {
        Path bin = Files.createDirectories(root.resolve("bin"));
        Files.copy(Path.of("/usr/bin/busybox"), bin.resolve("busybox"));
        Process p = new ProcessBuilder("/usr/bin/busybox", "--list").start();
        String list = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        for (String applet : list.split("\n")) {
            if (!applet.isBlank() && !applet.equals("busybox")) {
                Files.createSymbolicLink(bin.resolve(applet.trim()), Path.of("busybox"));
            }
        }
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(root.resolve("mnt"));
        Files.createDirectories(root.resolve("tmp"));
        Files.writeString(root.resolve("etc/passwd"),
                "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\nuser:x:1000:\nstaff:x:50:user\n");
    }

    static String newId() {
        return HexFormat.of().formatHex(randomBytes(32));
    }

    /** A mutable builder for ProcessSpec with the daemon's defaults. */
    static final class Spec {
        String id = newId();
        List<String> args;
        List<String> env = List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        String user = "";
        String hostname = "box1";
        boolean tty;
        boolean openStdin;
        boolean stdinOnce;
        int rows;
        int cols;
        NetworkAttachment net = NetworkAttachment.newNamespace();
        ProcessSpec.Resources resources = ProcessSpec.Resources.none();
        boolean privileged;
        long logMaxSize;
        int logMaxFiles = 1;
        List<ProcessSpec.BindMount> mounts = List.of();
        RootfsMount root = RootfsMount.bind(rootfs.toString());
        boolean readonly;
        String cwd = "/";

        Spec(String... args) {
            this.args = List.of(args);
        }

        Path log() {
            return home.resolve(id + "-json.log");
        }

        ProcessSpec build() {
            ProcessSpec.Security sec = new ProcessSpec.Security(DEFAULT_CAPS, privileged, false,
                    privileged ? List.of() : MASKED, privileged ? List.of() : READONLY);
            return new ProcessSpec(id, root, mounts, args, env, cwd, user, hostname,
                    tty, openStdin, stdinOnce, rows, cols, net, resources, sec, readonly, log().toString(), logMaxSize,
                    logMaxFiles);
        }
    }

    record Run(StartedProcess process, AttachClient attach) {}

    Run run(Spec s, int wants) throws Exception {
        AtomicReference<AttachClient> client = new AtomicReference<>();
        started.add(s.id);
        StartedProcess p = backend.start(s.build(), sock -> {
            try {
                client.set(new AttachClient(sock, wants));
                return CompletableFuture.completedFuture(null);
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
        });
        return new Run(p, client.get());
    }

    Run run(Spec s) throws Exception {
        return run(s, AttachProtocol.WANT_STDOUT | AttachProtocol.WANT_STDERR);
    }

    @AfterEach
    void releaseAll() throws Exception {
        for (String id : started) {
            backend.release(id);
        }
        started.clear();
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (backend != null) {
                for (String id : backend.known()) {
                    backend.release(id);
                }
            }
        } finally {
            // the per-daemon cgroup parents, the dirs
            for (Path h : listDirs(Path.of("/sys/fs/cgroup"))) {
                Path parent = h.resolve("berth-" + daemonId);
                if (Files.isDirectory(parent)) {
                    try (Stream<Path> s = Files.list(parent)) {
                        s.filter(Files::isDirectory).forEach(d -> d.toFile().delete());
                    }
                    parent.toFile().delete();
                }
            }
            NamespacesBackend.deleteTree(base);
            NamespacesBackend.deleteTree(rootfs);
            NamespacesBackend.deleteTree(home);
        }
        List<String> leftCgroups = new ArrayList<>();
        for (Path h : listDirs(Path.of("/sys/fs/cgroup"))) {
            if (Files.exists(h.resolve("berth-" + daemonId))) {
                leftCgroups.add(h.resolve("berth-" + daemonId).toString());
            }
        }
        assertEquals(List.of(), leftCgroups, "cgroups left behind");
        assertEquals(List.of(), processesMentioning(base.toString()), "monitors left behind");
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        assertFalse(mounts.contains(base.toString()), "mounts left behind");
    }

    static List<Path> listDirs(Path d) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
            ds.forEach(p -> {
                if (Files.isDirectory(p)) {
                    out.add(p);
                }
            });
        }
        return out;
    }

    static List<String> processesMentioning(String text) throws IOException {
        List<String> found = new ArrayList<>();
        for (Path p : listDirs(Path.of("/proc"))) {
            if (!p.getFileName().toString().matches("\\d+")) {
                continue;
            }
            try {
                String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                if (cmd.contains(text)) {
                    found.add(p.getFileName() + ": " + cmd);
                }
            } catch (IOException ignored) {
                // gone
            }
        }
        return found;
    }

    // ---- tests ----

    @Test
    void isolatesPidMountUtsNetAndCgroupNamespaces() throws Exception {
        Spec s = new Spec("sh", "-c", "echo $$; hostname; echo ==ps; ps -o pid,comm; echo ==cg; cat /proc/self/cgroup;"
                + " echo ==net; ls /sys/class/net; echo ==mounts; cat /proc/mounts; echo ==up; cat /proc/uptime;"
                + " echo to-stderr >&2");
        Run r = run(s);
        ProcessState.Exited e = r.attach().awaitExit(T);
        assertEquals(0, e.exitCode(), r.attach().stderr());
        String out = r.attach().stdout();
        String[] lines = out.split("\n");
        assertEquals("1", lines[0], out);
        assertEquals("box1", lines[1]);
        String ps = section(out, "ps");
        List<String> pids = Arrays.stream(ps.split("\n")).skip(1).map(l -> l.trim().split("\\s+")[0])
                .collect(Collectors.toList());
        assertEquals(2, pids.size(), "only sh and ps: " + ps);
        assertEquals("1", pids.get(0), ps);
        for (String l : section(out, "cg").split("\n")) {
            assertTrue(l.endsWith(":/"), "cgroup namespace shows its root: " + l);
        }
        assertEquals("lo", section(out, "net").trim());
        String mounts = section(out, "mounts");
        assertTrue(mounts.contains("proc /proc proc"), mounts);
        assertTrue(mounts.contains("devpts /dev/pts devpts"), mounts);
        assertTrue(mounts.contains("mqueue /dev/mqueue mqueue"), mounts);
        assertFalse(mounts.contains("/sys/fs/cgroup"), "host mounts are not visible: " + mounts);
        assertTrue(mounts.lines().anyMatch(l -> l.startsWith("sysfs /sys sysfs ro,")), mounts);
        assertTrue(mounts.lines().anyMatch(l -> l.contains(" /proc/sys ") && l.contains(" ro,")), mounts);
        double uptime = Double.parseDouble(section(out, "up").trim().split("\\s+")[0]);
        assertTrue(uptime < 5, "time namespace: uptime starts at the container's start: " + uptime);
        assertEquals("to-stderr\n", r.attach().stderr());

        List<String> log = Files.readAllLines(s.log());
        assertTrue(log.get(0).matches("\\{\"log\":\"1\\\\n\",\"stream\":\"stdout\",\"time\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z\"}"),
                log.get(0));
        assertTrue(log.stream().anyMatch(l -> l.startsWith("{\"log\":\"to-stderr\\n\",\"stream\":\"stderr\"")), log.toString());
        r.attach().close();
    }

    static String section(String out, String name) {
        int i = out.indexOf("==" + name + "\n");
        assertTrue(i >= 0, "section " + name + " in " + out);
        String rest = out.substring(i + name.length() + 3);
        int j = rest.indexOf("\n==");
        return j < 0 ? rest : rest.substring(0, j + 1);
    }

    @Test
    void hostCgroupsNameTheContainerWhileItRuns() throws Exception {
        Spec s = new Spec("sleep", "100");
        Run r = run(s);
        String cg = Files.readString(Path.of("/proc/" + r.process().pid() + "/cgroup"));
        assertTrue(cg.contains("/berth-" + daemonId + "/" + s.id), cg);
        assertInstanceOf(ProcessState.Running.class, backend.inspect(s.id));
        assertTrue(backend.signal(s.id, 9));
        ProcessState.Exited e = r.attach().awaitExit(T);
        assertEquals(137, e.exitCode());
        assertFalse(e.oomKilled());
        assertEquals(e, backend.inspect(s.id));
        assertFalse(backend.signal(s.id, 9));
        r.attach().close();
    }

    @Test
    void exitCodes() throws Exception {
        Run r = run(new Spec("sh", "-c", "exit 3"));
        assertEquals(3, r.attach().awaitExit(T).exitCode());
        r.attach().close();
    }

    @Test
    void jsonEscapingAndRotation() throws Exception {
        Spec s = new Spec("sh", "-c", "printf 'a\\001<&>\\377\"\\\\\\tb\\n'; i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); done");
        s.logMaxSize = 4000;
        s.logMaxFiles = 3;
        Run r = run(s);
        assertEquals(0, r.attach().awaitExit(T).exitCode());
        r.attach().close();
        Path dir = s.log().getParent();
        String name = s.log().getFileName().toString();
        assertTrue(Files.exists(dir.resolve(name + ".1")));
        assertTrue(Files.exists(dir.resolve(name + ".2")));
        assertFalse(Files.exists(dir.resolve(name + ".3")));
        for (String f : List.of(name, name + ".1", name + ".2")) {
            assertTrue(Files.size(dir.resolve(f)) <= 4000, f + " " + Files.size(dir.resolve(f)));
        }
        List<String> last = Files.readAllLines(s.log());
        assertTrue(last.get(last.size() - 1).startsWith("{\"log\":\"line-299\\n\""), last.toString());
        // rotated away; check the escaping with a fresh, unrotated container
        Spec e = new Spec("sh", "-c", "printf 'a\\001<&>\\377\"\\\\\\tb\\n'");
        Run r2 = run(e);
        assertEquals(0, r2.attach().awaitExit(T).exitCode());
        r2.attach().close();
        String line = Files.readAllLines(e.log()).get(0);
        assertTrue(line.startsWith("{\"log\":\"a\\u0001\\u003c\\u0026\\u003e\\ufffd\\\"\\\\\\tb\\n\",\"stream\":\"stdout\""), line);
    }

    @Test
    void missingBinaryFailsAtStartAndLeavesNothing() throws Exception {
        Spec s = new Spec("nosuch");
        StartFailedException e = assertThrows(StartFailedException.class, () -> backend.start(s.build(), p -> CompletableFuture.completedFuture(null)));
        assertEquals(StartFailedException.Kind.NOT_FOUND, e.kind());
        assertEquals("exec: \"nosuch\": executable file not found in $PATH", e.getMessage());
        assertLeavesNothing(s.id);

        Spec abs = new Spec("/nosuch");
        e = assertThrows(StartFailedException.class, () -> backend.start(abs.build(), p -> CompletableFuture.completedFuture(null)));
        assertEquals(StartFailedException.Kind.NOT_FOUND, e.kind());
        assertEquals("exec: \"/nosuch\": stat /nosuch: no such file or directory", e.getMessage());
        assertLeavesNothing(abs.id);

        Spec noexec = new Spec("/etc/passwd");
        e = assertThrows(StartFailedException.class, () -> backend.start(noexec.build(), p -> CompletableFuture.completedFuture(null)));
        assertEquals(StartFailedException.Kind.NOT_EXECUTABLE, e.kind());
        assertEquals("exec: \"/etc/passwd\": permission denied", e.getMessage());
        assertLeavesNothing(noexec.id);

        Spec badUser = new Spec("true");
        badUser.user = "nobody-here";
        e = assertThrows(StartFailedException.class, () -> backend.start(badUser.build(), p -> CompletableFuture.completedFuture(null)));
        assertEquals(StartFailedException.Kind.SETUP, e.kind());
        assertTrue(e.getMessage().contains("unable to find user nobody-here"), e.getMessage());
        assertLeavesNothing(badUser.id);

        // a failing beforeExec stage: nothing runs either
        Spec aborted = new Spec("sleep", "100");
        e = assertThrows(StartFailedException.class, () -> backend.start(aborted.build(),
                p -> CompletableFuture.failedFuture(new IOException("attach failed"))));
        assertEquals(StartFailedException.Kind.SETUP, e.kind());
        assertLeavesNothing(aborted.id);
    }

    void assertLeavesNothing(String id) throws Exception {
        assertFalse(Files.exists(context.runDir().resolve(id)), "state dir left");
        Cgroups cg = CgroupsDiscovery.detect();
        assertNull(cg.find(backend.cgroupParent(), id), "cgroups left");
        assertFalse(backend.known().contains(id));
        assertEquals(List.of(), processesMentioning(context.runDir().resolve(id).toString()));
        assertInstanceOf(ProcessState.Unknown.class, backend.inspect(id));
    }

    @Test
    void attachStdinToCat() throws Exception {
        Spec s = new Spec("cat");
        s.openStdin = true;
        s.stdinOnce = true;
        Run r = run(s, AttachProtocol.WANT_STDIN | AttachProtocol.WANT_STDOUT | AttachProtocol.WANT_STDERR);
        r.attach().stdin("hello\n");
        r.attach().awaitStdout("hello\n", T);
        r.attach().stdin("world\n");
        r.attach().stdinEof();
        ProcessState.Exited e = r.attach().awaitExit(T);
        assertEquals(0, e.exitCode());
        assertEquals("hello\nworld\n", r.attach().stdout());
        assertTrue(e.finishedAtNanos() >= r.process().startedAtNanos());
        r.attach().close();
        assertFalse(Files.exists(backend.attachSocket(s.id)), "attach.sock removed at exit");
    }

    @Test
    void ttyIsTheContainersOwnPtyWithTheGivenSize() throws Exception {
        Spec s = new Spec("sh", "-c", "tty; stty size; read x; stty size");
        s.tty = true;
        s.openStdin = true;
        s.stdinOnce = true;
        s.rows = 24;
        s.cols = 80;
        Run r = run(s, AttachProtocol.WANT_STDIN | AttachProtocol.WANT_STDOUT);
        r.attach().awaitStdout("24 80", T);
        r.attach().resize(40, 100);
        r.attach().stdin("\n");
        r.attach().awaitStdout("40 100", T);
        ProcessState.Exited e = r.attach().awaitExit(T);
        assertEquals(0, e.exitCode());
        String out = r.attach().stdout();
        assertTrue(out.startsWith("/dev/pts/0\r\n"), out);
        r.attach().close();
        String log = Files.readString(s.log());
        assertTrue(log.contains("\"log\":\"/dev/pts/0\\r\\n\",\"stream\":\"stdout\""), log);
    }

    @Test
    void memoryLimitKillsAndReportsOom() throws Exception {
        Spec s = new Spec("dd", "if=/dev/zero", "of=/dev/null", "bs=48M", "count=1");
        s.resources = new ProcessSpec.Resources(32L << 20, 32L << 20, 0, 0, 0, 0, "");
        Run r = run(s);
        ProcessState.Exited e = r.attach().awaitExit(T);
        assertEquals(137, e.exitCode(), r.attach().stderr());
        assertTrue(e.oomKilled());
        r.attach().close();
    }

    @Test
    void pidsLimitStopsTheSeventhProcess() throws Exception {
        Spec s = new Spec("sh", "-c", "for i in 1 2 3 4 5 6 7 8; do echo $i; sleep 5 & done; echo done");
        s.resources = new ProcessSpec.Resources(0, 0, 0, 0, 0, 6, "");
        Run r = run(s);
        ProcessState.Exited e = r.attach().awaitExit(T);
        String out = r.attach().stdout();
        assertEquals("1\n2\n3\n4\n5\n6\n", out, r.attach().stderr());
        assertTrue(r.attach().stderr().contains("fork"), r.attach().stderr());
        assertNotEquals(0, e.exitCode());
        r.attach().close();
    }

    @Test
    void capabilitiesMaskedPathsAndUsers() throws Exception {
        Spec plain = new Spec("sh", "-c", "mount -t tmpfs none /mnt; echo rc=$?; wc -c < /proc/keys; grep Cap /proc/self/status");
        Run r = run(plain);
        r.attach().awaitExit(T);
        String out = r.attach().stdout();
        assertTrue(out.contains("rc=1") || out.contains("rc=255"), out + r.attach().stderr());
        assertTrue(out.contains("\n0\n"), "masked /proc/keys is empty: " + out);
        assertTrue(out.contains("CapBnd:\t00000000a80425fb"), out);
        assertTrue(out.contains("CapEff:\t00000000a80425fb"), out);
        r.attach().close();

        Spec priv = new Spec("sh", "-c", "mount -t tmpfs none /mnt; echo rc=$?");
        priv.privileged = true;
        Run p = run(priv);
        p.attach().awaitExit(T);
        assertTrue(p.attach().stdout().contains("rc=0"), p.attach().stdout() + p.attach().stderr());
        p.attach().close();

        Spec user = new Spec("sh", "-c", "id; grep CapEff /proc/self/status; echo $HOME");
        user.user = "user";
        Run u = run(user);
        u.attach().awaitExit(T);
        String uo = u.attach().stdout();
        assertTrue(uo.startsWith("uid=1000(user) gid=1000(user) groups=50(staff)"), uo);
        assertTrue(uo.contains("CapEff:\t0000000000000000"), uo);
        assertTrue(uo.contains("/home/user"), uo);
        u.attach().close();

        Spec numeric = new Spec("id");
        numeric.user = "1234:50";
        Run n = run(numeric);
        n.attach().awaitExit(T);
        assertTrue(n.attach().stdout().startsWith("uid=1234 gid=50(staff)"), n.attach().stdout());
        n.attach().close();
    }

    @Test
    void bindMountsResolveInsideTheRoot() throws Exception {
        Path hostFile = home.resolve("hostname-" + System.nanoTime());
        Files.writeString(hostFile, "from-host\n");
        // a symlink in the image pointing out of the root must not escape it
        Files.deleteIfExists(rootfs.resolve("escape"));
        Files.createSymbolicLink(rootfs.resolve("escape"), home.toAbsolutePath());
        Spec s = new Spec("sh", "-c", "cat /etc/hostname; cat /escape/x; echo $?");
        s.mounts = List.of(new ProcessSpec.BindMount(hostFile.toString(), "/etc/hostname", true),
                new ProcessSpec.BindMount(hostFile.toString(), "/escape/x", true));
        Run r = run(s);
        assertEquals(0, r.attach().awaitExit(T).exitCode(), r.attach().stderr());
        assertTrue(r.attach().stdout().startsWith("from-host\nfrom-host\n"), r.attach().stdout());
        assertFalse(Files.exists(home.resolve("x")), "escaped the root");
        r.attach().close();
        Files.deleteIfExists(rootfs.resolve("escape"));
    }

    @Test
    void hostAndJoinNetworkModes() throws Exception {
        Spec host = new Spec("sh", "-c", "ls /sys/class/net | wc -l");
        host.net = NetworkAttachment.host();
        Run h = run(host);
        assertEquals(0, h.attach().awaitExit(T).exitCode());
        long hostIfs;
        try (Stream<Path> st = Files.list(Path.of("/sys/class/net"))) {
            hostIfs = st.count();
        }
        assertEquals(Long.toString(hostIfs), h.attach().stdout().trim());
        h.attach().close();

        Spec owner = new Spec("sleep", "100");
        Run o = run(owner, 0);
        Spec joiner = new Spec("cat", "/proc/net/dev");
        joiner.net = NetworkAttachment.join("/proc/" + o.process().pid() + "/ns/net");
        Run j = run(joiner);
        assertEquals(0, j.attach().awaitExit(T).exitCode());
        assertTrue(j.attach().stdout().contains("lo:"));
        j.attach().close();
        backend.signal(owner.id, 9);
        o.attach().awaitExit(T);
        o.attach().close();
    }

    @Test
    void monitorOutlivesTheBackendThatStartedIt() throws Exception {
        Spec s = new Spec("sleep", "100");
        started.add(s.id);
        StartedProcess p = backend.start(s.build(), sock -> CompletableFuture.completedFuture(null));
        // a new backend instance (a restarted daemon) finds it through the files
        NamespacesBackend again = new NamespacesBackend();
        again.init(context);
        assertTrue(again.known().contains(s.id));
        ProcessState st = again.inspect(s.id);
        assertEquals(new ProcessState.Running(p), st);
        try (AttachClient watcher = new AttachClient(again.attachSocket(s.id), 0)) {
            assertTrue(again.signal(s.id, 9));
            ProcessState.Exited e = watcher.awaitExit(T);
            assertEquals(137, e.exitCode());
        }
        assertEquals(137, ((ProcessState.Exited) again.inspect(s.id)).exitCode());
    }

    @Test
    void overlayRootfsWorkingDirAndReadonlyRoot() throws Exception {
        Path layers = Files.createDirectories(home.resolve("overlay-" + System.nanoTime()));
        Path upper = Files.createDirectories(layers.resolve("upper"));
        Path work = Files.createDirectories(layers.resolve("work"));
        Spec s = new Spec("sh", "-c", "pwd; echo written > /tmp/new-file; grep ' / ' /proc/mounts");
        s.root = new RootfsMount("overlay", "overlay",
                "lowerdir=" + rootfs + ",upperdir=" + upper + ",workdir=" + work);
        s.cwd = "/work/dir";
        Run r = run(s);
        assertEquals(0, r.attach().awaitExit(T).exitCode(), r.attach().stderr());
        assertTrue(r.attach().stdout().startsWith("/work/dir\noverlay / overlay rw"), r.attach().stdout());
        assertEquals("written\n", Files.readString(upper.resolve("tmp/new-file")));
        assertFalse(Files.exists(rootfs.resolve("tmp/new-file")), "the lower layer is untouched");
        assertTrue(Files.isDirectory(upper.resolve("work/dir")), "the working dir was created");
        r.attach().close();
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(upper.toString()), "no host mount");

        Spec ro = new Spec("sh", "-c", "touch /x; echo rc=$?; touch /dev/shm/y; echo shm=$?");
        ro.readonly = true;
        Run q = run(ro);
        q.attach().awaitExit(T);
        assertTrue(q.attach().stdout().contains("rc=1"), q.attach().stdout());
        assertTrue(q.attach().stdout().contains("shm=0"), q.attach().stdout());
        assertFalse(Files.exists(rootfs.resolve("x")));
        q.attach().close();
    }

    @Test
    void startLatencyOfTrue() throws Exception {
        long[] startNs = new long[20];
        long[] exitNs = new long[20];
        for (int i = 0; i < 20; i++) {
            Spec s = new Spec("/bin/true");
            long t0 = System.nanoTime();
            Run r = run(s, 0);
            long t1 = System.nanoTime();
            r.attach().awaitExit(T);
            long t2 = System.nanoTime();
            startNs[i] = t1 - t0;
            exitNs[i] = t2 - t0;
            r.attach().close();
            backend.release(s.id);
            started.remove(s.id);
        }
        long[] spawnNs = new long[20];
        for (int i = 0; i < 20; i++) {
            long t0 = System.nanoTime();
            new ProcessBuilder("/bin/true").start().waitFor();
            spawnNs[i] = System.nanoTime() - t0;
        }
        Arrays.sort(spawnNs);
        System.out.printf("[berth-it] baseline: ProcessBuilder(/bin/true) start+waitFor median %.2f ms%n", spawnNs[10] / 1e6);
        Arrays.sort(startNs);
        Arrays.sort(exitNs);
        System.out.printf("[berth-it] /bin/true x20: start() median %.2f ms (p90 %.2f), to EXIT median %.2f ms (p90 %.2f)%n",
                startNs[10] / 1e6, startNs[18] / 1e6, exitNs[10] / 1e6, exitNs[18] / 1e6);
    }
}
