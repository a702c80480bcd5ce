package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real berthd process started from the built distribution (bin/berthd) with its own data root, exec
 * root and socket under a temporary directory, plus the clients the tests drive it with: the real docker
 * CLI and bin/berth. {@link #close} removes every container, stops the daemon and checks that nothing it
 * made is left on the host (cgroups, monitors, mounts), removing leftovers and failing if there were any.
 */
public final class BerthDaemon implements AutoCloseable {

    public static final Path SRC = Path.of(System.getProperty("berth.src", "..")).toAbsolutePath().normalize();

    /** The result of one client command. */
    public record Result(int code, String out, String err) {
        public Result ok() {
            assertEquals(0, code, "exit code; stdout: " + out + "\nstderr: " + err);
            return this;
        }
    }

    public final Path root;
    private final List<String> extraFlags;
    private Process process;

    private BerthDaemon(Path root, List<String> extraFlags) {
        this.root = root;
        this.extraFlags = extraFlags;
    }

    /** Starts a daemon in a new temporary directory. Fails (never skips) when not root. */
    public static BerthDaemon launch(String... flags) throws Exception {
        assertEquals("root", System.getProperty("user.name"), "end-to-end tests must run as root");
        assertTrue(Files.isExecutable(SRC.resolve("distribution/target/berth/libexec/berth-monitor")),
                "the distribution is not built: run mvn package first");
        BerthDaemon d = new BerthDaemon(Files.createTempDirectory(Path.of("/tmp"), "be2e"), List.of(flags));
        d.start(null);
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

    /** (Re)starts the process; {@code crashPoint} sets -Dberth.crash. */
    public void start(String crashPoint) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(SRC.resolve("bin/berthd").toString(), "--data-root", dataRoot().toString(),
                "--exec-root", execRoot().toString(), "-H", "unix://" + socket()));
        cmd.addAll(extraFlags);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve("berthd.log").toFile()));
        if (crashPoint != null) {
            pb.environment().put("BERTH_JAVA_OPTS", "-Dberth.crash=" + crashPoint);
        }
        Files.deleteIfExists(socket());
        process = pb.start();
        for (int i = 0; i < 400; i++) {
            if (Files.exists(socket()) && ping()) {
                return;
            }
            assertTrue(process.isAlive(), "berthd died at start:\n" + log());
            Thread.sleep(25);
        }
        throw new AssertionError("berthd did not answer /_ping in 10 s:\n" + log());
    }

    public Process process() {
        return process;
    }

    /** SIGTERM, and wait for the exit. */
    public void stop() throws Exception {
        process.destroy();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "berthd did not stop on SIGTERM");
    }

    /** SIGKILL. */
    public void kill9() throws Exception {
        process.destroyForcibly();
        assertTrue(process.waitFor(10, TimeUnit.SECONDS));
    }

    public String log() {
        try {
            Path p = root.resolve("berthd.log");
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** A raw HTTP request on the socket; returns the status line and the body. */
    public String[] raw(String method, String path, String body) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket()));
            byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            String head = method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + b.length + "\r\n\r\n";
            ch.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.ISO_8859_1)));
            ch.write(ByteBuffer.wrap(b));
            String response = new String(java.nio.channels.Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
            int split = response.indexOf("\r\n\r\n");
            String status = response.substring(0, response.indexOf("\r\n"));
            return new String[] {status, split < 0 ? "" : response.substring(split + 4)};
        }
    }

    private boolean ping() {
        try {
            return raw("GET", "/_ping", null)[0].contains(" 200 ");
        } catch (IOException e) {
            return false;
        }
    }

    public Result docker(String... args) throws Exception {
        return dockerIn(null, args);
    }

    /** The docker CLI with {@code stdin} as its standard input. */
    public Result dockerIn(String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("docker"));
        cmd.addAll(Arrays.asList(args));
        return run(cmd, Map.of("DOCKER_HOST", "unix://" + socket(), "DOCKER_CONFIG", root.resolve("dockercfg").toString()), stdin);
    }

    public Result berth(String... args) throws Exception {
        return berthIn(null, args);
    }

    public Result berthIn(String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(SRC.resolve("bin/berth").toString(), "-H", "unix://" + socket()));
        cmd.addAll(Arrays.asList(args));
        return run(cmd, Map.of(), stdin);
    }

    /** Runs a client: "docker" or "berth". */
    public Result client(String which, String... args) throws Exception {
        return which.equals("docker") ? docker(args) : berth(args);
    }

    public static Result run(List<String> cmd, Map<String, String> env, String stdin) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Path out = Files.createTempFile("berth-it", ".out");
        Path err = Files.createTempFile("berth-it", ".err");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            if (stdin == null) {
                pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            }
            Process p = pb.start();
            if (stdin != null) {
                try (var in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + cmd);
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Builds the busybox rootfs tar and imports it as busybox:latest. */
    public void importBusybox() throws Exception {
        Path tar = root.resolve("busybox.tar");
        if (!Files.exists(tar)) {
            run(List.of(SRC.resolve("scripts/busybox-rootfs.sh").toString(), tar.toString()), Map.of(), null).ok();
        }
        docker("import", tar.toString(), "busybox:latest").ok();
    }

    public Path busyboxTar() {
        return root.resolve("busybox.tar");
    }

    /** The id berthd derives from its roots; its cgroups live under berth-<id>. */
    public String daemonId() throws Exception {
        String key = dataRoot().toAbsolutePath() + "\0" + execRoot().toAbsolutePath();
        byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        return java.util.HexFormat.of().formatHex(d).substring(0, 8);
    }

    /** Container cgroups of this daemon still on the host. */
    public String leftoverCgroups() throws Exception {
        return run(List.of("sh", "-c", "find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -path '*/berth-" + daemonId() + "*' -type d"),
                Map.of(), null).out().trim();
    }

    public String leftoverMonitors() throws Exception {
        return run(List.of("sh", "-c", "pgrep -f '[b]erth-monitor start " + root + "' || true"), Map.of(), null).out().trim();
    }

    public String leftoverMounts() throws IOException {
        StringBuilder b = new StringBuilder();
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            if (line.contains(root.toString())) {
                b.append(line).append('\n');
            }
        }
        return b.toString();
    }

    @Override
    public void close() throws Exception {
        String leftovers = "";
        try {
            if (process == null || !process.isAlive()) {
                start(null);
            }
            for (String id : docker("ps", "-aq").out().split("\\s+")) {
                if (!id.isBlank()) {
                    docker("rm", "-f", id);
                }
            }
            leftovers = leftoverCgroups() + leftoverMonitors() + leftoverMounts();
            stop();
        } finally {
            if (process != null && process.isAlive()) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            run(List.of("sh", "-c", "pkill -9 -f '[b]erth-monitor start " + root + "'; "
                    + "find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -depth -path '*/berth-" + daemonId() + "*' -type d -exec rmdir {} + 2>/dev/null; "
                    + "rm -rf " + root), Map.of(), null);
        }
        assertEquals("", leftovers, "left on the host after removing every container");
    }
}
