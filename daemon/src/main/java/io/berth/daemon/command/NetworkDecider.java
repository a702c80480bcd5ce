package io.berth.daemon.command;

import static io.berth.daemon.api.ApiException.conflict;
import static io.berth.daemon.api.ApiException.forbidden;
import static io.berth.daemon.api.ApiException.invalid;

import io.berth.daemon.api.ApiException;
import io.berth.daemon.command.Command.*;
import io.berth.daemon.events.Event;
import io.berth.daemon.events.Event.*;
import io.berth.daemon.events.PublishedPort;
import io.berth.daemon.network.Cidr;
import io.berth.daemon.network.PortPlan;
import io.berth.daemon.state.Container;
import io.berth.daemon.state.Endpoint;
import io.berth.daemon.state.EngineState;
import io.berth.daemon.state.Network;
import io.berth.daemon.state.NetworkMembership;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The network half of {@link Decider}: networks, memberships, and IPAM (addresses and published ports
 * are allocated here, from the state, so that the log is the allocator's memory: nothing is handed out
 * twice, across restarts too). Pure, like Decider.
 */
final class NetworkDecider {

    /** Docker's ephemeral port range (its default, /proc/sys/net/ipv4/ip_local_port_range's too). */
    static final int EPHEMERAL_HIGH = 60999;

    private NetworkDecider() {}

    static Decision decide(EngineState state, Command command, long nowNanos) {
        if (command instanceof CreateNetwork c) {
            return create(state, c, nowNanos);
        } else if (command instanceof EnsurePredefinedNetwork c) {
            return ensurePredefined(state, c, nowNanos);
        } else if (command instanceof RemoveNetwork c) {
            Network n = existing(state, c.idOrName());
            if (n.predefined()) {
                throw forbidden(n.name() + " is a pre-defined network and cannot be removed");
            }
            if (hasEndpoints(state, n.id())) {
                throw forbidden("error while removing network: network " + n.name() + " id " + n.id()
                        + " has active endpoints");
            }
            return new Decision(removal(state, n), n.name());
        } else if (command instanceof PruneNetworks c) {
            List<Event> events = new ArrayList<>();
            List<String> removed = new ArrayList<>();
            for (String id : c.candidates()) {
                Optional<Network> n = state.network(id);
                if (n.isPresent() && !n.get().predefined() && state.members(id).isEmpty()) {
                    events.addAll(removal(state, n.get()));
                    removed.add(n.get().name());
                }
            }
            return new Decision(events, removed);
        } else if (command instanceof ConnectContainer c) {
            return connect(state, c);
        } else if (command instanceof DisconnectContainer c) {
            Container ct = state.container(c.containerId()).orElseThrow(() -> ApiException.noSuchContainer(c.containerId()));
            Network n = existing(state, c.network());
            if (state.membership(ct.id(), n.id()).isEmpty()) {
                throw forbidden("container " + ct.id() + " is not connected to network " + n.name());
            }
            if (n.name().equals("host") || n.name().equals("none")) {
                throw forbidden("container cannot be disconnected from host network or connected to host network");
            }
            return Decision.of(new ContainerDisconnected(ct.id(), n.id()));
        } else if (command instanceof AllocateEndpoints c) {
            return allocate(state, c.containerId());
        } else if (command instanceof RecordEndpointReleased c) {
            return state.endpoint(c.containerId(), c.networkId()).isPresent()
                    ? Decision.of(new EndpointReleased(c.containerId(), c.networkId())) : Decision.none();
        }
        throw new IllegalArgumentException("no decision for " + command.getClass().getSimpleName());
    }

    // ---- networks ---------------------------------------------------------------------------------

