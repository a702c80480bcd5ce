package io.berth.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * dockerd on its own roots and socket, either on the host with no bridge and no iptables ({@link #start}),
 * or with its bridge, iptables and ip forwarding inside a network namespace of its own
 * ({@link #startInNetns}: the namespace is made here and deleted by {@link #close}, so nothing it does to
 * links, routes or firewall tables reaches the host). {@link #close} leaves the host as it was.
 */
final class Dockerd implements AutoCloseable {

    static final Path DOCKERD = Path.of("/usr/sbin/dockerd");
    final Path root;
    final Path data;
    final Path exec;
    final Path socket;
    final Path log;
    /** The network namespace dockerd runs in (a name under /run/netns), or null for the host's. */
    final String netns;
    private final List<String> flags;
    private Process process;
    /** Whether dockerd ever answered (so that {@link #close} may start it again to remove its containers). */
    private boolean answered;
    private final byte[] iptables;
    private final List<Path> hostPathsBefore;

    /** Host paths dockerd 20.10 and its containerd create whatever roots they are given. */
    private static final List<String> HOST_PATHS = List.of("/run/docker", "/etc/docker", "/run/containerd", "/var/lib/docker",
            "/var/run/docker.sock");

    private Dockerd(Path root, String netns, List<String> flags) throws Exception {
        this.root = root;
        this.netns = netns;
        this.flags = flags;
        this.data = root.resolve("data");
        this.exec = root.resolve("exec");
        this.socket = exec.resolve("docker.sock");
        this.log = root.resolve("dockerd.log");
        Files.createDirectories(data);
        Files.createDirectories(exec);
        Files.createDirectories(root.resolve("cfg"));
        // in a namespace of its own dockerd cannot touch the host's tables
        this.iptables = netns == null && BerthDaemon.onPath("iptables-save")
                ? BerthDaemon.run(List.of("iptables-save"), Map.of(), null, 30).ok().out().getBytes(StandardCharsets.UTF_8) : null;
        List<Path> before = new ArrayList<>();
        for (String p : HOST_PATHS) {
            if (Files.exists(Path.of(p), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                before.add(Path.of(p));
            }
        }
        before.addAll(dockerCgroups());
        this.hostPathsBefore = before;
    }

    /** dockerd on the host's network, with --bridge none --iptables=false --ip-forward=false. */
    static Dockerd start(Path root) throws Exception {
        return startChecked(new Dockerd(root, null, List.of("--bridge", "none", "--iptables=false", "--ip-forward=false")));
    }

    /**
     * dockerd inside a new network namespace {@code netns} (only loopback, up), with its default bridge,
     * iptables and ip forwarding there, and the given extra flags.
     */
    static Dockerd startInNetns(Path root, String netns, String... flags) throws Exception {
        BerthDaemon.run(List.of("ip", "netns", "add", netns), Map.of(), null, 30).ok();
        Dockerd dd;
        try {
            BerthDaemon.run(List.of("ip", "-n", netns, "link", "set", "lo", "up"), Map.of(), null, 30).ok();
            dd = new Dockerd(root, netns, List.of(flags));
        } catch (Throwable t) {
            BerthDaemon.run(List.of("ip", "netns", "del", netns), Map.of(), null, 30);
            throw t;
        }
        return startChecked(dd);
    }

    private static Dockerd startChecked(Dockerd dd) throws Exception {
        try {
            dd.launch();
        } catch (Throwable t) {
            try {
                dd.close();
            } catch (Throwable suppressed) {
                t.addSuppressed(suppressed);
            }
            throw t;
        }
        return dd;
    }

    /** Starts the process (again, after {@link #stopProcess} or {@link #killProcess}) and waits until it answers. */
    void launch() throws Exception {
        List<String> cmd = new ArrayList<>();
        if (netns != null) {
            // nsenter joins only the network namespace; `ip netns exec` would also remount /sys, hiding the cgroups
            cmd.addAll(List.of("nsenter", "--net=/run/netns/" + netns));
        }
        cmd.addAll(List.of(DOCKERD.toString(), "--data-root", data.toString(), "--exec-root", exec.toString(),
                "-H", "unix://" + socket, "--pidfile", exec.resolve("docker.pid").toString()));
        cmd.addAll(flags);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        process = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                fail("dockerd exited at start (" + process.exitValue() + "):\n" + logTail());
            }
            if (Files.exists(socket) && BerthDaemon.run(List.of("docker", "version", "-f", "{{.Server.Version}}"), env(), null, 10)
                    .code() == 0) {
                answered = true;
                return;
            }
            Thread.sleep(200);
        }
        fail("dockerd did not answer in 60 s:\n" + logTail());
    }

    /** SIGTERM, and waits up to 40 s for the exit. */
    void stopProcess() throws Exception {
        process.destroy();
        if (!process.waitFor(40, TimeUnit.SECONDS)) {
            fail("dockerd did not stop on SIGTERM in 40 s:\n" + logTail());
        }
    }

    /**
     * SIGKILL to dockerd, and to the containerd it started if that outlives it; the shims and containers
     * live on. The dead containerd's pid file is removed, as a supervisor would: dockerd 20.10 takes any
     * live process or thread that has come to hold that number for its containerd, and gives up waiting.
     */
    void killProcess() throws Exception {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            fail("dockerd did not die on SIGKILL");
        }
        for (long pid : processesUnder()) {
            ProcessHandle.of(pid).filter(p -> p.info().command().map(c -> c.endsWith("/containerd")).orElse(false))
                    .ifPresent(p -> {
                        p.destroyForcibly();
                        p.onExit().join();
                    });
        }
        Files.deleteIfExists(exec.resolve("containerd/containerd.pid"));
    }

    Map<String, String> env() {
        return Map.of("DOCKER_HOST", "unix://" + socket, "DOCKER_CONFIG", root.resolve("cfg").toString());
    }

    BerthDaemon.Result docker(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("docker"));
        cmd.addAll(Arrays.asList(args));
        BerthDaemon.Result r = BerthDaemon.run(cmd, env(), null, BerthDaemon.TIMEOUT_S);
        if (r.code() != 0) {
            System.err.println("dockerd: docker " + String.join(" ", args) + " failed; dockerd log tail:\n" + logTail());
        }
        return r;
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Removes containers, stops dockerd (SIGTERM, then SIGKILL), unmounts and removes its roots, restores iptables. */
    @Override
    public void close() throws Exception {
        List<String> problems = new ArrayList<>();
        try {
            if (answered && !process.isAlive()) {
                // killed by a test: its containers live on (--live-restore) and only dockerd removes them cleanly
                try {
                    launch();
                } catch (Throwable t) {
                    problems.add("dockerd did not start again to remove its containers: " + t);
                }
            }
            if (process != null && process.isAlive()) {
                String ids = docker("ps", "-aq").out().trim();
                if (!ids.isEmpty()) {
                    List<String> rm = new ArrayList<>(List.of("rm", "-f"));
                    rm.addAll(Arrays.asList(ids.split("\\s+")));
                    docker(rm.toArray(String[]::new));
                }
                process.destroy();
                if (!process.waitFor(40, TimeUnit.SECONDS)) {
                    problems.add("dockerd did not stop on SIGTERM in 40 s");
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        } finally {
            // containerd and its shims, if any outlived dockerd
            for (int i = 0; i < 50 && !processesUnder().isEmpty(); i++) {
                Thread.sleep(100);
            }
            List<Long> left = processesUnder();
            if (!left.isEmpty()) {
                problems.add("processes left running under " + root + ": " + left);
                left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
                Thread.sleep(300);
            }
            List<String> mounts = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] fields = line.split(" ");
                if (fields.length > 1 && fields[1].replace("\\040", " ").startsWith(root.toString())) {
                    mounts.add(fields[1]);
                }
            }
            java.util.Collections.reverse(mounts);
            for (String m : mounts) {
                BerthDaemon.run(List.of("umount", "-l", m), Map.of(), null, 20);
            }
            BerthDaemon.run(List.of("rm", "-rf", "--one-file-system", root.toString()), Map.of(), null, 120);
            if (Files.exists(root)) {
                problems.add(root + " could not be removed");
            }
            if (iptables != null) {
                Path saved = Files.createTempFile("berth-it-iptables", ".save");
                try {
                    Files.write(saved, iptables);
                    BerthDaemon.Result r = BerthDaemon.run(List.of("sh", "-c", "iptables-restore < " + "'" + saved + "'"),
                            Map.of(), null, 30);
                    if (r.code() != 0) {
                        problems.add("iptables-restore failed: " + r.err());
                    }
                } finally {
                    Files.deleteIfExists(saved);
                }
            }
            removeHostPathsDockerdMade();
            if (netns != null) {
                BerthDaemon.Result del = BerthDaemon.run(List.of("ip", "netns", "del", netns), Map.of(), null, 30);
                if (del.code() != 0) {
                    problems.add("ip netns del " + netns + " failed: " + del.err());
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("stopping dockerd: " + problems + "\n" + logTailQuietly());
        }
    }

    private String logTailQuietly() {
        return Files.exists(log) ? logTail() : "";
    }

    private List<Long> processesUnder() {
        List<Long> pids = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        File[] procs = new File("/proc").listFiles((dir, n) -> n.chars().allMatch(Character::isDigit));
        for (File p : procs == null ? new File[0] : procs) {
            try {
                long pid = Long.parseLong(p.getName());
                String cmdline = new String(Files.readAllBytes(p.toPath().resolve("cmdline")), StandardCharsets.UTF_8);
                if (pid != self && cmdline.contains(root.toString())) {
                    pids.add(pid);
                }
            } catch (IOException | RuntimeException ignored) {
                // gone
            }
        }
        return pids;
    }

    /** The per-controller "docker" cgroups (cgroupfs driver), which dockerd leaves behind. */
    private static List<Path> dockerCgroups() throws IOException {
        List<Path> found = new ArrayList<>();
        Path cg = Path.of("/sys/fs/cgroup");
        if (!Files.isDirectory(cg)) {
            return found;
        }
        try (Stream<Path> s = Files.walk(cg, 2)) {
            s.filter(p -> Files.isDirectory(p) && p.getFileName() != null && p.getFileName().toString().equals("docker"))
                    .forEach(found::add);
        }
        return found;
    }

    /** Removes what dockerd made outside its roots (only what was not there before it started). */
    private void removeHostPathsDockerdMade() throws Exception {
        for (Path cg : dockerCgroups()) {
            if (!hostPathsBefore.contains(cg)) {
                try (Stream<Path> s = Files.walk(cg)) {
                    for (Path dir : s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                        try {
                            Files.delete(dir);
                        } catch (IOException ignored) {
                            // busy: something else uses it
                        }
                    }
                }
            }
        }
        for (String p : HOST_PATHS) {
            Path path = Path.of(p);
            if (!hostPathsBefore.contains(path) && Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                BerthDaemon.run(List.of("rm", "-rf", "--one-file-system", p), Map.of(), null, 30);
            }
        }
    }
}
