package io.berth.isolation.namespaces;

import io.berth.kernel.ProcStat;
import io.berth.kernel.Syscalls;
import io.berth.kernel.cgroup.Cgroups;
import io.berth.kernel.cgroup.CgroupsDiscovery;
import io.berth.plugin.DriverContext;
import io.berth.plugin.DriverStatus;
import io.berth.plugin.isolation.AttachProtocol;
import io.berth.plugin.isolation.IsolationBackend;
import io.berth.plugin.isolation.ProcessSpec;
import io.berth.plugin.isolation.ProcessState;
import io.berth.plugin.isolation.StartFailedException;
import io.berth.plugin.isolation.StartedProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.pf4j.Extension;

/**
 * The default isolation backend: Linux namespaces and cgroups, set up by berth's native launcher
 * ({@code berth-monitor}), which leaves a per-container monitor process behind.
 *
 * <p>State of container {@code id} lives in {@code <runDir>/<short id>/} (the first 12 characters of a
 * 64-hex id, so that the attach socket's path fits in the 107 bytes a unix socket address holds):
 * {@code id} (the full id), {@code spec} (written here),
 * {@code monitor.pid} and {@code container.pid} ("pid starttime", written by the monitor),
 * {@code started} (wall-clock nanos, written here), {@code attach.sock} (the monitor's socket),
 * {@code exit} ("exit=N oom=0|1 finished=nanos", written by the monitor when the container ended) and
 * {@code rootfs/} (an empty mount point; the root filesystem is mounted in the container's own mount
 * namespace only). Cgroups are {@code berth-<daemonId>/<id>} in every hierarchy.
 */
@Extension
public class NamespacesBackend implements IsolationBackend {

    public static final String NAME = "namespaces";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final Pattern FULL_ID = Pattern.compile("[0-9a-f]{64}");
    /** A unix socket address holds 108 bytes including the terminating NUL. */
    private static final int MAX_SOCKET_PATH = 107;
    private static final long BEFORE_EXEC_TIMEOUT_SECONDS = 10;
    private static final boolean TRACE = Boolean.getBoolean("berth.namespaces.trace");

    private Path runDir;
    private Path monitor;
    private String cgroupParent;
    private volatile Cgroups cgroups;
    private volatile String cgroupsError = "";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void init(DriverContext context) throws IOException {
        runDir = context.runDir();
        Files.createDirectories(runDir);
        int longest = runDir.toAbsolutePath().toString().length() + "/0123456789ab/attach.sock".length();
        if (longest > MAX_SOCKET_PATH) {
            throw new IOException("the exec root " + runDir.getParent() + " is too long: monitor sockets under it"
                    + " would need " + longest + " bytes, and a unix socket path holds " + MAX_SOCKET_PATH);
        }
        monitor = context.libexec().resolve("berth-monitor");
        cgroupParent = "berth-" + context.daemonId();
        try {
            cgroups = CgroupsDiscovery.detect();
        } catch (IOException | RuntimeException e) {
            cgroupsError = String.valueOf(e.getMessage());
        }
    }

    /** The cgroup parent this backend creates container cgroups under. */
    public String cgroupParent() {
        return cgroupParent;
    }

    @Override
    public DriverStatus status() {
        if (monitor == null) {
            return DriverStatus.unusable(NAME, "not initialised");
        }
        if (!Files.isExecutable(monitor)) {
            return DriverStatus.unusable(NAME, "the native monitor is missing: " + monitor + " is not an executable file");
        }
        if (cgroups == null) {
            return DriverStatus.unusable(NAME, "no usable cgroups: " + cgroupsError);
        }
        List<DriverStatus.Detail> d = new ArrayList<>();
        d.add(new DriverStatus.Detail("Cgroup Mode", cgroups.mode()));
        d.add(new DriverStatus.Detail("Cgroup Controllers", String.join(",", new TreeSet<>(cgroups.controllers()))));
        d.add(new DriverStatus.Detail("Cgroup Parent", cgroupParent));
        d.add(new DriverStatus.Detail("Monitor", monitor.toString()));
        d.add(new DriverStatus.Detail("Time Namespace",
                Files.exists(Path.of("/proc/self/ns/time")) ? "supported" : "not supported"));
        return DriverStatus.usable(NAME, d);
    }

