package io.berth.daemon.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.command.Command;
import io.berth.daemon.command.EventWaiters;
import io.berth.daemon.command.Journal;
import io.berth.daemon.events.Event;
import io.berth.daemon.image.LayerIds;
import io.berth.daemon.network.HostFiles;
import io.berth.daemon.runtime.ContainerSpecs;
import io.berth.daemon.runtime.Signals;
import io.berth.daemon.state.Container;
import io.berth.daemon.state.EngineState;
import io.berth.daemon.state.Image;
import io.berth.daemon.util.Files2;
import io.berth.eventlog.Actor;
import io.berth.plugin.storage.InitEntry;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A container's life through the command bus: create (files first, then the event), start and wait for
 * the outcome, kill and wait for the exit, remove and wait for the removal. The container routes serve
 * the API with it; the builder runs its RUN steps with it, so a build's containers are ordinary containers.
 * Every method may be called from any thread and returns at once; failures are {@link ApiException}s.
 */
public final class ContainerLifecycle {

    private static final Pattern VALID_NAME = Pattern.compile("^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Engine engine;

    public ContainerLifecycle(Engine engine) {
        this.engine = engine;
    }

    /**
     * Creates a container from a create body ({@code HostConfig} inside, as the API takes it) named
     * {@code name} (a generated name when empty); completes with its id.
     */
    public Future<String> create(ObjectNode request, String name, Actor caller) {
        try {
            return createChecked(request, name, caller);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    private Future<String> createChecked(ObjectNode request, String name, Actor caller) {
        if (!name.isEmpty() && !VALID_NAME.matcher(name).matches()) {
            throw ApiException.invalid("Invalid container name (" + name + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
        String wantedName = name.startsWith("/") ? name.substring(1) : name;
        String imageRef = request.path("Image").asText("");
        if (imageRef.isEmpty()) {
            throw ApiException.invalid("no image specified");
        }
        Image image;
        try {
            image = engine.state().findImage(imageRef).orElseThrow(() ->
                    ApiException.noSuchImage(io.berth.daemon.state.ImageReference.normalize(imageRef)));
        } catch (EngineState.AmbiguousException e) {
            throw ApiException.invalid(e.getMessage());
        }
        ObjectNode hostConfig = request.get("HostConfig") instanceof ObjectNode h ? h : request.objectNode();
        ContainerSpecs.validate(hostConfig, Runtime.getRuntime().availableProcessors());
        List<Command.NetworkJoin> networks = ContainerNetworks.joins(engine.state(), engine.drivers().defaultNetwork(),
                hostConfig, request.path("NetworkingConfig"));
        io.berth.daemon.network.PortPlan.validate(request, hostConfig);
        ObjectNode config = request.deepCopy();
        config.remove("HostConfig");
        config.remove("NetworkingConfig");
        String id = newId();
        while (shortIdTaken(id)) {
            id = newId(); // monitors' state is kept under the short id: it must be unique
        }
        String containerName = wantedName.isEmpty()
                ? Names.generate(n -> engine.state().containerIdByName(n).isPresent()) : wantedName;
        if (engine.state().containerIdByName(containerName).isPresent()) {
            throw ApiException.conflict("Conflict. The container name \"/" + containerName
                    + "\" is already in use by container \"" + engine.state().containerIdByName(containerName).get()
                    + "\". You have to remove (or rename) that container to be able to reuse that name.");
        }
        String newId = id;
        return engine.blocking(() -> {
            prepareFiles(newId, config, hostConfig, image);
            return null;
        }).compose(v -> engine.send(new Command.CreateContainer(newId, containerName, imageRef, image.id(), config,
                hostConfig, engine.drivers().storage().name(), networks), caller, Journal.newCorrelationId())
                .recover(err -> engine.blocking(() -> {
                    removeFiles(newId);
                    return null;
                }).transform(x -> Future.failedFuture(err))))
                .map(result -> newId);
    }

    private boolean shortIdTaken(String id) {
        return engine.state().containers().stream().anyMatch(c -> c.id().startsWith(id.substring(0, 12)));
    }

    /** A new container id: 64 random hex digits (the builder's scratch root filesystems use them too). */
    public static String newId() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Files first: the container's own files and layers exist before the event that names them. */
    private void prepareFiles(String id, ObjectNode config, ObjectNode hostConfig, Image image) throws Exception {
        Path dir = engine.paths().container(id);
        Files.createDirectories(dir);
        String hostname = config.path("Hostname").asText("");
        if (hostname.isEmpty()) {
            hostname = id.substring(0, 12);
        }
        String mode = hostConfig.path("NetworkMode").asText("");
        Files2.writeAtomically(dir.resolve("hostname"), (hostname + "\n").getBytes(StandardCharsets.UTF_8));
        Files2.writeAtomically(dir.resolve("hosts"), HostFiles.hosts(mode, hostname,
                ContainerSpecs.strings(hostConfig.path("ExtraHosts"))).getBytes(StandardCharsets.UTF_8));
        Files2.writeAtomically(dir.resolve("resolv.conf"), HostFiles.resolvConf(mode,
                ContainerSpecs.strings(hostConfig.path("Dns")), ContainerSpecs.strings(hostConfig.path("DnsSearch")),
                ContainerSpecs.strings(hostConfig.path("DnsOptions"))).getBytes(StandardCharsets.UTF_8));
        List<String> layers = image.layers().stream().map(LayerIds::storageId).toList();
        engine.drivers().storage().createContainerLayers(id, layers, List.of(
                InitEntry.dir("/dev"), InitEntry.dir("/dev/pts"), InitEntry.dir("/dev/shm"), InitEntry.dir("/proc"),
                InitEntry.dir("/sys"), InitEntry.dir("/etc"), InitEntry.file("/etc/hosts", new byte[0]),
                InitEntry.file("/etc/hostname", new byte[0]), InitEntry.file("/etc/resolv.conf", new byte[0]),
                InitEntry.file("/.dockerenv", new byte[0])));
    }

    private void removeFiles(String id) throws Exception {
        engine.drivers().storage().removeContainerLayers(id);
        Files2.deleteTree(engine.paths().container(id));
    }

    /** Starts the container; completes when it runs, or fails with the start error. */
    public Future<Void> start(String id, Actor caller) {
        String corr = Journal.newCorrelationId();
        Future<Event> outcome = engine.waiters().await(engine.vertx().getOrCreateContext(),
                (env, ev) -> corr.equals(env.correlationId())
                        && (ev instanceof Event.ContainerStarted || ev instanceof Event.ContainerStartFailed));
        return engine.send(new Command.StartContainer(id), caller, corr)
                .onFailure(err -> EventWaiters.cancel(outcome))
                .compose(r -> outcome)
                .compose(ev -> ev instanceof Event.ContainerStartFailed f
                        ? Future.failedFuture(ApiException.invalid(f.error()))
                        : Future.succeededFuture());
    }

    /**
     * Sends {@code signal} (a stop: SIGKILL follows after {@code timeoutSeconds}) and completes when the
     * container has exited or is gone.
     */
    public Future<Void> killAndWait(String id, int signal, int timeoutSeconds, boolean stop, Actor caller) {
        Future<Event> exited = engine.waiters().await(engine.vertx().getOrCreateContext(),
                (env, ev) -> id.equals(ev.aggregateId())
                        && (ev instanceof Event.ContainerExited || ev instanceof Event.ContainerRemoved));
        return engine.send(new Command.KillContainer(id, signal, timeoutSeconds, stop), caller, Journal.newCorrelationId())
                .onFailure(err -> EventWaiters.cancel(exited))
                .compose(r -> {
                    if (engine.state().container(id).map(x -> !x.running()).orElse(true)) {
                        EventWaiters.cancel(exited);
                        return Future.succeededFuture();
                    }
                    return exited.mapEmpty();
                });
    }

    /** Removes the container (killing it first when {@code force}); completes when it is gone. */
    public Future<Void> remove(String id, boolean force, Actor caller) {
        boolean running = engine.state().container(id).map(Container::running).orElse(false);
        Future<Void> stopped = running && force
                ? killAndWait(id, Signals.SIGKILL, -1, false, caller) : Future.succeededFuture();
        return stopped.compose(v -> {
            String corr = Journal.newCorrelationId();
            Future<Event> removed = engine.waiters().await(engine.vertx().getOrCreateContext(),
                    (env, ev) -> ev instanceof Event.ContainerRemoved && id.equals(ev.aggregateId()));
            return engine.send(new Command.RemoveContainer(id, force), caller, corr)
                    .onFailure(err -> EventWaiters.cancel(removed))
                    .compose(r -> engine.state().container(id).isEmpty() ? Future.succeededFuture() : removed.mapEmpty());
        });
    }
}
