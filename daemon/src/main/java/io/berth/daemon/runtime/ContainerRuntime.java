package io.berth.daemon.runtime;

import io.berth.daemon.DaemonPaths;
import io.berth.daemon.Drivers;
import io.berth.daemon.api.ApiException;
import io.berth.daemon.command.Command;
import io.berth.daemon.command.Journal;
import io.berth.daemon.events.Event;
import io.berth.daemon.events.Event.*;
import io.berth.daemon.image.ImageStore;
import io.berth.daemon.image.LayerIds;
import io.berth.daemon.state.Container;
import io.berth.daemon.state.EngineState;
import io.berth.daemon.state.Image;
import io.berth.daemon.state.Layer;
import io.berth.daemon.util.CrashPoints;
import io.berth.daemon.util.Files2;
import io.berth.eventlog.Actor;
import io.berth.plugin.isolation.ProcessSpec;
import io.berth.plugin.isolation.ProcessState;
import io.berth.plugin.isolation.StartFailedException;
import io.berth.plugin.isolation.StartedProcess;
import io.berth.plugin.network.NetworkAttachment;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reactor for containers and images: performs the side effects that recorded intents ask for
 * (start, signal, removal, freeing image files), and reports each outcome back as a command, so that
 * outcomes are events too. It sees live events only; at boot the {@link Reconciler} resolves intents
 * left without an outcome.
 *
 * <p>Work for one container runs in event order on worker threads ({@link KeyedExecutor}); nothing here
 * blocks an event loop.
 */
public final class ContainerRuntime {

    private static final Logger LOG = LoggerFactory.getLogger(ContainerRuntime.class);
    private static final long OUTCOME_TIMEOUT_SECONDS = 30;

    private final Vertx vertx;
    private final EngineState state;
    private final Drivers drivers;
    private final DaemonPaths paths;
    private final ImageStore images;
    private final AttachRegistry attachments;
    private final NetClient netClient;
    private final NetworkRuntime networks;
    private final KeyedExecutor work = new KeyedExecutor("berth-runtime", 8);

    public ContainerRuntime(Vertx vertx, EngineState state, Drivers drivers, DaemonPaths paths, ImageStore images,
                            AttachRegistry attachments, NetClient netClient, NetworkRuntime networks) {
        this.vertx = vertx;
        this.networks = networks;
        this.state = state;
        this.drivers = drivers;
        this.paths = paths;
        this.images = images;
        this.attachments = attachments;
        this.netClient = netClient;
    }

    /** Journal listener: hands each live event's side effect to a worker. */
    public void onApplied(Journal.Applied applied) {
        String corr = applied.envelope().correlationId();
        Event event = applied.event();
        CrashPoints.hit("runtime.before-side-effect", applied.envelope().type());
        if (event instanceof ContainerStartRequested e) {
            work.submit(e.id(), "start", () -> start(e.id(), corr));
        } else if (event instanceof ContainerKillRequested e) {
            work.submit(e.id(), "kill", () -> kill(e));
        } else if (event instanceof ContainerExited e) {
            attachments.exited(e.id());
            work.submit(e.id(), "release", () -> afterExit(e.id()));
        } else if (event instanceof ContainerStartFailed e) {
            work.submit(e.id(), "release", () -> afterExit(e.id()));
        } else if (event instanceof ContainerRemoveRequested e) {
            work.submit(e.id(), "remove", () -> remove(e.id(), corr));
        } else if (event instanceof ContainerRemoved e) {
            attachments.removed(e.id());
        } else if (event instanceof ImageDeleted e) {
            work.submit("images", "image files", () -> deleteImageFiles(e.id()));
        } else if (event instanceof ContainerConnected e) {
            work.submit(e.containerId(), "connect", () -> networks.sync(e.containerId()));
        } else if (event instanceof ContainerDisconnected e) {
            work.submit(e.containerId(), "disconnect", () -> networks.sync(e.containerId()));
        }
    }

    // ---- start ------------------------------------------------------------------------------------

    private void start(String id, String corr) throws Exception {
        Container c = state.container(id).orElse(null);
        if (c == null || !c.startPending()) {
            return;
        }
        try {
            NetworkAttachment attachment = networks.prepare(c);
            ProcessSpec spec = ContainerSpecs.processSpec(c, state.image(c.imageId()).map(Image::runConfig)
                            .orElseThrow(() -> new IllegalStateException("image " + c.imageId() + " is gone")),
                    drivers.storage().rootfs(id), attachment, paths.container(id), paths.containerLog(id));
            AtomicInteger startedPid = new AtomicInteger();
            StartedProcess process = drivers.isolation().start(spec, socket -> {
                Future<Void> watcher = watch(id, socket, startedPid);
                Future<Void> attached = attachments.connectPending(id, socket);
                return Future.all(watcher, attached).<Void>mapEmpty().toCompletionStage();
            });
            startedPid.set(process.pid());
            CrashPoints.hit("runtime.mid-start", "ContainerStartRequested");
            record(new Command.RecordStart(id, process), corr);
        } catch (NetworkRuntime.SetupException e) {
            networks.release(c);
            record(new Command.RecordStartFailure(id, StartFailedException.Kind.SETUP.exitCode, e.getMessage()), corr);
        } catch (StartFailedException e) {
            networks.release(c);
            record(new Command.RecordStartFailure(id, e.kind().exitCode,
                    "failed to create task for container: unable to start container process: " + e.getMessage()), corr);
        } catch (Exception e) {
            LOG.error("start of {} failed", id, e);
            networks.release(c);
            record(new Command.RecordStartFailure(id, StartFailedException.Kind.SETUP.exitCode,
                    "failed to create task for container: " + e.getMessage()), corr);
        }
    }

