package io.berth.daemon;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * A daemon's configuration, from its command line.
 *
 * @param home          the distribution folder (holding plugins/ and libexec/)
 * @param sideEffects   false for a daemon that only replays the log and serves the state (no reactors,
 *                      no reconciliation, no container processes touched)
 * @param defaultNetwork the network mode for "default" (bridge)
 * @param bridge        the networking flags
 * @param registryMirror where docker.io pulls go instead, or null
 * @param history       snapshots, retention and audit settings
 */
public record DaemonConfig(Path dataRoot, Path execRoot, Path socket, String storageDriver, String isolation,
                           String defaultNetwork, Path home, boolean sideEffects, boolean fsync,
                           java.net.URI registryMirror, BridgeConfig bridge,
                           HistoryConfig history) {

    /** Whether this daemon runs on the default data and exec roots (the host's main berthd). */
    public boolean defaultRoots() {
        return dataRoot.equals(Path.of("/var/lib/berth")) && execRoot.equals(Path.of("/run/berth"));
    }

    public DaemonPaths paths() {
        return new DaemonPaths(dataRoot, execRoot, socket);
    }

    /**
     * A short id derived from the data and exec roots: every host-wide object this daemon creates carries
     * it, so daemons with different roots never touch each other's cgroups, links or monitors.
     */
    public String daemonId() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                    (dataRoot.toAbsolutePath() + "\0" + execRoot.toAbsolutePath()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
