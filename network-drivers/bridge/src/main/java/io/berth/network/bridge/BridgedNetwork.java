package io.berth.network.bridge;

import io.berth.plugin.network.NetworkSpec;
import java.util.regex.Pattern;

/**
 * A network of this driver together with the name of the Linux bridge that carries it on the host.
 *
 * @param spec   the network as the daemon decided it
 * @param bridge the bridge device's name (at most 15 characters: letters, digits, '_', '.', '-')
 */
public record BridgedNetwork(NetworkSpec spec, String bridge) {

    private static final Pattern DEVICE_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");

    public BridgedNetwork {
        if (!DEVICE_NAME.matcher(bridge).matches()) {
            throw new IllegalArgumentException("not a bridge device name: " + bridge);
        }
    }
}
