package io.berth.daemon.runtime;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Attach sessions of containers that do not run yet (docker run attaches before it starts). When the
 * container starts, they are connected to its monitor before its command executes, so they see all of
 * its output. Live sessions are kept too, so that a resize reaches them.
 */
public final class AttachRegistry {

    private final Vertx vertx;
    private final NetClient netClient;
    private final Map<String, List<AttachSession>> pending = new ConcurrentHashMap<>();
    private final Map<String, List<AttachSession>> live = new ConcurrentHashMap<>();

    public AttachRegistry(Vertx vertx, NetClient netClient) {
        this.vertx = vertx;
        this.netClient = netClient;
    }

    /** Keeps {@code session} until the container starts. */
    public void addPending(String containerId, AttachSession session) {
        pending.computeIfAbsent(containerId, k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(session);
    }

    /** Connects a session to a running container's monitor now. */
    public Future<Void> connect(String containerId, AttachSession session, Path socket) {
        live.computeIfAbsent(containerId, k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(session);
        return session.connect(vertx, netClient, socket);
    }

    /** Connects every pending session of the container; the future completes when all are connected. */
    public Future<Void> connectPending(String containerId, Path socket) {
        List<AttachSession> sessions = pending.remove(containerId);
        if (sessions == null || sessions.isEmpty()) {
            return Future.succeededFuture();
        }
        List<Future<Void>> connecting = new ArrayList<>();
        for (AttachSession s : sessions) {
            connecting.add(connect(containerId, s, socket));
        }
        return Future.join(connecting).mapEmpty();
    }

    public void resize(String containerId, int rows, int cols) {
        live.getOrDefault(containerId, List.of()).forEach(s -> s.resize(rows, cols));
    }

    /** The container exited or was removed: live sessions end with its monitor; pending ones stay for a restart. */
    public void exited(String containerId) {
        live.remove(containerId);
    }

    /** The container is gone: every session ends. */
    public void removed(String containerId) {
        List<AttachSession> sessions = pending.remove(containerId);
        if (sessions != null) {
            sessions.forEach(AttachSession::close);
        }
        live.remove(containerId);
    }
}
