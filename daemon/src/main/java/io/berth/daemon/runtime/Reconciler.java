package io.berth.daemon.runtime;

import io.berth.daemon.DaemonPaths;
import io.berth.daemon.Drivers;
import io.berth.daemon.command.Command;
import io.berth.daemon.command.Journal;
import io.berth.daemon.image.ImageStore;
import io.berth.daemon.image.LayerIds;
import io.berth.daemon.state.Container;
import io.berth.daemon.state.EngineState;
import io.berth.daemon.util.Files2;
import io.berth.eventlog.Actor;
import io.berth.plugin.isolation.ProcessState;
import io.berth.plugin.isolation.StartedProcess;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs once at boot, after replay and before the API answers anything but /_ping: compares the state
 * rebuilt from the log with the kernel and the disk, records every difference as an event, and removes
 * what the log does not know.
 *
 * <ul>
 *   <li>a running container whose monitor still runs it (same pid and start time) is adopted;</li>
 *   <li>one that exited meanwhile gets its real exit status from the monitor's exit file; one whose
 *       monitor vanished without a status is recorded as exited with 255, as Docker does;</li>
 *   <li>a start intent without an outcome is resolved by what the kernel shows;</li>
 *   <li>a removal intent without an outcome is carried out;</li>
 *   <li>monitors, cgroups, container layers, container files, layers and image configs that no event
 *       accounts for are removed and logged.</li>
 * </ul>
 */
public final class Reconciler {

    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);

    private final Vertx vertx;
    private final EngineState state;
    private final Drivers drivers;
    private final DaemonPaths paths;
    private final ImageStore images;
    private final ContainerRuntime runtime;

    public Reconciler(Vertx vertx, EngineState state, Drivers drivers, DaemonPaths paths, ImageStore images,
                      ContainerRuntime runtime) {
        this.vertx = vertx;
        this.state = state;
        this.drivers = drivers;
        this.paths = paths;
        this.images = images;
        this.runtime = runtime;
    }

    /** Blocks until every correction is recorded. Must run on a worker thread. */
    public void run() throws Exception {
        for (Container c : state.containers()) {
            try {
                reconcile(c);
            } catch (java.io.IOException | RuntimeException e) {
                // one container's kernel state must not keep the daemon from serving the others; what was
                // recorded stays recorded, and the next start (or rm) tries its cleanup again
                LOG.warn("reconciling container {} failed: {}", c.id(), e.toString());
            }
        }
        sweepOrphans();
        runtime.networks().reconcile();
        runtime.removeUnusedLayers();
    }

    /**
     * berth freezes a container only for the length of a commit and records no paused state: a daemon
     * killed during one must not leave the container frozen.
     */
    private void thaw(String id) {
        try {
            drivers.isolation().freeze(id, false);
        } catch (java.io.IOException e) {
            LOG.debug("thawing {}: {}", id, e.getMessage());
        }
    }

    private void reconcile(Container c) throws Exception {
        String id = c.id();
        if ("removing".equals(c.status())) {
            runtime.removeFiles(id);
            record(new Command.RecordRemoved(id));
            return;
        }
        ProcessState ps = drivers.isolation().inspect(id);
        if (c.startPending()) {
            if (ps instanceof ProcessState.Running r) {
                record(new Command.RecordStart(id, r.process()));
                runtime.adopt(id, r.process().pid());
            } else if (ps instanceof ProcessState.Exited x) {
                record(new Command.RecordStart(id, new StartedProcess(0, 0, 0, 0, x.finishedAtNanos())));
                record(new Command.RecordExit(id, 0, x.exitCode(), x.oomKilled(), x.finishedAtNanos(),
                        "exited while the daemon was down"));
                drivers.isolation().release(id);
            } else {
                record(new Command.RecordStartFailure(id, 128, "the daemon stopped before the start completed"));
                drivers.isolation().release(id);
            }
            return;
        }
        if (c.running()) {
            if (ps instanceof ProcessState.Running r && r.process().pid() == c.pid()
                    && r.process().startTime() == c.pidStartTime()) {
                thaw(id);
                runtime.adopt(id, c.pid());
            } else if (ps instanceof ProcessState.Exited x) {
                record(new Command.RecordExit(id, c.pid(), x.exitCode(), x.oomKilled(), x.finishedAtNanos(),
                        "exited while the daemon was down"));
                drivers.isolation().release(id);
            } else {
                record(new Command.RecordExit(id, c.pid(), 255, false, System.currentTimeMillis() * 1_000_000L,
                        "the process was gone when the daemon started"));
                drivers.isolation().release(id);
            }
            return;
        }
        // created or exited: nothing may run for it
        if (ps instanceof ProcessState.Running) {
            LOG.warn("container {} is recorded as {} but a process runs for it; killing it", id, c.status());
            drivers.isolation().signal(id, Signals.SIGKILL);
        }
        if (drivers.isolation().known().contains(id)) {
            drivers.isolation().release(id);
        }
    }

    private void sweepOrphans() throws Exception {
        // a build killed while it had a root filesystem mounted on the host left it under tmp
        io.berth.daemon.util.HostMounts.unmountAllUnder(paths.tmp());
        Set<String> containers = new HashSet<>();
        state.containers().forEach(c -> containers.add(c.id()));
        for (String id : drivers.isolation().known()) {
            if (!containers.contains(id)) {
                LOG.warn("removing orphan monitor state and cgroups of unknown container {}", id);
                drivers.isolation().signal(id, Signals.SIGKILL);
                drivers.isolation().release(id);
            }
        }
        for (String id : drivers.storage().containers()) {
            if (!containers.contains(id)) {
                LOG.warn("removing orphan container layers {}", id);
                drivers.storage().removeContainerLayers(id);
            }
        }
        if (Files.isDirectory(paths.containers())) {
            try (Stream<Path> dirs = Files.list(paths.containers())) {
                for (Path dir : (Iterable<Path>) dirs::iterator) {
                    if (!containers.contains(dir.getFileName().toString())) {
                        LOG.warn("removing orphan container directory {}", dir);
                        Files2.deleteTree(dir);
                    }
                }
            }
        }
        Set<String> layers = new HashSet<>();
        state.layers().forEach(l -> layers.add(LayerIds.storageId(l.chainId())));
        for (String layer : drivers.storage().layers()) {
            if (!layers.contains(layer)) {
                LOG.warn("removing orphan layer {}", layer);
                drivers.storage().removeLayer(layer);
            }
        }
        for (String imageId : images.ids()) {
            if (state.image(imageId).isEmpty()) {
                LOG.warn("removing orphan image config {}", imageId);
                images.delete(imageId);
            }
        }
        Files2.deleteTree(paths.tmp());
        Files.createDirectories(paths.tmp());
    }

    private void record(Command command) throws Exception {
        try {
            Journal.send(vertx, command, Actor.DAEMON, null).toCompletionStage().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.warn("reconciliation {} refused: {}", command, e.getCause().getMessage());
        }
    }
}
