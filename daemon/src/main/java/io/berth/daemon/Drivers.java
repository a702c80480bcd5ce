package io.berth.daemon;

import io.berth.plugin.isolation.IsolationBackend;
import io.berth.plugin.network.NetworkDriver;
import io.berth.plugin.storage.StorageDriver;
import java.util.Map;
import java.util.Optional;

/**
 * The drivers this daemon runs with, as loaded from plugins: the one storage driver and isolation
 * backend selected by configuration, and every network driver by mode name.
 */
public record Drivers(StorageDriver storage, IsolationBackend isolation, Map<String, NetworkDriver> networks,
                      String defaultNetwork) {

    /**
     * The network driver for a container's NetworkMode: "" and "default" mean the daemon's default
     * network; "container:<x>" selects the "container" driver.
     */
    public Optional<NetworkDriver> network(String mode) {
        String m = mode == null || mode.isEmpty() || mode.equals("default") ? defaultNetwork : mode;
        int colon = m.indexOf(':');
        if (colon > 0) {
            m = m.substring(0, colon);
        }
        return Optional.ofNullable(networks.get(m));
    }
}
