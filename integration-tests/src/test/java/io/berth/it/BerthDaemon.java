package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real berthd process started from the built distribution (bin/berthd) with its own data root, exec
 * root and socket under a temporary directory, plus the clients the tests drive it with: the real docker
 * CLI and bin/berth. {@link #close} removes every container, stops the daemon and checks that nothing it
 * made is left on the host (processes, cgroups, mounts), removing leftovers and failing if there were any.
 */
public final class BerthDaemon implements AutoCloseable {

    public static final Path SRC = Path.of(System.getProperty("berth.src", "..")).toAbsolutePath().normalize();
    public static final Path DIST = SRC.resolve("distribution/target/berth");
    /** Default timeout of one client command. */
    public static final long TIMEOUT_S = 90;

    /** The result of one client command. */
    public record Result(int code, String out, String err) {
        public Result ok() {
            assertEquals(0, code, "exit code; stdout: " + out + "\nstderr: " + err);
            return this;
        }

        public Result fails() {
            assertTrue(code != 0, "expected a failure; stdout: " + out + "\nstderr: " + err);
            return this;
        }

        public String all() {
            return out + err;
        }
    }

    public final Path root;
    private final List<String> extraFlags;
    private Process process;

    private BerthDaemon(Path root, List<String> extraFlags) {
        this.root = root;
        this.extraFlags = extraFlags;
    }

    /** Fails (never skips) when the machine cannot run the end-to-end tests. */
    public static void checkPreconditions() {
        long uid = new com.sun.security.auth.module.UnixSystem().getUid();
        assertEquals(0L, uid, "end-to-end tests must run as root (they are not skipped otherwise)");
        assertTrue(onPath("docker"), "the docker CLI is not on PATH: the end-to-end tests need it");
        assertTrue(Files.isExecutable(SRC.resolve("bin/berthd")), "no bin/berthd under " + SRC);
        assertTrue(Files.isExecutable(DIST.resolve("libexec/berth-monitor")),
                "the distribution is not built (" + DIST + "/libexec/berth-monitor): run mvn package first");
    }

    public static boolean onPath(String exe) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, exe))) {
                return true;
            }
        }
        return false;
    }

    /** Starts a daemon in a new temporary directory. */
    public static BerthDaemon launch(String... flags) throws Exception {
        BerthDaemon d = prepare(flags);
        d.start(null);
        return d;
    }

    /** A daemon's temporary directory, not started yet (to put files into its data root first). */
    public static BerthDaemon prepare(String... flags) throws Exception {
        checkPreconditions();
        BerthDaemon d = new BerthDaemon(Files.createTempDirectory(Path.of("/tmp"), "be2e"), List.of(flags));
        Files.createDirectories(d.root.resolve("dockercfg"));
        return d;
    }

    public Path socket() {
        return root.resolve("b.sock");
    }

    public Path dataRoot() {
        return root.resolve("data");
    }

    public Path execRoot() {
        return root.resolve("exec");
    }

    public Path logFile() {
        return root.resolve("berthd.log");
    }

    private static boolean startupCachePrimed;

    /**
     * bin/berthd trains its start-up cache once per build (several seconds, under a lock); doing it here,
     * once, keeps that out of the first test's 20 s start budget.
     */
    private static synchronized void primeStartupCache() throws Exception {
        if (!startupCachePrimed) {
            run(List.of(SRC.resolve("bin/berthd").toString(), "--version"), Map.of(), null, 300).ok();
            startupCachePrimed = true;
        }
    }

    /** (Re)starts the process; {@code crashPoint} sets -Dberth.crash. */
    public void start(String crashPoint) throws Exception {
        primeStartupCache();
        List<String> cmd = new ArrayList<>(List.of(SRC.resolve("bin/berthd").toString(), "--data-root", dataRoot().toString(),
                "--exec-root", execRoot().toString(), "-H", "unix://" + socket()));
        cmd.addAll(networkFlags());
        cmd.addAll(extraFlags);
        Files.writeString(logFile(), "==== start " + java.time.Instant.now() + " " + cmd + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()));
        if (crashPoint != null) {
            pb.environment().put("BERTH_JAVA_OPTS", "-Dberth.crash=" + crashPoint);
        }
        Files.deleteIfExists(socket());
        process = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            // /_ping answers as soon as the API listens; /version once the state, drivers, reconcile and routes are ready
            if (Files.exists(socket()) && ping() && answers("/version")) {
                return;
            }
            if (!process.isAlive()) {
                fail("berthd died at start (exit " + process.exitValue() + "):\n" + log());
            }
            Thread.sleep(20);
        }
        throw new AssertionError("berthd did not answer /_ping in 20 s:\n" + log());
    }

    private static final java.util.concurrent.atomic.AtomicInteger DAEMONS = new java.util.concurrent.atomic.AtomicInteger();
    private List<String> networkFlags;

    /**
     * A bridge and subnets of this test daemon's own (unless the test chose them): never the host's
     * berth0 or 10.209/16 of a developer's berthd, never another test daemon's.
     */
    private List<String> networkFlags() {
        if (networkFlags == null) {
            int n = (int) ((ProcessHandle.current().pid() * 7 + DAEMONS.getAndIncrement()) % 250);
            networkFlags = new ArrayList<>();
            if (extraFlags.stream().noneMatch(f -> f.startsWith("--bip"))) {
                networkFlags.addAll(List.of("--bip", "10.220." + n + ".1/24"));
            }
            if (extraFlags.stream().noneMatch(f -> f.startsWith("--default-address-pool"))) {
                networkFlags.addAll(List.of("--default-address-pool", "base=10.221." + n + ".0/24,size=27"));
            }
        }
        return networkFlags;
    }

    /** The subnet of this daemon's default bridge network. */
    public String bridgeSubnet() {
        String bip = networkFlags().contains("--bip") ? networkFlags().get(networkFlags().indexOf("--bip") + 1)
                : extraFlags.get(extraFlags.indexOf("--bip") + 1);
        return bip.substring(0, bip.lastIndexOf('.')) + ".0/24";
    }

    public void restart() throws Exception {
        stop();
        start(null);
    }

    public Process process() {
        return process;
    }

    public long pid() {
        return process.pid();
    }

    /** SIGTERM, and wait for the exit. */
    public void stop() throws Exception {
        process.destroy();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "berthd did not stop on SIGTERM:\n" + logTail(60));
    }

    /** SIGKILL. */
    public void kill9() throws Exception {
        process.destroyForcibly();
        assertTrue(process.waitFor(10, TimeUnit.SECONDS));
    }

    public String log() {
        try {
            return Files.exists(logFile()) ? Files.readString(logFile()) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    public String logTail(int lines) {
        List<String> all = log().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    // ---- raw HTTP on the socket ----

    /** A raw HTTP/1.1 request on the socket; returns {status line, body} (a chunked body is decoded). */
    public String[] raw(String method, String path, String body) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket()));
            byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            String head = method + " " + path + " HTTP/1.1\r\nHost: api.moby.localhost\r\nConnection: close\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n";
            ch.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.ISO_8859_1)));
            ch.write(ByteBuffer.wrap(b));
            String response = new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
            int split = response.indexOf("\r\n\r\n");
            String status = response.substring(0, Math.max(0, response.indexOf("\r\n")));
            String headers = split < 0 ? "" : response.substring(0, split).toLowerCase();
            String rest = split < 0 ? "" : response.substring(split + 4);
            if (headers.contains("transfer-encoding: chunked")) {
                rest = dechunk(rest);
            }
            return new String[] {status, rest, headers};
        }
    }

    private static String dechunk(String s) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            int eol = s.indexOf("\r\n", i);
            if (eol < 0) {
                break;
            }
            int len = Integer.parseInt(s.substring(i, eol).split(";")[0].trim(), 16);
            if (len == 0) {
                break;
            }
            out.append(s, eol + 2, Math.min(s.length(), eol + 2 + len));
            i = eol + 2 + len + 2;
        }
        return out.toString();
    }

    private boolean ping() {
        return answers("/_ping");
    }

    private boolean answers(String path) {
        try {
            return raw("GET", path, null)[0].contains(" 200 ");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    // ---- clients ----

    public Map<String, String> dockerEnv() {
        return Map.of("DOCKER_HOST", "unix://" + socket(), "DOCKER_CONFIG", root.resolve("dockercfg").toString());
    }

    public List<String> cmd(String client, String... args) {
        List<String> cmd = new ArrayList<>();
        if (client.equals("docker")) {
            cmd.add("docker");
        } else if (client.equals("berth")) {
            cmd.addAll(List.of(SRC.resolve("bin/berth").toString(), "-H", "unix://" + socket()));
        } else {
            throw new IllegalArgumentException(client);
        }
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    public Result docker(String... args) throws Exception {
        return clientIn("docker", null, args);
    }

    public Result dockerIn(String stdin, String... args) throws Exception {
        return clientIn("docker", stdin, args);
    }

    public Result berth(String... args) throws Exception {
        return clientIn("berth", null, args);
    }

    public Result berthIn(String stdin, String... args) throws Exception {
        return clientIn("berth", stdin, args);
    }

    /** Runs a client: "docker" or "berth". */
    public Result client(String which, String... args) throws Exception {
        return clientIn(which, null, args);
    }

    public Result clientIn(String which, String stdin, String... args) throws Exception {
        return run(cmd(which, args), dockerEnv(), stdin, TIMEOUT_S);
    }

    /** A client started in the background (logs -f, attach): its output goes to files. */
    public Bg background(String which, String... args) throws IOException {
        return Bg.start(cmd(which, args), dockerEnv());
    }

    /** `docker inspect -f FORMAT NAME`, trimmed. */
    public String inspect(String name, String format) throws Exception {
        return docker("inspect", "-f", format, name).ok().out().trim();
    }

    public static Result run(List<String> cmd, Map<String, String> env, String stdin) throws Exception {
        return run(cmd, env, stdin, TIMEOUT_S);
    }

    public static Result run(List<String> cmd, Map<String, String> env, String stdin, long timeoutSeconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Path out = Files.createTempFile("berth-it", ".out");
        Path err = Files.createTempFile("berth-it", ".err");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            if (stdin == null) {
                pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            }
            Process p = pb.start();
            if (stdin != null) {
                try (var in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError("timed out after " + timeoutSeconds + " s: " + cmd + "\nstdout: "
                        + Files.readString(out) + "\nstderr: " + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    public static Result sh(String script) throws Exception {
        return run(List.of("sh", "-c", script), Map.of(), null);
    }

    // ---- the busybox image ----

    private static Path busyboxTar;

    /** The busybox rootfs tar, built once per test JVM by scripts/busybox-rootfs.sh. */
    public static synchronized Path busyboxTar() throws Exception {
        if (busyboxTar == null) {
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "be2e-busybox");
            Path tar = dir.resolve("busybox.tar");
            run(List.of(SRC.resolve("scripts/busybox-rootfs.sh").toString(), tar.toString()), Map.of(), null).ok();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    Files.deleteIfExists(tar);
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // best effort
                }
            }));
            busyboxTar = tar;
        }
        return busyboxTar;
    }

    /** Imports the busybox rootfs as busybox:latest. */
    public void importBusybox() throws Exception {
        docker("import", busyboxTar().toString(), "busybox:latest").ok();
    }

    // ---- what this daemon owns on the host ----

    /** The id berthd derives from its roots; its cgroups live under berth-<id>. */
    public String daemonId() throws Exception {
        String key = dataRoot().toAbsolutePath() + "\0" + execRoot().toAbsolutePath();
        byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(d).substring(0, 8);
    }

    /** Cgroup directories (parents and containers) of this daemon still on the host. */
    public List<Path> cgroupDirs() throws Exception {
        String name = "berth-" + daemonId();
        List<Path> found = new ArrayList<>();
        try (Stream<Path> s = Files.walk(Path.of("/sys/fs/cgroup"), 3)) {
            s.filter(p -> Files.isDirectory(p) && p.getFileName() != null && p.getFileName().toString().equals(name))
                    .forEach(found::add);
        }
        return found;
    }

    /** Container cgroups (by id) of this daemon in the memory hierarchy. */
    public java.util.Set<String> containerCgroups() throws Exception {
        Path parent = Path.of("/sys/fs/cgroup/memory", "berth-" + daemonId());
        java.util.Set<String> ids = new java.util.TreeSet<>();
        if (Files.isDirectory(parent)) {
            try (Stream<Path> s = Files.list(parent)) {
                s.filter(Files::isDirectory).forEach(p -> ids.add(p.getFileName().toString()));
            }
        }
        return ids;
    }

    /** Whether process {@code pid} exists and is not a zombie. */
    public static boolean alive(String pid) {
        return ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false)
                && !procState(pid).equals("Z");
    }

    /** The state letter of /proc/PID/stat ("R", "S", "Z", ...), or "gone". */
    public static String procState(String pid) {
        try {
            String stat = Files.readString(Path.of("/proc", pid, "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[0];
        } catch (Exception e) {
            return "gone";
        }
    }

    public String leftoverCgroups() throws Exception {
        StringBuilder b = new StringBuilder();
        for (Path p : cgroupDirs()) {
            b.append(p).append('\n');
        }
        return b.toString().trim();
    }

    /** Pids of processes (other than this JVM) whose command line mentions this daemon's temp dir. */
    public List<Long> processesMentioningRoot() {
        List<Long> pids = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        File[] procs = new File("/proc").listFiles((dir, name) -> name.chars().allMatch(Character::isDigit));
        for (File p : procs == null ? new File[0] : procs) {
            try {
                long pid = Long.parseLong(p.getName());
                if (pid == self) {
                    continue;
                }
                String cmdline = new String(Files.readAllBytes(p.toPath().resolve("cmdline")), StandardCharsets.UTF_8)
                        .replace('\0', ' ');
                if (cmdline.contains(root.toString())) {
                    pids.add(pid);
                }
            } catch (IOException | RuntimeException ignored) {
                // the process is gone
            }
        }
        return pids;
    }

    public String leftoverProcesses() {
        StringBuilder b = new StringBuilder();
        for (long pid : processesMentioningRoot()) {
            try {
                b.append(pid).append(' ').append(new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                        StandardCharsets.UTF_8).replace('\0', ' ').trim()).append('\n');
            } catch (IOException ignored) {
                // gone
            }
        }
        return b.toString().trim();
    }

    public List<String> mountsUnderRoot() throws IOException {
        List<String> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String[] f = line.split(" ");
            if (f.length > 1 && f[1].replace("\\040", " ").startsWith(root.toString())) {
                mounts.add(f[1]);
            }
        }
        return mounts;
    }

    public String leftoverMounts() throws IOException {
        return String.join("\n", mountsUnderRoot());
    }

    /** Links that carry this daemon's mark (their alias is "berth:<daemon id>:..."), as "kind name". */
    public List<String> markedLinks() throws Exception {
        List<String> links = new ArrayList<>();
        linkMarks().forEach((name, mark) -> links.add(mark.split(":")[0] + " " + name));
        return links;
    }

    /**
     * Every link that carries this daemon's mark, by name, with what follows "berth:&lt;daemon id&gt;:" in
     * its alias ("network:&lt;short network id&gt;", "endpoint:&lt;short container id&gt;", "spare").
     */
    public Map<String, String> linkMarks() throws Exception {
        Map<String, String> links = new java.util.TreeMap<>();
        String mark = "alias berth:" + daemonId() + ":";
        String name = null;
        for (String line : run(List.of("ip", "-d", "link", "show"), Map.of(), null, 20).out().split("\n")) {
            if (!line.startsWith(" ") && line.contains(": ")) {
                name = line.split(": ")[1].split("@")[0];
            } else if (name != null && line.trim().startsWith(mark)) {
                links.put(name, line.trim().substring(mark.length()));
            }
        }
        return links;
    }

    /** This daemon's iptables chains ("filter BERTH-<id>-FWD"). */
    public List<String> chains() throws Exception {
        List<String> chains = new ArrayList<>();
        for (String table : List.of("filter", "nat")) {
            for (String line : run(List.of("iptables", "-w", "-t", table, "-S"), Map.of(), null, 20).out().split("\n")) {
                if (line.startsWith("-N BERTH-" + daemonId())) {
                    chains.add(table + " " + line.substring(3));
                }
            }
        }
        return chains;
    }

    /** Removes the daemon's bridges and chains, which outlive it by design (as docker0 does dockerd). */
    private void removeNetworkObjects() throws Exception {
        for (String link : markedLinks()) {
            run(List.of("ip", "link", "del", link.split(" ")[1]), Map.of(), null, 20);
        }
        for (String table : List.of("filter", "nat")) {
            for (String line : run(List.of("iptables", "-w", "-t", table, "-S"), Map.of(), null, 20).out().split("\n")) {
                if (line.startsWith("-A ") && line.contains("-j BERTH-" + daemonId()) && !line.startsWith("-A BERTH-")) {
                    List<String> del = new ArrayList<>(List.of("iptables", "-w", "-t", table, "-D"));
                    del.addAll(Arrays.asList(line.substring(3).split(" ")));
                    run(del, Map.of(), null, 20);
                }
            }
            for (String chain : chains()) {
                if (chain.startsWith(table + " ")) {
                    run(List.of("iptables", "-w", "-t", table, "-F", chain.split(" ")[1]), Map.of(), null, 20);
                    run(List.of("iptables", "-w", "-t", table, "-X", chain.split(" ")[1]), Map.of(), null, 20);
                }
            }
        }
    }

    /** Everything of this daemon left on the host, described; empty when clean. */
    public String leftovers() throws Exception {
        StringBuilder b = new StringBuilder();
        String procs = leftoverProcesses();
        if (!procs.isEmpty()) {
            b.append("processes:\n").append(procs).append('\n');
        }
        for (Path cg : cgroupDirs()) {
            b.append("cgroup: ").append(cg);
            try (Stream<Path> s = Files.walk(cg)) {
                long n = s.filter(p -> p.getFileName().toString().equals("cgroup.procs")).mapToLong(p -> {
                    try {
                        return Files.readAllLines(p).stream().filter(l -> !l.isBlank()).count();
                    } catch (IOException e) {
                        return 0;
                    }
                }).sum();
                b.append(" (").append(n).append(" processes inside)\n");
            }
        }
        String mounts = leftoverMounts();
        if (!mounts.isEmpty()) {
            b.append("mounts:\n").append(mounts).append('\n');
        }
        for (String link : markedLinks()) {
            if (link.startsWith("endpoint ")) {
                b.append("veth of a removed container: ").append(link).append('\n');
            }
        }
        if (Files.isDirectory(execRoot().resolve("netns"))) {
            try (Stream<Path> handles = Files.list(execRoot().resolve("netns"))) {
                handles.forEach(h -> b.append("network namespace handle: ").append(h).append('\n'));
            }
        }
        return b.toString();
    }

    /** Kills and removes whatever of this daemon is left: processes, cgroups, mounts. */
    private void sweep() throws Exception {
        for (Path cg : cgroupDirs()) {
            try (Stream<Path> s = Files.walk(cg)) {
                for (Path procs : s.filter(p -> p.getFileName().toString().equals("cgroup.procs")).toList()) {
                    for (String pid : Files.readAllLines(procs)) {
                        if (!pid.isBlank()) {
                            ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
                        }
                    }
                }
            } catch (IOException ignored) {
                // raced with removal
            }
        }
        for (long pid : processesMentioningRoot()) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        Thread.sleep(200);
        for (Path cg : cgroupDirs()) {
            try (Stream<Path> s = Files.walk(cg)) {
                for (Path dir : s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                    for (int i = 0; i < 20 && Files.exists(dir); i++) {
                        try {
                            Files.delete(dir);
                        } catch (IOException e) {
                            Thread.sleep(50);
                        }
                    }
                }
            }
        }
        removeNetworkObjects();
        List<String> mounts = new ArrayList<>(mountsUnderRoot());
        java.util.Collections.reverse(mounts);
        for (String m : mounts) {
            run(List.of("umount", "-l", m), Map.of(), null, 20);
        }
    }

    private boolean closed;

    /**
     * Removes every container through the API, stops the daemon, then checks and cleans the host. Fails
     * when something was left (after removing it).
     */
    @Override
    public void close() throws Exception {
        if (closed) {
            return;
        }
        closed = true;
        String leftovers = "";
        Throwable problem = null;
        try {
            if (process == null || !process.isAlive()) {
                start(null);
            }
            String ids = docker("ps", "-aq").out().trim();
            if (!ids.isEmpty() && !extraFlags.contains("--no-side-effects")) {
                List<String> rm = new ArrayList<>(List.of("rm", "-f"));
                rm.addAll(Arrays.asList(ids.split("\\s+")));
                Result r = docker(rm.toArray(String[]::new));
                if (r.code() != 0) {
                    leftovers += "docker rm -f failed: " + r.err() + "\n";
                }
            }
            if (!extraFlags.contains("--no-side-effects")) {
                Result r = docker("network", "prune", "-f");
                if (r.code() != 0) {
                    leftovers += "docker network prune -f failed: " + r.err() + "\n";
                }
            }
            stop();
            // monitors end with their containers; give them a moment
            for (int i = 0; i < 50 && !leftovers().isEmpty(); i++) {
                Thread.sleep(100);
            }
            leftovers += leftovers();
        } catch (Throwable t) {
            problem = t;
        } finally {
            if (process != null && process.isAlive()) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            try {
                sweep();
            } finally {
                String after = leftovers();
                run(List.of("rm", "-rf", "--one-file-system", root.toString()), Map.of(), null, 60);
                if (!after.isEmpty()) {
                    leftovers += "\nSTILL LEFT AFTER CLEANING:\n" + after;
                }
            }
        }
        if (problem != null) {
            throw new AssertionError("cleaning up the daemon failed; daemon log tail:\n" + logTailSafe(), problem);
        }
        if (!leftovers.isEmpty()) {
            throw new AssertionError("left on the host after removing every container and stopping berthd:\n" + leftovers);
        }
    }

    private String logTailSafe() {
        try {
            return logTail(80);
        } catch (RuntimeException e) {
            return e.toString();
        }
    }

    /** A process running in the background with its output in files. */
    public static final class Bg implements AutoCloseable {
        public final Process process;
        private final Path out;
        private final Path err;

        private Bg(Process process, Path out, Path err) {
            this.process = process;
            this.out = out;
            this.err = err;
        }

        static Bg start(List<String> cmd, Map<String, String> env) throws IOException {
            Path out = Files.createTempFile("berth-it-bg", ".out");
            Path err = Files.createTempFile("berth-it-bg", ".err");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().putAll(env);
            return new Bg(pb.start(), out, err);
        }

        public String out() throws IOException {
            return Files.readString(out);
        }

        public String err() throws IOException {
            return Files.readString(err);
        }

        /** Waits until stdout contains {@code text}; false on timeout. */
        public boolean awaitOut(String text, long millis) throws Exception {
            long deadline = System.currentTimeMillis() + millis;
            while (System.currentTimeMillis() < deadline) {
                if (out().contains(text)) {
                    return true;
                }
                Thread.sleep(50);
            }
            return out().contains(text);
        }

        /** Waits for the exit; -1 on timeout. */
        public int await(long seconds) throws InterruptedException {
            return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
        }

        @Override
        public void close() throws IOException {
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Reads a whole stream as text. */
    public static String read(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