    /**
     * Docker's default device rules: any device node may be created (mknod), but only these may be opened:
     * null, zero, full, random, urandom, tty, console, ptmx, the container's ptys, and tun. Without them a
     * container keeping CAP_MKNOD could create and open the host's disks.
     */
    static final List<String> DEFAULT_DEVICE_RULES = List.of("c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm",
            "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm",
            "c 10:200 rwm");

    private static void restrictDevices(Cgroups.CgroupSet cg) throws IOException {
        try {
            cg.restrictDevices(DEFAULT_DEVICE_RULES);
        } catch (UnsupportedOperationException e) {
            // cgroup v2: device rules need an eBPF program (not loaded yet); status() says so
        }
    }

    private Cgroups cgroups() throws IOException {
        Cgroups c = cgroups;
        if (c == null) {
            throw new IOException("no usable cgroups: " + cgroupsError);
        }
        return c;
    }

    private Path stateDir(String containerId) {
        if (containerId == null || !ID.matcher(containerId).matches()) {
            throw new IllegalArgumentException("bad container id: " + containerId);
        }
        return runDir.resolve(FULL_ID.matcher(containerId).matches() ? containerId.substring(0, 12) : containerId);
    }

    @Override
    public Path attachSocket(String containerId) {
        return stateDir(containerId).resolve("attach.sock");
    }

    @Override
    public StartedProcess start(ProcessSpec spec, Function<Path, CompletionStage<Void>> beforeExec)
            throws StartFailedException, IOException {
        String id = spec.containerId();
        Path dir = stateDir(id);
        if (Files.exists(dir)) {
            if (inspect(id) instanceof ProcessState.Running) {
                throw new StartFailedException(StartFailedException.Kind.SETUP, "container " + id + " is already running");
            }
            deleteTree(dir);
        }
        long t0 = System.nanoTime();
        Files.createDirectories(dir);
        writeAtomically(dir.resolve("id"), id);
        Cgroups.CgroupSet cg = null;
        boolean ok = false;
        try {
            ProcessSpec.Resources r = spec.resources() == null ? ProcessSpec.Resources.none() : spec.resources();
            try {
                cg = cgroups().create(cgroupParent, id, new Cgroups.Limits(r.memoryBytes(), r.memorySwapBytes(),
                        r.cpuQuotaMicros(), r.cpuPeriodMicros(), r.cpuShares(), r.pidsLimit(),
                        r.cpusetCpus() == null ? "" : r.cpusetCpus()));
                if (spec.security() == null || !spec.security().privileged()) {
                    restrictDevices(cg);
                }
            } catch (IOException e) {
                throw new StartFailedException(StartFailedException.Kind.SETUP, "cgroups: " + e.getMessage());
            }
            long t1 = System.nanoTime();
            try {
                SpecFile.of(spec, cg.procsFiles(), oomFile(cg.procsFiles())).writeTo(dir);
            } catch (IllegalArgumentException e) {
                throw new StartFailedException(StartFailedException.Kind.SETUP, e.getMessage());
            }
            long t2 = System.nanoTime();
            long startedAt = launch(dir, beforeExec);
            if (TRACE) {
                System.err.printf("[namespaces] %s: cgroups %.2f ms, spec %.2f ms, launcher %.2f ms%n", id,
                        (t1 - t0) / 1e6, (t2 - t1) / 1e6, (System.nanoTime() - t2) / 1e6);
            }
            writeAtomically(dir.resolve("started"), Long.toString(startedAt));
            PidFile ctr = PidFile.read(dir.resolve("container.pid"));
            PidFile mon = PidFile.read(dir.resolve("monitor.pid"));
            if (ctr == null || mon == null) {
                throw new StartFailedException(StartFailedException.Kind.SETUP, "the monitor wrote no pid files");
            }
            ok = true;
            return new StartedProcess(ctr.pid(), ctr.startTime(), mon.pid(), mon.startTime(), startedAt);
        } finally {
            if (!ok) {
                try {
                    if (cg != null) {
                        cg.destroy();
                    }
                } finally {
                    deleteTree(dir);
                }
            }
        }
    }