    private static Decision create(EngineState state, CreateNetwork c, long nowNanos) {
        if (state.networkByName(c.name()).isPresent()) {
            throw conflict("network with name " + c.name() + " already exists");
        }
        if (Network.PREDEFINED.contains(c.name())) {
            throw forbidden(c.name() + " is a pre-defined network and cannot be created");
        }
        if (!c.driver().equals("bridge")) {
            throw ApiException.notFound("could not find plugin " + c.driver() + " in v1 plugin registry: plugin not found");
        }
        Cidr subnet;
        if (c.subnet().isEmpty()) {
            if (!c.ipRange().isEmpty() || !c.gateway().isEmpty()) {
                throw forbidden("invalid pool request: --ip-range and --gateway need --subnet");
            }
            subnet = pickSubnet(state, c);
        } else {
            subnet = parseCidr(c.subnet(), "subnet");
            if (subnet.network() != subnet.address()) {
                throw invalid("invalid subnet " + c.subnet() + ": it should be " + subnet.canonical());
            }
            if (subnet.prefix() > 30) {
                throw forbidden("invalid pool request: subnet " + c.subnet() + " is too small for a network");
            }
            for (Network other : state.networks()) {
                if (other.hasEndpoints() && Cidr.parse(other.subnet()).overlaps(subnet)) {
                    throw forbidden("invalid pool request: Pool overlaps with other one on this address space");
                }
            }
        }
        if (!c.ipRange().isEmpty()) {
            Cidr range = parseCidr(c.ipRange(), "ip-range");
            if (!subnet.contains(range)) {
                throw forbidden("invalid pool request: ip-range " + c.ipRange() + " is not within subnet " + subnet);
            }
        }
        int gateway;
        if (c.gateway().isEmpty()) {
            gateway = subnet.at(1);
        } else {
            if (!Cidr.isAddress(c.gateway())) {
                throw invalid("invalid gateway address " + c.gateway() + " in subnet " + subnet);
            }
            gateway = Cidr.parseAddress(c.gateway());
            if (!subnet.contains(gateway) || gateway == subnet.network() || gateway == subnet.broadcast()) {
                throw invalid("invalid network config:\ninvalid gateway " + c.gateway() + ": parent subnet " + subnet
                        + " doesn't contain this address");
            }
        }
        return new Decision(List.of(new NetworkCreated(c.id(), c.name(), c.driver(), subnet.toString(),
                Cidr.format(gateway), c.ipRange(), c.internal(), c.attachable(), c.labels(), c.options(), nowNanos)),
                c.id());
    }

    private static Cidr pickSubnet(EngineState state, CreateNetwork c) {
        Cidr pool = Cidr.parse(c.pool().base()).canonical();
        List<Cidr> taken = new ArrayList<>();
        state.networks().stream().filter(Network::hasEndpoints).forEach(n -> taken.add(Cidr.parse(n.subnet())));
        c.hostRoutes().forEach(r -> taken.add(Cidr.parse(r)));
        long step = 1L << (32 - c.pool().size());
        for (long offset = 0; offset + step <= pool.size(); offset += step) {
            Cidr candidate = new Cidr(pool.at(offset), c.pool().size());
            if (taken.stream().noneMatch(t -> t.prefix() > 0 && t.overlaps(candidate))) {
                return candidate;
            }
        }
        throw forbidden("could not find an available, non-overlapping IPv4 address pool among the defaults to"
                + " assign to the network");
    }

    private static Decision ensurePredefined(EngineState state, EnsurePredefinedNetwork c, long nowNanos) {
        NetworkCreated wanted = new NetworkCreated(c.id(), c.name(), c.driver(), c.subnet(), c.gateway(), "", false,
                false, java.util.Map.of(), c.options(), nowNanos);
        Optional<Network> existing = state.networkByName(c.name());
        if (existing.isEmpty()) {
            return Decision.of(wanted);
        }
        Network n = existing.get();
        boolean same = n.driver().equals(c.driver()) && n.subnet().equals(c.subnet())
                && n.gateway().equals(c.gateway()) && n.options().equals(c.options());
        if (same || hasEndpoints(state, n.id())) {
            return Decision.none();
        }
        // the daemon's flags changed (--bip, --bridge): the network is replaced, keeping its id
        return Decision.of(new NetworkRemoved(n.id()), new NetworkCreated(n.id(), c.name(), c.driver(), c.subnet(),
                c.gateway(), "", false, false, java.util.Map.of(), c.options(), n.createdNanos()));
    }

    /** A network's removal: its stopped members leave it first (running ones block the removal). */
    private static List<Event> removal(EngineState state, Network n) {
        List<Event> events = new ArrayList<>();
        for (NetworkMembership m : state.members(n.id())) {
            events.add(new ContainerDisconnected(m.containerId(), n.id()));
        }
        events.add(new NetworkRemoved(n.id()));
        return events;
    }

