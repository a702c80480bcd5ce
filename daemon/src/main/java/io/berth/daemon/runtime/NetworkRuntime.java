package io.berth.daemon.runtime;

import io.berth.daemon.DaemonPaths;
import io.berth.daemon.Drivers;
import io.berth.daemon.command.Command;
import io.berth.daemon.command.Journal;
import io.berth.daemon.network.BerthNames;
import io.berth.daemon.network.HostFiles;
import io.berth.daemon.network.LegacyLink;
import io.berth.daemon.network.dns.EmbeddedDns;
import io.berth.daemon.state.Container;
import io.berth.daemon.state.Endpoint;
import io.berth.daemon.state.EngineState;
import io.berth.daemon.state.Network;
import io.berth.daemon.state.NetworkMembership;
import io.berth.daemon.util.Files2;
import io.berth.eventlog.Actor;
import io.berth.kernel.net.NetNs;
import io.berth.plugin.isolation.StartFailedException;
import io.berth.plugin.network.EndpointRequest;
import io.berth.plugin.network.EndpointSpec;
import io.berth.plugin.network.NetworkAttachment;
import io.berth.plugin.network.NetworkDriver;
import io.berth.plugin.network.NetworkSpec;
import io.berth.plugin.network.PortMapping;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network side of a container's start and stop. A container in a mode (host, none,
 * container:&lt;x&gt;) gets its namespace from that mode's driver. A container on networks gets a network
 * namespace of its own, held by a handle under the exec root, then an endpoint on each of its networks
 * (addresses and ports allocated through the journal, wired by the network's driver), the embedded DNS
 * server on user-defined networks, and its /etc/hosts and /etc/resolv.conf. Everything here blocks: it
 * runs on the container runtime's workers.
 */
public final class NetworkRuntime {

    private static final Logger LOG = LoggerFactory.getLogger(NetworkRuntime.class);

    /** The option that names a bridge network's device. */
    public static final String BRIDGE_NAME = "com.docker.network.bridge.name";

    private final Vertx vertx;
    private final EngineState state;
    private final Drivers drivers;
    private final DaemonPaths paths;
    private final EmbeddedDns dns;
    /** Endpoints wired on the host ("containerId/networkId"), so a connect can wait for its interface. */
    private final Set<String> wired = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Containers the embedded DNS server serves. */
    private final Set<String> dnsServed = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The last connect failure of each container, for the API's answer. */
    private final Map<String, String> lastErrors = new java.util.concurrent.ConcurrentHashMap<>();

    public NetworkRuntime(Vertx vertx, EngineState state, Drivers drivers, DaemonPaths paths, List<String> daemonDns) {
        this.vertx = vertx;
        this.state = state;
        this.drivers = drivers;
        this.paths = paths;
        this.dns = new EmbeddedDns(new BerthNames(state, daemonDns));
    }

    /** How many namespaces are made ahead of time, once containers on networks start. */
    private static final int SPARES = 2;
    private final java.util.concurrent.ExecutorService spareMaker = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "berth-netns-spares");
        t.setDaemon(true);
        return t;
    });
    private final java.util.concurrent.ConcurrentLinkedQueue<Path> spares = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger spareSerial = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closed;

    /**
     * Gives a starting container its namespace: a spare one made ahead of time when there is one (a
     * move costs two mount calls; a new namespace ~1.5 ms, most of a start's network setup), then makes
     * a new spare in the background.
     */
    private void makeSandbox(String containerId, Network first) throws IOException {
        // a spare holds what the default network's driver made ahead: only a container whose first
        // network has that driver can use it
        boolean sameDriver = state.networkByName(drivers.defaultNetwork()).map(d -> d.driver().equals(first.driver()))
                .orElse(false);
        Path spare = sameDriver ? spares.poll() : null;
        boolean moved = false;
        if (spare != null) {
            try {
                NetNs.move(spare, sandbox(containerId));
                moved = true;
            } catch (IOException e) {
                LOG.debug("spare namespace {} unusable: {}", spare, e.getMessage());
                quietly("delete spare namespace " + spare, () -> NetNs.delete(spare));
            }
        }
        if (!moved) {
            makeNamespace(sandbox(containerId));
        }
    }

    /**
     * A namespace for a container on IPv4 networks: IPv6 off in it, as Docker turns it off on the
     * interfaces of IPv4-only networks (which also spares the kernel its IPv6 set-up of every interface
     * that arrives there).
     */
    private static void makeNamespace(Path handle) throws IOException {
        NetNs.create(handle);
        NetNs.call(handle, () -> {
            io.berth.kernel.net.Sysctl.set("net.ipv6.conf.all.disable_ipv6", "1");
            io.berth.kernel.net.Sysctl.set("net.ipv6.conf.default.disable_ipv6", "1");
            return null;
        });
    }

    private void refillSpares() {
        while (!closed && spares.size() < SPARES) {
            Path spare = paths.execRoot().resolve("netns").resolve(".spare-" + spareSerial.incrementAndGet());
            try {
                makeNamespace(spare);
                prepareForDefaultNetwork(spare);
                spares.add(spare);
            } catch (IOException e) {
                LOG.warn("cannot make a spare network namespace: {}", e.getMessage());
                return;
            }
        }
    }

    /** Lets the default network's driver make ahead what a container's first endpoint needs. */
    private void prepareForDefaultNetwork(Path spare) {
        state.networkByName(drivers.defaultNetwork()).filter(Network::hasEndpoints).ifPresent(n -> {
            NetworkDriver d = drivers.networks().get(n.driver());
            if (d != null) {
                quietly("prepare " + spare + " for " + n.name(), () -> d.prepare(spare, "eth0"));
            }
        });
    }

    /** Where the network namespace of a container on networks is held. */
    public Path sandbox(String containerId) {
        return paths.execRoot().resolve("netns").resolve(containerId.substring(0, 12));
    }

    /** The network mode a container runs in: its NetworkMode, "default" being the daemon's default network. */
    public String mode(Container c) {
        String mode = c.hostConfig().path("NetworkMode").asText("");
        return mode.isEmpty() || mode.equals("default") ? drivers.defaultNetwork() : mode;
    }

    // ---- start and stop ---------------------------------------------------------------------------

    /**
     * Gives a starting container its network and says how its process gets its namespace. On failure
     * everything made so far is undone.
     */
    public NetworkAttachment prepare(Container c) throws Exception {
        String mode = mode(c);
        if (mode.startsWith("container:")) {
            return joinContainer(c, mode.substring("container:".length()));
        }
        Network primary = findNetwork(mode);
        if (!primary.hasEndpoints()) {
            NetworkDriver driver = driverOf(primary);
            return driver.attach(new EndpointRequest(c.id(), ContainerSpecs.hostname(c), ""));
        }
        long t0 = System.nanoTime();
        try {
            if (state.memberships(c.id()).stream().anyMatch(m -> state.endpoint(c.id(), m.networkId()).isEmpty()
                    && state.network(m.networkId()).map(Network::hasEndpoints).orElse(false))) {
                allocate(c.id()); // released after the start was decided (a restart right after an exit)
            }
            long t1 = System.nanoTime();
            makeSandbox(c.id(), primary);
            long t2 = System.nanoTime();
            for (Endpoint e : state.endpoints(c.id())) {
                wire(c, e);
            }
            long t3 = System.nanoTime();
            writeHostFiles(c);
            long t4 = System.nanoTime();
            LOG.debug("network setup of {} took {} µs (allocate {}, netns {}, endpoints {}, files {})", c.id(),
                    (t4 - t0) / 1000, (t1 - t0) / 1000, (t2 - t1) / 1000, (t3 - t2) / 1000, (t4 - t3) / 1000);
            spareMaker.execute(this::refillSpares); // after the setup: both need the namespace thread
            return NetworkAttachment.join(sandbox(c.id()).toString());
        } catch (Exception e) {
            release(c);
            throw e;
        }
    }

    /** Undoes {@link #prepare} once the container's process is gone. Idempotent. */
    public void release(Container c) {
        String mode = mode(c);
        if (state.endpoints(c.id()).isEmpty() && !Files.exists(sandbox(c.id()))) {
            if (!mode.startsWith("container:")) {
                state.networkByName(mode).filter(n -> !n.hasEndpoints()).ifPresent(n ->
                        quietly("detach " + c.id(), () -> driverOf(n).detach(c.id())));
            }
            return;
        }
        long t0 = System.nanoTime();
        dns.stop(c.id());
        dnsServed.remove(c.id());
        // the namespace first: with the process gone it ends, and the kernel removes its veth pairs in
        // the background; deleting a veth ourselves waits for the device to unregister (~25 ms)
        quietly("delete the network namespace of " + c.id(), () -> NetNs.delete(sandbox(c.id())));
        for (Endpoint e : state.endpoints(c.id())) {
            unwire(e, true);
        }
        LOG.debug("network teardown of {} took {} µs", c.id(), (System.nanoTime() - t0) / 1000);
    }

    /**
     * Makes a running container's endpoints match its networks after a connect or disconnect: new
     * networks are allocated and wired, left ones unwired and released.
     */
    public void sync(String containerId) throws Exception {
        Container c = state.container(containerId).orElse(null);
        if (c == null || !c.running() || !Files.exists(sandbox(containerId))) {
            return;
        }
        Set<String> wanted = new HashSet<>();
        state.memberships(containerId).forEach(m -> wanted.add(m.networkId()));
        for (Endpoint e : state.endpoints(containerId)) {
            if (!wanted.contains(e.networkId())) {
                unwire(e, false);
            }
        }
        Set<String> before = new HashSet<>();
        state.endpoints(containerId).forEach(e -> before.add(e.networkId()));
        try {
            allocate(containerId);
            for (Endpoint e : state.endpoints(containerId)) {
                if (!before.contains(e.networkId())) {
                    wire(c, e);
                }
            }
        } catch (Exception e) {
            // a connect that cannot be wired is undone, as Docker refuses it
            lastErrors.put(containerId, e.getMessage());
            for (Endpoint x : state.endpoints(containerId)) {
                if (!before.contains(x.networkId())) {
                    unwire(x, false);
                    record(new Command.DisconnectContainer(containerId, x.networkId(), true));
                }
            }
            for (NetworkMembership m : state.memberships(containerId)) {
                if (!before.contains(m.networkId()) && state.network(m.networkId()).map(Network::hasEndpoints).orElse(false)) {
                    record(new Command.DisconnectContainer(containerId, m.networkId(), true));
                }
            }
        }
    }

    /** Whether the container's endpoint on the network is wired on the host. */
    public boolean wired(String containerId, String networkId) {
        return wired.contains(containerId + "/" + networkId);
    }

    /** Why the container's last connect failed. */
    public java.util.Optional<String> lastError(String containerId) {
        return java.util.Optional.ofNullable(lastErrors.get(containerId));
    }

    private void allocate(String containerId) throws Exception {
        try {
            Journal.send(vertx, new Command.AllocateEndpoints(containerId), Actor.DAEMON, null)
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new SetupException(e.getCause().getMessage());
        }
    }

    /** A container's network cannot be set up; the message is the whole answer, as Docker words it. */
    public static final class SetupException extends Exception {
        SetupException(String message) {
            super(message);
        }
    }

    private void wire(Container c, Endpoint e) throws Exception {
        Network n = state.network(e.networkId()).orElseThrow(() -> new IOException("network " + e.networkId() + " is gone"));
        NetworkDriver driver = driverOf(n);
        driver.createNetwork(spec(n));
        try {
            driver.join(spec(n), spec(e), sandbox(c.id()));
        } catch (io.berth.plugin.network.PortInUseException x) {
            throw new SetupException("driver failed programming external connectivity on endpoint " + c.name()
                    + " (" + c.id() + "): " + x.getMessage());
        }
        if (!n.predefined()) {
            serveDns(c.id());
        }
        wired.add(c.id() + "/" + n.id());
    }

    /** Takes the endpoint off its network; {@code namespaceDeleted} when its container's namespace is gone. */
    private void unwire(Endpoint e, boolean namespaceDeleted) {
        wired.remove(e.containerId() + "/" + e.networkId());
        state.network(e.networkId()).ifPresent(n -> quietly("leave " + n.name() + " for " + e.containerId(), () -> {
            if (namespaceDeleted) {
                driverOf(n).leaveDeleted(spec(n), spec(e));
            } else {
                driverOf(n).leave(spec(n), spec(e));
            }
        }));
        record(new Command.RecordEndpointReleased(e.containerId(), e.networkId()));
    }

    private void serveDns(String containerId) throws IOException {
        if (!dnsServed.add(containerId)) {
            return;
        }
        InetSocketAddress at = new InetSocketAddress(HostFiles.EMBEDDED_DNS, 53);
        try {
            DatagramChannel udp = NetNs.call(sandbox(containerId), () -> DatagramChannel.open().bind(at));
            ServerSocketChannel tcp = NetNs.call(sandbox(containerId), () -> ServerSocketChannel.open().bind(at));
            dns.serve(containerId, udp, tcp);
        } catch (IOException | RuntimeException e) {
            dnsServed.remove(containerId);
            throw e;
        }
    }

    /** {@code container:<x>}: the process joins x's network namespace; x must run. */
    private NetworkAttachment joinContainer(Container c, String target) throws Exception {
        Container other;
        try {
            other = state.findContainer(target).orElse(null);
        } catch (EngineState.AmbiguousException e) {
            throw new SetupException(e.getMessage());
        }
        if (other == null) {
            throw new SetupException("No such container: " + target);
        }
        if (!other.running() || other.pid() <= 0) {
            throw new SetupException("cannot join network namespace of a non"
                    + " running container: container " + other.id() + " is " + other.status());
        }
        String ns = Files.exists(sandbox(other.id())) ? sandbox(other.id()).toString() : "/proc/" + other.pid() + "/ns/net";
        NetworkDriver driver = drivers.networks().get("container");
        if (driver == null) {
            throw new SetupException("the container network driver is not loaded");
        }
        return driver.attach(new EndpointRequest(c.id(), ContainerSpecs.hostname(c), ns));
    }

    /** /etc/hosts with the container's own address and links, /etc/resolv.conf with the embedded DNS server. */
    private void writeHostFiles(Container c) throws IOException {
        List<Endpoint> endpoints = state.endpoints(c.id());
        String own = endpoints.isEmpty() ? "" : endpoints.get(0).address();
        List<String> links = new ArrayList<>();
        boolean userNetwork = false;
        for (NetworkMembership m : state.memberships(c.id())) {
            Network n = state.network(m.networkId()).orElse(null);
            if (n == null) {
                continue;
            }
            userNetwork |= !n.predefined() && n.hasEndpoints();
            for (String link : m.links()) {
                LegacyLink l = LegacyLink.parse(link);
                try {
                    state.findContainer(l.target()).ifPresent(t -> state.endpoint(t.id(), n.id()).ifPresent(te ->
                            links.add(te.address() + "\t" + l.alias() + " " + t.shortId() + " " + t.name())));
                } catch (EngineState.AmbiguousException ignored) {
                    // an ambiguous link target gets no entry
                }
            }
        }
        Path dir = paths.container(c.id());
        Files2.writeAtomically(dir.resolve("hosts"), HostFiles.hosts(ContainerSpecs.hostname(c), own, links,
                ContainerSpecs.strings(c.hostConfig().path("ExtraHosts"))).getBytes(StandardCharsets.UTF_8));
        if (userNetwork) {
            Files2.writeAtomically(dir.resolve("resolv.conf"), HostFiles.embeddedResolvConf(
                    ContainerSpecs.strings(c.hostConfig().path("DnsSearch")),
                    ContainerSpecs.strings(c.hostConfig().path("DnsOptions"))).getBytes(StandardCharsets.UTF_8));
        }
    }

    // ---- networks ---------------------------------------------------------------------------------

    /** Creates what network {@code id} needs on the host (idempotent). */
    public void ensureNetwork(String id) throws IOException {
        Network n = state.network(id).orElseThrow(() -> new IOException("network " + id + " is gone"));
        if (n.hasEndpoints()) {
            driverOf(n).createNetwork(spec(n));
        }
    }

    /** Removes what a removed network's driver made on the host (the network is gone from the state). */
    public void deleteNetwork(Network n) {
        if (n.hasEndpoints()) {
            quietly("delete network " + n.name(), () -> driverOf(n).deleteNetwork(spec(n)));
        }
    }

    /**
     * At boot: every driver's host objects match the recorded networks and the endpoints of running
     * containers; the DNS server serves running containers again; namespace handles of containers that
     * no longer run are removed.
     */
    public void reconcile() throws IOException {
        Map<NetworkDriver, List<NetworkSpec>> networks = new HashMap<>();
        Map<NetworkDriver, List<EndpointSpec>> endpoints = new HashMap<>();
        drivers.networks().values().stream().filter(NetworkDriver::managesNetworks).forEach(d -> {
            networks.put(d, new ArrayList<>());
            endpoints.put(d, new ArrayList<>());
        });
        for (Network n : state.networks()) {
            NetworkDriver d = drivers.networks().get(n.driver());
            if (d != null && d.managesNetworks() && n.hasEndpoints()) {
                networks.get(d).add(spec(n));
            }
        }
        for (Endpoint e : state.allEndpoints()) {
            Container c = state.container(e.containerId()).orElse(null);
            Network n = state.network(e.networkId()).orElse(null);
            if (c == null || n == null || !c.running() || !Files.exists(sandbox(c.id()))) {
                // torn down with its container while the daemon was away: free it
                record(new Command.RecordEndpointReleased(e.containerId(), e.networkId()));
                continue;
            }
            NetworkDriver d = drivers.networks().get(n.driver());
            if (d != null && endpoints.containsKey(d)) {
                endpoints.get(d).add(spec(e));
                wired.add(e.containerId() + "/" + e.networkId());
            }
        }
        for (NetworkDriver d : networks.keySet()) {
            d.reconcile(networks.get(d), endpoints.get(d));
        }
        for (Container c : state.containers()) {
            if (c.running() && Files.exists(sandbox(c.id()))) {
                quietly("finish the network changes of " + c.id(), () -> finishChanges(c));
            }
        }
        Path handles = paths.execRoot().resolve("netns");
        if (Files.isDirectory(handles)) {
            try (Stream<Path> files = Files.list(handles)) {
                for (Path handle : (Iterable<Path>) files::iterator) {
                    String shortId = handle.getFileName().toString();
                    boolean live = state.containers().stream().anyMatch(c -> c.id().startsWith(shortId)
                            && (c.running() || c.startPending()));
                    if (!live) {
                        LOG.warn("removing the network namespace handle {} of a container that does not run", handle);
                        NetNs.delete(handle);
                    }
                }
            }
        }
        for (Container c : state.containers()) {
            if (c.running() && Files.exists(sandbox(c.id())) && state.memberships(c.id()).stream().anyMatch(m ->
                    state.network(m.networkId()).map(n -> !n.predefined() && n.hasEndpoints()).orElse(false))) {
                quietly("serve DNS for " + c.id(), () -> serveDns(c.id()));
            }
        }
    }

    /**
     * At boot, for a running container: finishes a connect or disconnect whose event is recorded but
     * whose side effect the daemon was killed before (the reactor that does it sees live events only).
     * An endpoint on a network the container left is unwired and released; a network it joined gets its
     * endpoint; an endpoint recorded but not joined on the host is joined. Endpoints in place are left
     * alone: the container's traffic goes on.
     */
    private void finishChanges(Container c) throws Exception {
        Set<String> wanted = new HashSet<>();
        state.memberships(c.id()).forEach(m -> wanted.add(m.networkId()));
        for (Endpoint e : state.endpoints(c.id())) {
            if (!wanted.contains(e.networkId())) {
                LOG.info("finishing the disconnect of {} from network {}", c.id(), e.networkId());
                unwire(e, false);
            }
        }
        allocate(c.id());
        for (Endpoint e : state.endpoints(c.id())) {
            Network n = state.network(e.networkId()).orElse(null);
            if (n != null && !driverOf(n).joined(spec(n), spec(e))) {
                LOG.info("finishing the connect of {} to network {}", c.id(), n.name());
                wire(c, e);
            }
        }
    }

    public void close() {
        closed = true;
        spareMaker.shutdown();
        try {
            spareMaker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Path spare; (spare = spares.poll()) != null; ) {
            Path gone = spare;
            quietly("delete spare namespace " + gone, () -> NetNs.delete(gone));
        }
        dns.close();
    }

    // ---- specs ------------------------------------------------------------------------------------

    private Network findNetwork(String idOrName) throws SetupException {
        try {
            return state.findNetwork(idOrName).orElseThrow(() ->
                    new SetupException("network " + idOrName + " not found"));
        } catch (EngineState.AmbiguousException e) {
            throw new SetupException(e.getMessage());
        }
    }

    private NetworkDriver driverOf(Network n) throws IOException {
        String name = n.driver().equals("null") ? "none" : n.driver();
        NetworkDriver d = drivers.networks().get(name);
        if (d == null) {
            throw new IOException("network " + n.name() + " needs the " + n.driver() + " driver, which is not loaded");
        }
        return d;
    }

    static NetworkSpec spec(Network n) {
        return new NetworkSpec(n.id(), n.name(), n.subnet(), n.gateway(), n.internal(), n.options());
    }

    static EndpointSpec spec(Endpoint e) {
        return new EndpointSpec(e.containerId(), e.networkId(), e.interfaceName(), e.address(), e.macAddress(),
                e.defaultRoute(), e.ports().stream().map(p -> new PortMapping(p.protocol(), p.hostIp(), p.hostPort(),
                        p.containerPort())).toList());
    }

    private void record(Command command) {
        try {
            Journal.send(vertx, command, Actor.DAEMON, null).toCompletionStage().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("recording {} failed: {}", command, e.getMessage());
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void quietly(String what, Step step) {
        try {
            step.run();
        } catch (Exception e) {
            LOG.warn("{} failed: {}", what, e.getMessage());
        }
    }
}
