package io.berth.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The daemon a network test drives, and the side of the machine where its bridges, veths, routes and
 * firewall rules live (its <em>host side</em>). Two engines:
 * <ul>
 *   <li>{@code berthd} (the default): a {@link BerthDaemon}; its host side is this machine;</li>
 *   <li>{@code dockerd} ({@code -Dberth.it.engine=dockerd}): Debian's dockerd 20.10 with its bridge and
 *       iptables inside a throwaway network namespace, to check that a test expects what Docker does.
 *       Its host side is that namespace: every host-side command runs there.</li>
 * </ul>
 * Tests reach the host side only through {@link #host} and {@link #hostBackground}, so the same test
 * code runs against both engines. Where dockerd 20.10 answers differently from the Docker API 1.47 that
 * berth serves (moby 27), a test asks {@link #legacy()} and says which version does what.
 */
abstract class NetworkEngine implements AutoCloseable {

    static final String PROPERTY = "berth.it.engine";

    /** Starts the engine named by -Dberth.it.engine (berthd unless said otherwise) with extra daemon flags. */
    static NetworkEngine start(String... daemonFlags) throws Exception {
        String which = System.getProperty(PROPERTY, "berthd");
        return switch (which) {
            case "berthd" -> new BerthNetworkEngine(BerthDaemon.launch(daemonFlags));
            case "dockerd" -> NetnsDockerdEngine.launch(daemonFlags);
            default -> throw new IllegalArgumentException("-D" + PROPERTY + " must be berthd or dockerd, not " + which);
        };
    }

    private final String name;
    private final boolean legacy;

    NetworkEngine(String name, boolean legacy) {
        this.name = name;
        this.legacy = legacy;
    }

    /** "berthd" or "dockerd". */
    final String name() {
        return name;
    }

    /** True for dockerd 20.10, where it answers unlike the API 1.47 (moby 27) that berth serves. */
    final boolean legacy() {
        return legacy;
    }

    /** A docker CLI command against the daemon. */
    abstract BerthDaemon.Result docker(String... args) throws Exception;

    /** A command of the docker CLI or of bin/berth ({@code which}: "docker" or "berth"). */
    abstract BerthDaemon.Result client(String which, String... args) throws Exception;

    /** The daemon's API socket. */
    abstract Path socket();

    /** The API version prefix requests use ("v1.47"). */
    abstract String apiVersion();

    /** The directory holding the daemon's roots; netns handles of its containers live under it. */
    abstract Path root();

    /** A shell script on the host side. */
    abstract BerthDaemon.Result host(String script) throws Exception;

    /** A command started in the background on the host side; the caller closes it. */
    abstract BerthDaemon.Bg hostBackground(List<String> cmd) throws IOException;

    /**
     * An address on the host side where a test runs an upstream DNS server (the {@code k}th, 1 to 8) that
     * the daemon's embedded DNS can reach: for berthd a loopback address (berth queries loopback upstreams
     * from the host's namespace); for dockerd 20.10, which queries from the container's namespace, a
     * non-loopback address on the lo of its namespace, reached through the container's gateway. Known before the
     * daemon starts, so that it can be given to the daemon's {@code --dns}.
     */
    static String upstreamAddress(int k) {
        if (k < 1 || k > 8) {
            throw new IllegalArgumentException("upstream " + k);
        }
        return System.getProperty(PROPERTY, "berthd").equals("dockerd") ? NetnsDockerdEngine.upstreamAddress(k)
                : BerthNetworkEngine.upstreamAddress(k);
    }

    /**
     * The firewall rules (iptables-save lines, counters removed) that belong to this daemon: for berthd
     * the lines naming its chains {@code BERTH-<daemon id>-...}; for dockerd every rule of its namespace.
     */
    abstract List<String> ownedRules() throws Exception;

    /** SIGTERM to the daemon, then starts it again on the same roots. */
    abstract void restart() throws Exception;

    /** SIGKILL to the daemon alone; {@link #startAgain} brings it back. */
    abstract void kill9() throws Exception;

    abstract void startAgain() throws Exception;

    abstract String logTail(int lines);

    /** An API request on the socket (curl): the status code and the body. */
    ApiAnswer api(String method, String path, String body) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "--unix-socket",
                socket().toString(), "-X", method, "-H", "Content-Type: application/json"));
        if (body != null) {
            cmd.addAll(List.of("--data-binary", "@-"));
        }
        cmd.add("http://localhost/" + apiVersion() + path);
        BerthDaemon.Result r = BerthDaemon.run(cmd, Map.of(), body == null ? "" : body).ok();
        int nl = r.out().lastIndexOf('\n');
        return new ApiAnswer(Integer.parseInt(r.out().substring(nl + 1).trim()), r.out().substring(0, nl));
    }

    record ApiAnswer(int status, String body) {}

    /** The network namespace handles (nsfs mounts) under {@link #root()}, one mount point a line. */
    /**
     * The network namespace handles mounted under the daemon's root, berthd's spares left out (the
     * namespaces it makes ahead of time for the next containers: made and used as containers start).
     */
    List<String> netnsHandles() throws IOException {
        List<String> handles = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
            String[] halves = line.split(" - ", 2);
            String[] fields = halves[0].split(" ");
            String mountPoint = fields[4].replace("\\040", " ");
            if (halves.length == 2 && halves[1].startsWith("nsfs ") && mountPoint.startsWith(root().toString())
                    && !Path.of(mountPoint).getFileName().toString().startsWith(".spare-")) {
                handles.add(mountPoint);
            }
        }
        return handles;
    }

    /** iptables-save output without comments and packet counters, one rule or chain a line. */
    List<String> iptablesLines() throws Exception {
        List<String> lines = new ArrayList<>();
        for (String line : host("iptables-save").ok().out().lines().toList()) {
            if (!line.startsWith("#")) {
                lines.add(line.replaceAll(" \\[\\d+:\\d+\\]$", ""));
            }
        }
        return lines;
    }
}
