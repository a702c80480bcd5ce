package io.berth.daemon;

import java.nio.file.Path;

/**
 * Where a daemon keeps things. The data root persists (the event log, image configs, storage, container
 * files); the exec root holds what lives only as long as the machine runs (the socket, monitors' state).
 */
public record DaemonPaths(Path dataRoot, Path execRoot, Path socket) {

    public Path events() {
        return dataRoot.resolve("events");
    }

    /** The audit trail's files (io.berth.audit.AuditTrail). */
    public Path audit() {
        return dataRoot.resolve("audit");
    }

    /** Snapshots of the projection (see {@code io.berth.daemon.history.SnapshotStore}). */
    public Path snapshots() {
        return dataRoot.resolve("snapshots");
    }

    public Path images() {
        return dataRoot.resolve("image");
    }

    public Path storage(String driver) {
        return dataRoot.resolve("storage").resolve(driver);
    }

    public Path containers() {
        return dataRoot.resolve("containers");
    }

    /** The container's own files: hostname, hosts, resolv.conf and its json-file log. */
    public Path container(String id) {
        return containers().resolve(id);
    }

    public Path containerLog(String id) {
        return container(id).resolve(id + "-json.log");
    }

    public Path tmp() {
        return dataRoot.resolve("tmp");
    }

    /** Third-party plugin jars (the distribution's plugins/ folder holds the built-in ones). */
    public Path userPlugins() {
        return dataRoot.resolve("plugins");
    }

    public Path runtime(String kind, String name) {
        return execRoot.resolve(kind).resolve(name);
    }
}
