package io.berth.daemon;

import io.berth.daemon.api.ApiServer;
import io.berth.daemon.api.BuildRoutes;
import io.berth.daemon.api.ContainerRoutes;
import io.berth.daemon.api.Engine;
import io.berth.daemon.api.HistoryRoutes;
import io.berth.daemon.api.ImageRoutes;
import io.berth.daemon.api.Router;
import io.berth.daemon.api.SystemRoutes;
import io.berth.daemon.command.EventWaiters;
import io.berth.daemon.command.Journal;
import io.berth.daemon.history.Rebuild;
import io.berth.daemon.history.Retention;
import io.berth.daemon.history.SnapshotStore;
import io.berth.daemon.history.Snapshots;
import io.berth.daemon.history.TimeTravel;
import io.berth.daemon.image.ImageStore;
import io.berth.daemon.plugins.PluginHost;
import io.berth.daemon.runtime.AttachRegistry;
import io.berth.daemon.runtime.ContainerRuntime;
import io.berth.daemon.runtime.NetworkRuntime;
import io.berth.daemon.runtime.Reconciler;
import io.berth.daemon.api.NetworkRoutes;
import io.berth.daemon.command.Command;
import io.berth.daemon.network.Cidr;
import io.berth.daemon.state.EngineState;
import io.berth.daemon.util.Files2;
import io.berth.eventlog.ChronicleEventLog;
import io.berth.eventlog.EventLog;
import io.berth.kernel.cgroup.CgroupsDiscovery;
import io.berth.plugin.DriverContext;
import io.berth.plugin.isolation.IsolationBackend;
import io.berth.plugin.network.NetworkDriver;
import io.berth.plugin.storage.StorageDriver;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * berthd, assembled: starts Vert.x and listens (answering /_ping from then on), then opens the log and
 * rebuilds the projection (the newest snapshot, then the rest of the log) while the drivers load; then
 * starts the reactors, reconciles with the kernel, and only then answers the rest of the API.
 */