    private static boolean hasEndpoints(EngineState state, String networkId) {
        return state.allEndpoints().stream().anyMatch(e -> e.networkId().equals(networkId))
                || state.members(networkId).stream().anyMatch(m -> state.container(m.containerId())
                        .map(ct -> ct.running() || ct.startPending()).orElse(false));
    }

    // ---- memberships ------------------------------------------------------------------------------

    /** The memberships a new container starts with; refused as Docker refuses them. */
    static List<Event> joinsOnCreate(EngineState state, String containerId, List<NetworkJoin> joins) {
        List<Event> events = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (NetworkJoin join : joins) {
            Network n = existing(state, join.network());
            if (!seen.add(n.id())) {
                continue;
            }
            checkJoin(n, join);
            events.add(new ContainerConnected(containerId, n.id(), join.aliases(), join.ipv4Address(), join.links()));
        }
        return events;
    }

    private static Decision connect(EngineState state, ConnectContainer c) {
        Container ct = state.container(c.containerId()).orElseThrow(() -> ApiException.noSuchContainer(c.containerId()));
        Network n = existing(state, c.join().network());
        String mode = ct.hostConfig().path("NetworkMode").asText("");
        if (mode.equals("host") || n.name().equals("host")) {
            throw forbidden("container cannot be disconnected from host network or connected to host network");
        }
        if (mode.startsWith("container:")) {
            throw forbidden("container sharing network namespace with another container or host cannot be connected"
                    + " to any other network");
        }
        if (mode.equals("none") || n.name().equals("none")) {
            throw forbidden("container cannot be connected to multiple networks with one of the networks in private"
                    + " (none) mode");
        }
        if (state.membership(ct.id(), n.id()).isPresent()) {
            throw forbidden("endpoint with name " + ct.name() + " already exists in network " + n.name());
        }
        checkJoin(n, c.join());
        if (!c.join().ipv4Address().isEmpty() && (ct.running() || ct.startPending())) {
            checkAddressFree(state, n, Cidr.parseAddress(c.join().ipv4Address()), List.of());
        }
        return Decision.of(new ContainerConnected(ct.id(), n.id(), c.join().aliases(), c.join().ipv4Address(),
                c.join().links()));
    }

    private static void checkJoin(Network n, NetworkJoin join) {
        if (join.ipv4Address().isEmpty()) {
            return;
        }
        if (n.predefined()) {
            throw invalid("user specified IP address is supported on user defined networks only");
        }
        if (!Cidr.isAddress(join.ipv4Address())) {
            throw invalid("invalid IPv4 address: " + join.ipv4Address());
        }
        int address = Cidr.parseAddress(join.ipv4Address());
        Cidr subnet = Cidr.parse(n.subnet());
        if (!subnet.contains(address) || address == subnet.network() || address == subnet.broadcast()
                || address == Cidr.parseAddress(n.gateway())) {
            throw invalid("no configured subnet or ip-range contain the IP address " + join.ipv4Address());
        }
    }

    // ---- IPAM -------------------------------------------------------------------------------------

    private static Decision allocate(EngineState state, String containerId) {
        Optional<Container> found = state.container(containerId);
        if (found.isEmpty() || !(found.get().running() || found.get().startPending())) {
            return Decision.none();
        }
        return new Decision(endpoints(state, found.get()), null);
    }

    /**
     * The endpoints a container gets on each of its networks that has addresses and no endpoint of it
     * yet: decided with its start (so a start costs no second trip through the journal) or a connect.
     */
    static List<Event> endpoints(EngineState state, Container ct) {
        List<Event> events = new ArrayList<>();
        List<Endpoint> held = new ArrayList<>(state.endpoints(ct.id()));
        List<PublishedPort> takenPorts = new ArrayList<>();
        state.allEndpoints().forEach(e -> takenPorts.addAll(e.ports()));
        int lastPort = state.lastEphemeralPort();
        List<Endpoint> decided = new ArrayList<>(); // this decision's, not yet in the state
        for (NetworkMembership m : state.memberships(ct.id())) {
            Network n = state.network(m.networkId()).orElse(null);
            if (n == null || !n.hasEndpoints() || held.stream().anyMatch(e -> e.networkId().equals(n.id()))) {
                continue;
            }
            int address;
            if (m.ipv4Address().isEmpty()) {
                address = nextAddress(state, n, decided);
            } else {
                address = Cidr.parseAddress(m.ipv4Address());
                checkAddressFree(state, n, address, decided);
            }
            boolean defaultRoute = !n.internal() && held.stream().noneMatch(Endpoint::defaultRoute);
            List<PublishedPort> ports = List.of();
            if (defaultRoute) {
                PortPlan.Allocation a = PortPlan.allocate(PortPlan.requested(ct.config(), ct.hostConfig(),
                        state.image(ct.imageId()).map(i -> i.runConfig()).orElse(null)), takenPorts, lastPort,
                        EngineState.EPHEMERAL_LOW, EPHEMERAL_HIGH, ct.name(), ct.id());
                ports = a.ports();
                lastPort = a.lastEphemeral();
                takenPorts.addAll(ports);
            }
            String ifName = interfaceName(held);
            Endpoint e = new Endpoint(ct.id(), n.id(), ifName, Cidr.format(address), mac(address), defaultRoute, ports);
            held.add(e);
            decided.add(e);
            events.add(new EndpointAllocated(e.containerId(), e.networkId(), e.interfaceName(), e.address(),
                    e.macAddress(), e.defaultRoute(), e.ports()));
        }
        return events;
    }