    /** Runs the launcher through created → beforeExec → go → started; returns the start's wall time. */
    private long launch(Path dir, Function<Path, CompletionStage<Void>> beforeExec)
            throws StartFailedException, IOException {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(monitor.toString(), "start", dir.toString()).redirectErrorStream(true).start();
        long t1 = System.nanoTime();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             OutputStream out = p.getOutputStream()) {
            String line = in.readLine();
            if (line == null || !line.startsWith("created ")) {
                waitFor(p);
                throw failure(line);
            }
            long t2 = System.nanoTime();
            try {
                beforeExec.apply(dir.resolve("attach.sock")).toCompletableFuture()
                        .get(BEFORE_EXEC_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (Exception e) {
                out.close(); // the launcher kills the container and its monitor
                in.transferTo(java.io.Writer.nullWriter());
                waitFor(p);
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw new StartFailedException(StartFailedException.Kind.SETUP, "before exec: " + e);
            }
            long t3 = System.nanoTime();
            out.write("go\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            line = in.readLine();
            long startedAt = nowNanos();
            long t4 = System.nanoTime();
            waitFor(p);
            if (TRACE) {
                System.err.printf("[namespaces] spawn %.2f ms, to created %.2f ms, beforeExec %.2f ms, go to started %.2f ms, reap %.2f ms%n",
                        (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, (t4 - t3) / 1e6, (System.nanoTime() - t4) / 1e6);
            }
            if (!"started".equals(line)) {
                throw failure(line);
            }
            return startedAt;
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
    }

    private static void waitFor(Process p) throws IOException {
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("berth-monitor did not exit");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while starting a container", e);
        }
    }

    /** Maps the launcher's "error <kind> <message>" line. */
    static StartFailedException failure(String line) {
        if (line == null) {
            return new StartFailedException(StartFailedException.Kind.SETUP, "berth-monitor exited without a result");
        }
        if (!line.startsWith("error ")) {
            return new StartFailedException(StartFailedException.Kind.SETUP, "berth-monitor: " + line);
        }
        String rest = line.substring(6);
        int sp = rest.indexOf(' ');
        String kind = sp < 0 ? rest : rest.substring(0, sp);
        String msg = sp < 0 ? "" : rest.substring(sp + 1);
        StartFailedException.Kind k = switch (kind) {
            case "notfound" -> StartFailedException.Kind.NOT_FOUND;
            case "noexec" -> StartFailedException.Kind.NOT_EXECUTABLE;
            default -> StartFailedException.Kind.SETUP;
        };
        return new StartFailedException(k, msg);
    }

    /** memory.oom_control (v1) or memory.events (v2) next to one of the procs files, or null. */
    private static String oomFile(List<String> procsFiles) {
        for (String f : procsFiles) {
            Path d = Path.of(f).getParent();
            for (String name : List.of("memory.oom_control", "memory.events")) {
                if (d != null && Files.exists(d.resolve(name))) {
                    return d.resolve(name).toString();
                }
            }
        }
        return null;
    }

    @Override
    public ProcessState inspect(String containerId) throws IOException {
        Path dir = stateDir(containerId);
        ProcessState.Exited exited = readExit(dir);
        if (exited != null) {
            return exited;
        }
        PidFile mon = PidFile.read(dir.resolve("monitor.pid"));
        PidFile ctr = PidFile.read(dir.resolve("container.pid"));
        // a container that just ended may be an unreaped zombie for a moment: its monitor, alive, will
        // record the exit, so it still counts as running until then
        if (mon != null && ctr != null && mon.alive() && ProcStat.startTime(ctr.pid()) == ctr.startTime()) {
            return new ProcessState.Running(new StartedProcess(ctr.pid(), ctr.startTime(), mon.pid(), mon.startTime(),
                    readLong(dir.resolve("started"))));
        }
        exited = readExit(dir); // the monitor may have finished in between
        return exited != null ? exited : new ProcessState.Unknown();
    }

    private static ProcessState.Exited readExit(Path dir) throws IOException {
        try {
            return AttachProtocol.parseExit(Files.readString(dir.resolve("exit"), StandardCharsets.US_ASCII));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    @Override
    public boolean signal(String containerId, int signal) throws IOException {
        Path dir = stateDir(containerId);
        if (Files.exists(dir.resolve("exit"))) {
            return false;
        }
        PidFile ctr = PidFile.read(dir.resolve("container.pid"));
        if (ctr == null || !ctr.alive()) {
            return false;
        }
        return Syscalls.kill(ctr.pid(), signal);
    }

    @Override
    public void freeze(String containerId, boolean frozen) throws IOException {
        Cgroups.CgroupSet cg = cgroups().find(cgroupParent, containerId);
        if (cg == null) {
            throw new IOException("container " + containerId + " has no cgroup here");
        }
        cg.freeze(frozen);
    }

    @Override
    public void release(String containerId) throws IOException {
        Path dir = stateDir(containerId);
        PidFile mon = PidFile.read(dir.resolve("monitor.pid"));
        PidFile ctr = PidFile.read(dir.resolve("container.pid"));
        if (ctr != null && ctr.alive()) {
            Syscalls.kill(ctr.pid(), 9);
        }
        if (mon != null) {
            // let the monitor drain and exit before its directory goes (bounded; off the hot path)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (mon.alive() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (mon.alive()) {
                Syscalls.kill(mon.pid(), 9);
            }
        }
        Cgroups c = cgroups;
        if (c != null) {
            Cgroups.CgroupSet cg = c.find(cgroupParent, containerId);
            if (cg != null) {
                cg.destroy();
            }
        }
        deleteTree(dir);
    }

    @Override
    public Set<String> known() throws IOException {
        Set<String> ids = new TreeSet<>();
        if (Files.isDirectory(runDir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(runDir)) {
                for (Path p : ds) {
                    String n = p.getFileName().toString();
                    if (Files.isDirectory(p) && ID.matcher(n).matches()) {
                        Path idFile = p.resolve("id");
                        ids.add(Files.exists(idFile) ? Files.readString(idFile, StandardCharsets.US_ASCII).trim() : n);
                    }
                }
            }
        }
        Cgroups c = cgroups;
        if (c != null) {
            ids.addAll(c.list(cgroupParent));
        }
        return ids;
    }

    // ---- files ----

    /** "pid starttime" as the monitor writes it. */
    record PidFile(int pid, long startTime) {
        static PidFile read(Path f) throws IOException {
            String s;
            try {
                s = Files.readString(f, StandardCharsets.US_ASCII).trim();
            } catch (NoSuchFileException e) {
                return null;
            }
            String[] parts = s.split("\\s+");
            if (parts.length < 2) {
                return null;
            }
            try {
                return new PidFile(Integer.parseInt(parts[0]), Long.parseLong(parts[1]));
            } catch (NumberFormatException e) {
                return null;
            }
        }

        boolean alive() {
            return ProcStat.isAlive(pid, startTime);
        }
    }

    private static long readLong(Path f) throws IOException {
        try {
            return Long.parseLong(Files.readString(f, StandardCharsets.US_ASCII).trim());
        } catch (NoSuchFileException | NumberFormatException e) {
            return 0;
        }
    }

    private static void writeAtomically(Path f, String content) throws IOException {
        Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.US_ASCII);
        Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static long nowNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** Removes a directory tree without following symlinks; missing is fine. */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                if (exc instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw exc;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null && !(exc instanceof NoSuchFileException)) {
                    throw exc;
                }
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