public final class Daemon implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

    /** A startup problem a user can fix; the message says how. */
    public static final class StartupException extends Exception {
        public StartupException(String message) {
            super(message);
        }
    }

    private final DaemonConfig config;
    private Vertx vertx;
    private EventLog log;
    private Journal journal;
    private ApiServer api;
    private io.berth.audit.AuditTrail audit;
    private ContainerRuntime runtime;
    private PluginHost plugins;
    private io.berth.daemon.feed.EventFeeds feeds;
    private FileChannel lockChannel;
    private FileLock lock;
    /** The retention passes: off the event loop and the journal. */
    private java.util.concurrent.ScheduledExecutorService history;

    public Daemon(DaemonConfig config) {
        this.config = config;
    }

    public void start() throws Exception {
        long t0 = System.nanoTime();
        if (LOG.isDebugEnabled()) {
            LOG.debug("starting, {} ms after the process began", ProcessHandle.current().info().startInstant()
                    .map(i -> java.time.Duration.between(i, java.time.Instant.now()).toMillis()).orElse(-1L));
        }
        DaemonPaths paths = config.paths();
        Files.createDirectories(paths.dataRoot());
        Files.createDirectories(paths.execRoot());
        Files.createDirectories(paths.tmp());
        Files.createDirectories(paths.containers());
        lockDataRoot(paths.dataRoot());
        Files2.durable(config.fsync());

        // The log's open and the rebuild of the state (class initialisation, mostly, and the events after the
        // newest snapshot) run on a thread of their own once the API listens, while the drivers load.
        EngineState state = new EngineState();
        EventWaiters waiters = new EventWaiters();
        SnapshotStore snapshotStore = new SnapshotStore(paths.snapshots());
        history = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "berth-history");
            t.setDaemon(true);
            return t;
        });
        java.util.function.Supplier<CompletableFuture<Rebuild.Outcome>> startReplay = () -> CompletableFuture.supplyAsync(() -> {
            ChronicleEventLog opened = ChronicleEventLog.open(paths.events(), config.fsync(), config.history().rollCycle());
            log = opened;
            LOG.debug("event log open after {} ms", (System.nanoTime() - t0) / 1_000_000);
            opened.tailDamage().ifPresent(damage -> forgetSnapshotsPast(damage, snapshotStore));
            journal = new Journal(log, state, waiters, new Snapshots(snapshotStore, config.history().snapshotInterval()));
            Rebuild.Outcome outcome = journal.recover();
            if (outcome.usedSnapshot()) {
                LOG.info("state restored from the snapshot at position {}, then {} events replayed (at position {})",
                        outcome.snapshot(), outcome.replayed(), outcome.position());
            } else {
                LOG.info("no usable snapshot: {} events replayed from the log's start (at position {})",
                        outcome.replayed(), outcome.position());
            }
            LOG.debug("state rebuilt after {} ms", (System.nanoTime() - t0) / 1_000_000);
            return outcome;
        }, r -> new Thread(r, "berth-replay").start());

        // Vert.x reads no file from the class path for berth; without that resolving it makes no file cache
        // (a temp directory named by a freshly seeded SecureRandom, and a shutdown hook) at every start
        vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true)
                .setFileSystemOptions(new FileSystemOptions().setClassPathResolvingEnabled(false)));
        if (!vertx.isNativeTransportEnabled()) {
            throw new StartupException("the native epoll transport is unavailable ("
                    + vertx.unavailableNativeTransportCause() + "); berthd needs it for half-closed attach streams");
        }
        LOG.debug("vert.x ready after {} ms", (System.nanoTime() - t0) / 1_000_000);
        // The API listens now and answers /_ping at once: it needs nothing of the state, and a client that
        // pings and then lists still sees the replayed containers, since every other request is held until
        // the drivers are loaded, the state rebuilt, the kernel reconciled and the routes built. So the first
        // ping does not wait for the rebuild, whatever the length of the log.
        audit = io.berth.audit.AuditTrail.open(paths.audit(), io.berth.audit.AuditTrail.DEFAULT_SEGMENT_BYTES,
                config.fsync());
        api = new ApiServer(vertx, !config.sideEffects(), audit, config.history().auditReads());
        api.listen(paths.socket()).toCompletionStage().toCompletableFuture().get();
        LOG.debug("listening after {} ms", (System.nanoTime() - t0) / 1_000_000);
        Router pingOnly = new Router();
        SystemRoutes.registerPing(pingOnly);
        api.serveEarly(pingOnly);
        // only now the rebuild: on two cores it would slow Vert.x's start, and the first ping does not need it
        CompletableFuture<Rebuild.Outcome> replay = startReplay.get();

        plugins = new PluginHost(List.of(config.home().resolve("plugins"), paths.userPlugins()));
        LOG.debug("plugins loaded after {} ms", (System.nanoTime() - t0) / 1_000_000);
        Drivers drivers = loadDrivers(paths);
        LOG.debug("drivers ready after {} ms", (System.nanoTime() - t0) / 1_000_000);
        Rebuild.Outcome replayed;
        try {
            replayed = replay.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
        journal.register(vertx);
        if (log instanceof ChronicleEventLog chronicle && chronicle.tailDamage().isPresent()) {
            io.berth.eventlog.TailDamage d = chronicle.tailDamage().get();
            Journal.send(vertx, new Command.RecordLogRepaired(d.file().toString(), d.savedCopy().toString(),
                    d.lastGoodPosition(), d.problem(), d.bytesSetAside(), d.documentsSetAside()),
                    io.berth.eventlog.Actor.DAEMON, null).toCompletionStage().toCompletableFuture().get();
        }
        io.berth.daemon.feed.LogTail tail = new io.berth.daemon.feed.LogTail(log);
        journal.addListener(applied -> tail.appended());
        // a subscriber's projection before its first event: the nearest snapshot and the events after it
        TimeTravel timeTravel = new TimeTravel(log, snapshotStore);
        feeds = new io.berth.daemon.feed.EventFeeds(vertx, log, tail, position -> {
            TimeTravel.StateAt before = timeTravel.stateBefore(position);
            return new io.berth.daemon.feed.StateSource.Seed(Math.max(position, before.position() + 1), before.state());
        });

        ImageStore images = new ImageStore(paths.images());
        NetClient netClient = vertx.createNetClient(new NetClientOptions());
        AttachRegistry attachments = new AttachRegistry(vertx, netClient);
        NetworkRuntime networkRuntime = new NetworkRuntime(vertx, state, drivers, paths, config.bridge().dns());
        runtime = new ContainerRuntime(vertx, state, drivers, paths, images, attachments, netClient, networkRuntime);
        if (config.sideEffects()) {
            ensurePredefinedNetworks(drivers);
            journal.addListener(runtime::onApplied);
            Reconciler reconciler = new Reconciler(vertx, state, drivers, paths, images, runtime);
            vertx.executeBlocking(() -> {
                reconciler.run();
                return null;
            }).toCompletionStage().toCompletableFuture().get();
        }

        LOG.debug("reconciled after {} ms", (System.nanoTime() - t0) / 1_000_000);
        Engine engine = new Engine(vertx, state, waiters, drivers, paths, images, attachments,
                new Engine.DaemonInfo(config.daemonId(), hostname(), System.currentTimeMillis() * 1_000_000L,
                        CgroupsDiscovery.detect().mode()),
                new io.berth.daemon.registry.RegistryClient(registryConfig()));
        Router router = new Router();
        new SystemRoutes(engine).register(router);
        new ContainerRoutes(engine).register(router);
        new ImageRoutes(engine).register(router);
        new BuildRoutes(engine).register(router);
        new io.berth.daemon.api.EventRoutes(feeds).register(router);
        new io.berth.daemon.api.AuditRoutes(vertx, audit).register(router);
        new HistoryRoutes(engine, timeTravel).register(router);
        new NetworkRoutes(engine, networkRuntime, new Command.AddressPool(config.bridge().poolBase(),
                config.bridge().poolSize())).register(router);
        api.serve(router);
        scheduleRetention(snapshotStore);
        LOG.info("berthd {} listening on {} (data root {}, storage {}, {} events replayed, ready in {} ms)",
                Version.BERTH, paths.socket(), paths.dataRoot(), drivers.storage().name(), replayed.replayed(),
                (System.nanoTime() - t0) / 1_000_000);
    }

    /** Retention at boot, then every minute, on the history thread; each pass that trims is recorded as an event. */
    private void scheduleRetention(SnapshotStore snapshotStore) {
        HistoryConfig h = config.history();
        Retention retention = new Retention(log, snapshotStore, h.retentionAge(), h.retentionBytes(), h.snapshotInterval(),
                (age, bytes) -> {
                    try {
                        audit.applyRetention(age, bytes);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException("audit retention", e);
                    }
                }, () -> System.currentTimeMillis() * 1_000_000L);
        if (!retention.limited()) {
            return;
        }
        history.scheduleWithFixedDelay(() -> {
            try {
                retention.run().ifPresent(t -> Journal.send(vertx, new Command.RecordHistoryTrimmed(t.firstPosition(),
                        t.boundaryPosition(), t.retainedFromNanos(), t.bytesOnDisk()), io.berth.eventlog.Actor.DAEMON, null));
            } catch (Exception e) {
                LOG.warn("retention failed: {}", e.toString());
            }
        }, 0, 60, java.util.concurrent.TimeUnit.SECONDS);
    }

    /**
     * A repaired log continues after its last good event, so the positions past it will name other events:
     * a snapshot taken past it holds what is gone, and must not be restored (nor found by time travel).
     */
    private static void forgetSnapshotsPast(io.berth.eventlog.TailDamage damage, SnapshotStore snapshots) {
        LOG.warn("the event log's end was damaged ({}); it continues after position {}; the damaged file is kept as {}",
                damage.problem(), damage.lastGoodPosition(), damage.savedCopy());
        for (long p : snapshots.positions()) {
            if (p > damage.lastGoodPosition()) {
                LOG.warn("dropping the snapshot at position {}: it is past the repaired log's end", p);
                try {
                    snapshots.delete(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException("cannot drop the snapshot at position " + p, e);
                }
            }
        }
    }

    private io.berth.daemon.registry.RegistryConfig registryConfig() {
        io.berth.daemon.registry.RegistryConfig c = io.berth.daemon.registry.RegistryConfig.defaults();
        return config.registryMirror() == null ? c
                : c.withMirror(io.berth.daemon.registry.Reference.DOCKER_HUB, config.registryMirror());
    }

    /** bridge, host and none exist as networks, the bridge one with this start's --bridge and --bip. */
    private void ensurePredefinedNetworks(Drivers drivers) throws Exception {
        List<Command> wanted = new java.util.ArrayList<>();
        if (drivers.networks().containsKey("bridge")) {
            Cidr bip = Cidr.parse(config.bridge().bip());
            Map<String, String> options = Map.of(
                    NetworkRuntime.BRIDGE_NAME, config.bridge().bridgeName(config.defaultRoots(), config.daemonId()),
                    "com.docker.network.bridge.default_bridge", "true",
                    "com.docker.network.bridge.enable_icc", "true",
                    "com.docker.network.bridge.enable_ip_masquerade", "true",
                    "com.docker.network.bridge.host_binding_ipv4", "0.0.0.0",
                    "com.docker.network.driver.mtu", "1500");
            wanted.add(new Command.EnsurePredefinedNetwork(predefinedId("bridge"), "bridge", "bridge",
                    bip.canonical().toString(), bip.addressText(), options));
        }
        wanted.add(new Command.EnsurePredefinedNetwork(predefinedId("host"), "host", "host", "", "", Map.of()));
        wanted.add(new Command.EnsurePredefinedNetwork(predefinedId("none"), "none", "null", "", "", Map.of()));
        for (Command c : wanted) {
            Journal.send(vertx, c, io.berth.eventlog.Actor.DAEMON, null).toCompletionStage().toCompletableFuture().get();
        }
    }

    /** A predefined network's id: stable for this daemon, distinct between daemons. */
    private String predefinedId(String name) throws java.security.NoSuchAlgorithmException {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest((config.daemonId() + "/network/" + name).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private Drivers loadDrivers(DaemonPaths paths) throws Exception {
        Path libexec = config.home().resolve("libexec");
        String id = config.daemonId();
        Map<String, StorageDriver> storageDrivers = plugins.storageDrivers();
        StorageDriver storage = storageDrivers.get(config.storageDriver());
        if (storage == null) {
            throw new StartupException("error initializing storage driver: unknown storage driver \""
                    + config.storageDriver() + "\" (available: " + String.join(", ", storageDrivers.keySet())
                    + "; plugins loaded from " + config.home().resolve("plugins") + ")");
        }
        storage.init(new DriverContext(paths.storage(storage.name()), paths.runtime("storage", storage.name()), libexec, id));
        if (!storage.status().usable()) {
            throw new StartupException("storage driver " + storage.name() + " cannot be used here: "
                    + storage.status().reason());
        }
        Map<String, IsolationBackend> backends = plugins.isolationBackends();
        IsolationBackend isolation = backends.get(config.isolation());
        if (isolation == null) {
            throw new StartupException("unknown isolation backend \"" + config.isolation() + "\" (available: "
                    + String.join(", ", backends.keySet()) + ")");
        }
        isolation.init(new DriverContext(paths.dataRoot().resolve("isolation").resolve(isolation.name()),
                paths.execRoot().resolve("containers"), libexec, id));
        if (!isolation.status().usable()) {
            throw new StartupException("isolation backend " + isolation.name() + " cannot be used here: "
                    + isolation.status().reason());
        }
        Map<String, NetworkDriver> networks = plugins.networkDrivers();
        for (NetworkDriver n : networks.values()) {
            n.init(new DriverContext(paths.dataRoot().resolve("network").resolve(n.name()),
                    paths.runtime("network", n.name()), libexec, id));
        }
        if (!networks.containsKey(config.defaultNetwork())) {
            throw new StartupException("the default network driver \"" + config.defaultNetwork()
                    + "\" is not loaded (available: " + String.join(", ", networks.keySet()) + ")");
        }
        return new Drivers(storage, isolation, networks, config.defaultNetwork());
    }

    private void lockDataRoot(Path dataRoot) throws IOException, StartupException {
        lockChannel = FileChannel.open(dataRoot.resolve("berthd.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        lock = lockChannel.tryLock();
        if (lock == null) {
            lockChannel.close();
            throw new StartupException("another berthd is using the data root " + dataRoot);
        }
    }

    private static String hostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** Stops serving; containers keep running under their monitors. */
    @Override
    public void close() {
        try {
            if (api != null) {
                api.close().toCompletionStage().toCompletableFuture().get();
            }
        } catch (Exception e) {
            LOG.warn("closing the API: {}", e.getMessage());
        }
        if (feeds != null) {
            feeds.close();
        }
        if (runtime != null) {
            runtime.shutdown();
        }
        if (history != null) {
            history.shutdownNow();
            try {
                history.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (audit != null) {
            audit.close(); // after the API and the retention passes: the last calls' records are written
        }
        if (journal != null) {
            journal.close();
        }
        if (log != null) {
            log.close();
        }
        if (vertx != null) {
            try {
                vertx.close().toCompletionStage().toCompletableFuture().get();
            } catch (Exception e) {
                LOG.warn("closing vert.x: {}", e.getMessage());
            }
        }
        if (plugins != null) {
            plugins.close();
        }
        try {
            Files.deleteIfExists(config.paths().socket());
            if (lock != null) {
                lock.release();
                lockChannel.close();
            }
        } catch (IOException e) {
            LOG.warn("cleanup: {}", e.getMessage());
        }
    }
}
