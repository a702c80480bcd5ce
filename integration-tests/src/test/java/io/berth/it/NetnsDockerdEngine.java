package io.berth.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's dockerd 20.10 as a {@link NetworkEngine}, inside a network namespace of its own (made and
 * deleted by {@link Dockerd#startInNetns}), with {@code --live-restore} so that its containers outlive it
 * as berth's do. Its host side is that namespace: host-side commands run under {@code ip netns exec}.
 * Only for checking the tests' expectations against Docker; the suite runs against berthd.
 */
final class NetnsDockerdEngine extends NetworkEngine {

    private final Dockerd dd;

    private NetnsDockerdEngine(Dockerd dd) {
        super("dockerd", true);
        this.dd = dd;
    }

    static NetnsDockerdEngine launch(String... daemonFlags) throws Exception {
        Path root = Files.createTempDirectory(Path.of("/tmp"), "be2e-dockerd");
        List<String> flags = new ArrayList<>(List.of("--live-restore"));
        flags.addAll(Arrays.asList(daemonFlags));
        Dockerd dd = Dockerd.startInNetns(root, "be2e-" + root.getFileName().toString().replaceAll("[^A-Za-z0-9]", ""),
                flags.toArray(String[]::new));
        NetnsDockerdEngine engine = new NetnsDockerdEngine(dd);
        try {
            // the upstream DNS addresses live on the namespace's lo (this kernel has no dummy links)
            for (int k = 1; k <= 8; k++) {
                engine.host("ip addr add " + upstreamAddress(k) + "/32 dev lo").ok();
            }
        } catch (Throwable t) {
            dd.close();
            throw t;
        }
        return engine;
    }

    @Override
    BerthDaemon.Result docker(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("docker"));
        cmd.addAll(Arrays.asList(args));
        return BerthDaemon.run(cmd, dd.env(), null, BerthDaemon.TIMEOUT_S);
    }

    @Override
    BerthDaemon.Result client(String which, String... args) throws Exception {
        Assumptions.assumeTrue(which.equals("docker"), "bin/berth speaks API 1.47; dockerd 20.10 serves up to 1.41");
        return docker(args);
    }

    @Override
    Path socket() {
        return dd.socket;
    }

    @Override
    String apiVersion() {
        return "v1.41";
    }

    @Override
    Path root() {
        return dd.root;
    }

    private List<String> inNetns(List<String> cmd) {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", dd.netns));
        all.addAll(cmd);
        return all;
    }

    @Override
    BerthDaemon.Result host(String script) throws Exception {
        return BerthDaemon.run(inNetns(List.of("sh", "-c", script)), Map.of(), null);
    }

    @Override
    BerthDaemon.Bg hostBackground(List<String> cmd) throws IOException {
        return BerthDaemon.Bg.start(inNetns(cmd), Map.of());
    }

    /** See {@link NetworkEngine#upstreamAddress}: addresses on the namespace's lo, outside 127.0.0.0/8. */
    static String upstreamAddress(int k) {
        return "10.253.0." + k;
    }

    /** Every rule and chain of the namespace but the built-in chains' policies (dockerd resets FORWARD's at start). */
    @Override
    List<String> ownedRules() throws Exception {
        return iptablesLines().stream().filter(l -> !l.matches(":(INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) \\S+")).toList();
    }

    /** Without exec/netns/default: dockerd's handle of its own namespace, made for the first --network host container. */
    @Override
    List<String> netnsHandles() throws IOException {
        return super.netnsHandles().stream().filter(h -> !h.equals(dd.exec.resolve("netns/default").toString())).toList();
    }

    @Override
    void restart() throws Exception {
        dd.stopProcess();
        dd.launch();
    }

    @Override
    void kill9() throws Exception {
        dd.killProcess();
    }

    @Override
    void startAgain() throws Exception {
        dd.launch();
    }

    @Override
    String logTail(int lines) {
        return dd.logTail();
    }

    @Override
    public void close() throws Exception {
        dd.close();
    }
}
