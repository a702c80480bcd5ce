package io.berth.plugin.network;

/**
 * Which network namespace a container's process runs in.
 *
 * @param mode     NEW: a fresh namespace made with the process (only loopback, brought up);
 *                 HOST: the host's namespace; JOIN: the namespace at {@code nsPath}
 * @param nsPath   with JOIN, a path to a network namespace (a bind-mounted handle or /proc/PID/ns/net)
 */
public record NetworkAttachment(Mode mode, String nsPath) {

    public enum Mode { NEW, HOST, JOIN }

    public static NetworkAttachment newNamespace() {
        return new NetworkAttachment(Mode.NEW, "");
    }

    public static NetworkAttachment host() {
        return new NetworkAttachment(Mode.HOST, "");
    }

    public static NetworkAttachment join(String nsPath) {
        return new NetworkAttachment(Mode.JOIN, nsPath);
    }
}
