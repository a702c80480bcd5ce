package io.berth.plugin.isolation;

import io.berth.plugin.DriverContext;
import io.berth.plugin.DriverStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.pf4j.ExtensionPoint;

/**
 * Runs a container's process: namespaces, cgroups, root filesystem, security settings, and a monitor
 * process that outlives the daemon.
 *
 * <p>Every running container has a monitor. The monitor holds the container's stdio, writes its log in
 * Docker's json-file format, reaps it, and records its exit status. The daemon talks to it through the
 * attach socket ({@link #attachSocket}), which speaks the protocol described in {@link AttachProtocol}.
 * A monitor keeps running when the daemon stops, and a new daemon finds it again with {@link #inspect}.
 *
 * <p>All methods block; the daemon calls them from worker threads.
 */
public interface IsolationBackend extends ExtensionPoint {

    String name();

    void init(DriverContext context) throws IOException;

    DriverStatus status();

    /**
     * Creates the container's process and its monitor, and runs it.
     *
     * <p>Sequence: set up cgroups, namespaces, root filesystem and the monitor; resolve the command in
     * the container's root (so that a missing binary fails here, as Docker's does); then call
     * {@code beforeExec} with the attach socket path and wait for the stage it returns (the daemon
     * connects its attach clients there, so no output is lost); then exec the command.
     *
     * @return the process as started
     * @throws StartFailedException when the process could not be started; nothing of it is left running
     */
    StartedProcess start(ProcessSpec spec, Function<Path, CompletionStage<Void>> beforeExec)
            throws StartFailedException, IOException;

    /** Where the container's monitor listens (whether or not it is running). */
    Path attachSocket(String containerId);

    /**
     * What is known of container {@code containerId}'s process right now: running (with the monitor and
     * process pids and start times, checked against /proc so that a reused pid is never mistaken for it),
     * exited (with the recorded status), or unknown.
     */
    ProcessState inspect(String containerId) throws IOException;

    /** Sends {@code signal} to the container's first process. False when it is not running. */
    boolean signal(String containerId, int signal) throws IOException;

    /**
     * Freezes ({@code frozen}) or thaws every process of a running container: {@code docker pause},
     * and {@code docker commit} while it copies the read-write layer. Fails for a container with no
     * processes here.
     */
    void freeze(String containerId, boolean frozen) throws IOException;

    /**
     * Frees what the container held once its process is gone: cgroups, monitor files. The exit status is
     * read by {@link #inspect} before this is called. Idempotent.
     */
    void release(String containerId) throws IOException;

    /** Every container id this daemon has monitor state or cgroups for (for the orphan sweep at boot). */
    Set<String> known() throws IOException;
}