    /**
     * Watches a monitor: when its connection ends, the container has exited (or the monitor is gone), and
     * the exit is recorded after the start (same key, so the order holds).
     */
    private Future<Void> watch(String id, Path socket, AtomicInteger pid) {
        return MonitorConnection.open(vertx, netClient, socket, 0).map(connection -> {
            connection.closeHandler(v -> work.submit(id, "exit", () -> recordExit(id, pid.get(), "")));
            return null;
        });
    }

    /** Re-attaches the exit watcher to a container that was running before the daemon restarted. */
    public void adopt(String id, int pid) {
        MonitorConnection.open(vertx, netClient, drivers.isolation().attachSocket(id), 0)
                .onSuccess(connection -> connection.closeHandler(v ->
                        work.submit(id, "exit", () -> recordExit(id, pid, ""))))
                .onFailure(e -> work.submit(id, "exit", () -> recordExit(id, pid, "")));
    }

    private void recordExit(String id, int pid, String reason) throws Exception {
        ProcessState ps = drivers.isolation().inspect(id);
        if (ps instanceof ProcessState.Running) {
            // the monitor's socket closed but the process runs: watch again
            adopt(id, pid);
            return;
        }
        ProcessState.Exited exited = ps instanceof ProcessState.Exited x ? x
                : new ProcessState.Exited(255, false, System.currentTimeMillis() * 1_000_000L);
        String why = ps instanceof ProcessState.Exited ? reason : "the container's monitor vanished without an exit status";
        record(new Command.RecordExit(id, pid, exited.exitCode(), exited.oomKilled(), exited.finishedAtNanos(), why), null);
        measureSize(id);
    }

    /** Records the size of the container's read-write layer, which docker system df and ps -s read from state. */
    public void measureSize(String id) {
        try {
            record(new Command.RecordContainerSize(id, drivers.storage().containerLayerSize(id)), null);
        } catch (Exception e) {
            LOG.debug("cannot measure the read-write layer of {}: {}", id, e.getMessage());
        }
    }

    // ---- signals ----------------------------------------------------------------------------------

    private void kill(ContainerKillRequested e) throws Exception {
        Container c = state.container(e.id()).orElse(null);
        if (c == null || !c.running()) {
            return;
        }
        drivers.isolation().signal(e.id(), e.signal());
        if (e.timeoutSeconds() >= 0 && e.signal() != Signals.SIGKILL) {
            int pid = c.pid();
            vertx.setTimer(Math.max(1, e.timeoutSeconds() * 1000L), t -> work.submit(e.id(), "stop timeout", () -> {
                Container now = state.container(e.id()).orElse(null);
                if (now != null && now.running() && now.pid() == pid) {
                    LOG.info("container {} did not stop within {} s; sending SIGKILL", e.id(), e.timeoutSeconds());
                    drivers.isolation().signal(e.id(), Signals.SIGKILL);
                }
            }));
        }
    }

    // ---- after exit, removal ----------------------------------------------------------------------

    private void afterExit(String id) throws Exception {
        release(id);
        Container c = state.container(id).orElse(null);
        if (c != null && c.hostConfig().path("AutoRemove").asBoolean(false)) {
            Journal.send(vertx, new Command.RemoveContainer(id, false), Actor.DAEMON, null)
                    .onFailure(err -> LOG.warn("auto-remove of {} failed: {}", id, err.getMessage()));
        }
    }

    private void release(String id) throws Exception {
        drivers.isolation().release(id);
        state.container(id).ifPresent(networks::release);
    }

    /** Removes everything a container holds on the host. Idempotent. */
    public void removeFiles(String id) throws Exception {
        drivers.isolation().release(id);
        state.container(id).ifPresent(networks::release);
        drivers.storage().removeContainerLayers(id);
        Files2.deleteTree(paths.container(id));
    }

    private void remove(String id, String corr) throws Exception {
        removeFiles(id);
        record(new Command.RecordRemoved(id), corr);
    }

    private void deleteImageFiles(String imageId) throws Exception {
        images.delete(imageId);
        removeUnusedLayers();
    }

    /** Removes layers that no image uses any more (also finishing an interrupted image deletion). */
    public void removeUnusedLayers() throws Exception {
        Set<String> used = new HashSet<>();
        state.images().forEach(i -> used.addAll(i.layers()));
        for (Layer layer : state.layers()) {
            if (!used.contains(layer.chainId())) {
                drivers.storage().removeLayer(LayerIds.storageId(layer.chainId()));
                record(new Command.RecordLayerRemoved(layer.chainId()), null);
            }
        }
    }

    /** Sends an outcome and waits until it is recorded, so later work for the same container sees it. */
    private void record(Command command, String corr) throws Exception {
        try {
            Journal.send(vertx, command, Actor.DAEMON, corr).toCompletionStage().toCompletableFuture()
                    .get(OUTCOME_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof ApiException)) {
                throw e;
            }
            LOG.debug("outcome {} refused: {}", command, e.getCause().getMessage());
        }
    }

    /** Queues blocking work for a container (used by the reconciler). */
    public void submit(String id, String what, KeyedExecutor.Task task) {
        work.submit(id, what, task);
    }

    public NetworkRuntime networks() {
        return networks;
    }

    public void shutdown() {
        work.shutdown();
        networks.close();
    }

}
