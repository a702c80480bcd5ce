package io.berth.daemon;

import io.berth.daemon.network.Cidr;
import java.util.List;

/**
 * The daemon's networking flags.
 *
 * @param bridge   the default bridge network's device ({@code --bridge}); empty: "berth0" for a daemon on
 *                 the default roots, else "berth-" and the daemon id, so daemons side by side never share one
 * @param bip      the default bridge's gateway address and subnet ({@code --bip}, "10.209.0.1/16")
 * @param poolBase where user networks without --subnet get theirs ({@code --default-address-pool base=})
 * @param poolSize the prefix length of those subnets ({@code size=})
 * @param dns      the upstream DNS servers for containers without --dns ({@code --dns}); empty: the host's
 */
public record BridgeConfig(String bridge, String bip, String poolBase, int poolSize, List<String> dns) {

    public static final String DEFAULT_BIP = "10.209.0.1/16";
    public static final String DEFAULT_POOL = "10.210.0.0/15";
    public static final int DEFAULT_POOL_SIZE = 24;

    public BridgeConfig {
        dns = List.copyOf(dns);
    }

    public static BridgeConfig defaults() {
        return new BridgeConfig("", DEFAULT_BIP, DEFAULT_POOL, DEFAULT_POOL_SIZE, List.of());
    }

    /** Checks the flags; the message names the flag. */
    public void validate() {
        Cidr bipCidr = Cidr.parse(bip);
        if (bipCidr.prefix() > 30 || bipCidr.address() == bipCidr.network() || bipCidr.address() == bipCidr.broadcast()) {
            throw new IllegalArgumentException("--bip must be a gateway address with its prefix, like 10.209.0.1/16, not " + bip);
        }
        Cidr pool = Cidr.parse(poolBase);
        if (poolSize < pool.prefix() || poolSize > 30) {
            throw new IllegalArgumentException("--default-address-pool size must be between the base's prefix and 30");
        }
        if (!bridge.isEmpty() && (bridge.length() > 15 || !bridge.matches("[A-Za-z0-9_.-]+"))) {
            throw new IllegalArgumentException("--bridge must be a network interface name of at most 15 characters");
        }
        for (String server : dns) {
            if (!Cidr.isAddress(server)) {
                throw new IllegalArgumentException("--dns must be an IPv4 address, not " + server);
            }
        }
    }

    /** The default bridge device's name for a daemon. */
    public String bridgeName(boolean defaultRoots, String daemonId) {
        if (!bridge.isEmpty()) {
            return bridge;
        }
        return defaultRoots ? "berth0" : "berth-" + daemonId;
    }
}
