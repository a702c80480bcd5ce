package io.berth.it;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** berthd as a {@link NetworkEngine}: its host side is this machine. */
final class BerthNetworkEngine extends NetworkEngine {

    final BerthDaemon d;
    /** The upstream DNS servers of this JVM's tests listen on 127.0.0.(LOOPBACK_BASE + k), k from 1 to 8. */
    private static final int LOOPBACK_BASE = 100 + 8 * ThreadLocalRandom.current().nextInt(16);

    BerthNetworkEngine(BerthDaemon d) {
        super("berthd", false);
        this.d = d;
    }

    @Override
    BerthDaemon.Result docker(String... args) throws Exception {
        return d.docker(args);
    }

    @Override
    BerthDaemon.Result client(String which, String... args) throws Exception {
        return d.client(which, args);
    }

    @Override
    Path socket() {
        return d.socket();
    }

    @Override
    String apiVersion() {
        return "v1.47";
    }

    @Override
    Path root() {
        return d.root;
    }

    @Override
    BerthDaemon.Result host(String script) throws Exception {
        return BerthDaemon.sh(script);
    }

    @Override
    BerthDaemon.Bg hostBackground(List<String> cmd) throws IOException {
        return BerthDaemon.Bg.start(cmd, Map.of());
    }

    /** See {@link NetworkEngine#upstreamAddress}. */
    static String upstreamAddress(int k) {
        return "127.0.0." + (LOOPBACK_BASE + k);
    }

    @Override
    List<String> ownedRules() throws Exception {
        String chainPrefix = ("BERTH-" + d.daemonId() + "-").toUpperCase(Locale.ROOT);
        return iptablesLines().stream().filter(l -> l.toUpperCase(Locale.ROOT).contains(chainPrefix)).toList();
    }

    @Override
    void restart() throws Exception {
        d.restart();
    }

    @Override
    void kill9() throws Exception {
        d.kill9();
    }

    @Override
    void startAgain() throws Exception {
        d.start(null);
    }

    @Override
    String logTail(int lines) {
        return d.logTail(lines);
    }

    @Override
    public void close() throws Exception {
        d.close();
    }
}
