package io.berth.daemon.state;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A container as the event log describes it. Immutable: the projection replaces it on every event.
 *
 * @param status      Docker's status word: created, running, exited, removing, dead
 * @param pid         host pid of the first process while running, else 0
 * @param error       the last start error (Docker's State.Error)
 * @param stopping    a stop or kill was requested and the exit is not yet recorded
 */
public record Container(
        String id,
        String name,
        String image,
        String imageId,
        ObjectNode config,
        ObjectNode hostConfig,
        long createdNanos,
        String storageDriver,
        String status,
        int pid,
        long pidStartTime,
        int monitorPid,
        long monitorStartTime,
        long startedAtNanos,
        long finishedAtNanos,
        int exitCode,
        boolean oomKilled,
        String error,
        int restartCount,
        boolean startPending,
        boolean stopping) {

    public boolean running() {
        return "running".equals(status);
    }

    public String shortId() {
        return id.substring(0, 12);
    }

    Container withStatus(String newStatus) {
        return new Container(id, name, image, imageId, config, hostConfig, createdNanos, storageDriver, newStatus,
                pid, pidStartTime, monitorPid, monitorStartTime, startedAtNanos, finishedAtNanos, exitCode,
                oomKilled, error, restartCount, startPending, stopping);
    }

    Container withStartPending(boolean pending) {
        return new Container(id, name, image, imageId, config, hostConfig, createdNanos, storageDriver, status,
                pid, pidStartTime, monitorPid, monitorStartTime, startedAtNanos, finishedAtNanos, exitCode,
                oomKilled, error, restartCount, pending, stopping);
    }

    Container withStopping(boolean value) {
        return new Container(id, name, image, imageId, config, hostConfig, createdNanos, storageDriver, status,
                pid, pidStartTime, monitorPid, monitorStartTime, startedAtNanos, finishedAtNanos, exitCode,
                oomKilled, error, restartCount, startPending, value);
    }

    Container started(int newPid, long newPidStart, int newMonitorPid, long newMonitorStart, long at,
                      boolean restart) {
        return new Container(id, name, image, imageId, config, hostConfig, createdNanos, storageDriver, "running",
                newPid, newPidStart, newMonitorPid, newMonitorStart, at, finishedAtNanos, 0, false, "",
                restart ? restartCount + 1 : restartCount, false, false);
    }

    Container exited(int code, boolean oom, long at, String newError) {
        return new Container(id, name, image, imageId, config, hostConfig, createdNanos, storageDriver, "exited",
                0, 0, 0, 0, startedAtNanos, at, code, oom, newError, restartCount, false, false);
    }

    Container startFailed(int code, String newError, long at) {
        // Docker leaves a container whose start failed in "created" if it never ran, else "exited"
        String newStatus = startedAtNanos == 0 ? "created" : "exited";
        return new Container(id, name, image, imageId, config, hostConfig, createdNanos, storageDriver, newStatus,
                0, 0, 0, 0, startedAtNanos, at, code, false, newError, restartCount, false, false);
    }
}