    private static String interfaceName(List<Endpoint> held) {
        for (int i = 0; ; i++) {
            String name = "eth" + i;
            if (held.stream().noneMatch(e -> e.interfaceName().equals(name))) {
                return name;
            }
        }
    }

    /** Docker's MAC for an address: 02:42 and the address's four bytes. */
    static String mac(int address) {
        return String.format("02:42:%02x:%02x:%02x:%02x", (address >>> 24) & 255, (address >>> 16) & 255,
                (address >>> 8) & 255, address & 255);
    }

    /** Addresses held on the network: by live endpoints, and by those this decision allocated already. */
    private static Set<Integer> usedAddresses(EngineState state, Network n, List<Endpoint> decided) {
        Set<Integer> used = new HashSet<>();
        state.allEndpoints().stream().filter(e -> e.networkId().equals(n.id()))
                .forEach(e -> used.add(Cidr.parseAddress(e.address())));
        decided.stream().filter(e -> e.networkId().equals(n.id())).forEach(e -> used.add(Cidr.parseAddress(e.address())));
        return used;
    }

    private static void checkAddressFree(EngineState state, Network n, int address, List<Endpoint> decided) {
        if (usedAddresses(state, n, decided).contains(address)) {
            throw forbidden("Address already in use");
        }
    }

    /** The next free address after the last one handed out, wrapping around the range once. */
    private static int nextAddress(EngineState state, Network n, List<Endpoint> decided) {
        Cidr subnet = Cidr.parse(n.subnet());
        Cidr range = n.ipRange().isEmpty() ? subnet : Cidr.parse(n.ipRange());
        Set<Integer> used = usedAddresses(state, n, decided);
        // static addresses asked for by members keep theirs: never hand them to others
        state.members(n.id()).stream().filter(m -> !m.ipv4Address().isEmpty())
                .forEach(m -> used.add(Cidr.parseAddress(m.ipv4Address())));
        used.add(Cidr.parseAddress(n.gateway()));
        used.add(subnet.network());
        used.add(subnet.broadcast());
        long size = range.size();
        long start = 0;
        String last = n.lastAllocated();
        if (!last.isEmpty() && range.contains(Cidr.parseAddress(last))) {
            start = Integer.toUnsignedLong(Cidr.parseAddress(last)) - Integer.toUnsignedLong(range.network()) + 1;
        }
        for (long i = 0; i < size; i++) {
            int candidate = range.at((start + i) % size);
            if (!used.contains(candidate)) {
                return candidate;
            }
        }
        throw forbidden("no available IPv4 addresses on this network's address pools: " + n.name() + " (" + n.id() + ")");
    }

    // ---- helpers ----------------------------------------------------------------------------------

    static Network existing(EngineState state, String idOrName) {
        try {
            return state.findNetwork(idOrName).orElseThrow(() -> ApiException.notFound("network " + idOrName + " not found"));
        } catch (EngineState.AmbiguousException e) {
            throw invalid(e.getMessage());
        }
    }

    private static Cidr parseCidr(String text, String what) {
        try {
            return Cidr.parse(text);
        } catch (IllegalArgumentException e) {
            throw invalid("invalid network config:\ninvalid " + what + " " + text + ": invalid CIDR block notation");
        }
    }
}
