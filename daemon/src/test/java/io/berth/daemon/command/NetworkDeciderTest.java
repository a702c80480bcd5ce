package io.berth.daemon.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.api.ApiException;
import io.berth.daemon.command.Command.*;
import io.berth.daemon.events.PublishedPort;
import io.berth.daemon.state.Endpoint;
import io.berth.daemon.state.EngineState;
import io.berth.plugin.isolation.StartedProcess;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Networks, memberships and IPAM, decided against a state built the way the journal builds it. */
class NetworkDeciderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String IMAGE = "sha256:" + "a".repeat(64);
    private static final AddressPool POOL = new AddressPool("10.210.0.0/15", 24);
    private EngineState state;

    @BeforeEach
    void setUp() {
        state = new EngineState();
        apply(new RegisterImage(IMAGE, "{\"config\":{\"ExposedPorts\":{\"443/tcp\":{}}}}", List.of(), List.of(), 0, 1, "",
                List.of("busybox:latest"), "import"));
        apply(new EnsurePredefinedNetwork(id('b'), "bridge", "bridge", "10.209.0.0/16", "10.209.0.1", Map.of()));
        apply(new EnsurePredefinedNetwork(id('h'), "host", "host", "", "", Map.of()));
    }

    private static String id(char c) {
        return String.valueOf(c).repeat(64);
    }

    private Decision apply(Command c) {
        Decision d = Decider.decide(state, c, 42);
        d.events().forEach(state::apply);
        return d;
    }

    private String createNetwork(char id, String name, String subnet, List<String> routes) {
        apply(new CreateNetwork(id(id), name, "bridge", subnet, "", "", false, false, Map.of(), Map.of(), routes, POOL));
        return id(id);
    }

    private String run(char id, String name, String network, ObjectNode hostConfig, String ip) {
        apply(new CreateContainer(id(id), name, "busybox", IMAGE, JSON.createObjectNode(), hostConfig, "vfs",
                List.of(new NetworkJoin(network, List.of("alias-" + name), ip, List.of()))));
        apply(new StartContainer(id(id)));
        apply(new AllocateEndpoints(id(id)));
        apply(new RecordStart(id(id), new StartedProcess(100, 1, 101, 1, 5)));
        return id(id);
    }

    private String run(char id, String name, String network) {
        return run(id, name, network, JSON.createObjectNode(), "");
    }

    @Test
    void addressesAreHandedOutInTurnAndNeverTwice() {
        run('1', "web", "bridge");
        run('2', "db", "bridge");
        assertEquals("10.209.0.2", state.endpoints(id('1')).get(0).address());
        assertEquals("10.209.0.3", state.endpoints(id('2')).get(0).address());
        assertEquals("02:42:0a:d1:00:02", state.endpoints(id('1')).get(0).macAddress());
        // web stops: its address is free, but the next container gets the next address, not web's
        apply(new RecordExit(id('1'), 100, 0, false, 9, ""));
        apply(new RecordEndpointReleased(id('1'), id('b')));
        run('3', "cache", "bridge");
        assertEquals("10.209.0.4", state.endpoints(id('3')).get(0).address());
        // a restarted web gets a new one
        apply(new StartContainer(id('1')));
        apply(new AllocateEndpoints(id('1')));
        assertEquals("10.209.0.5", state.endpoints(id('1')).get(0).address());
    }

    @Test
    void allocationWrapsAroundAndSkipsHeldAddresses() {
        createNetwork('n', "tiny", "10.5.0.0/29", List.of()); // .1 gateway, .2-.6 for containers
        for (char c = '1'; c <= '5'; c++) {
            run(c, "c" + c, "tiny");
        }
        ApiException full = assertThrows(ApiException.class, () -> run('6', "c6", "tiny"));
        assertTrue(full.getMessage().startsWith("no available IPv4 addresses on this network's address pools: tiny"), full.getMessage());
        apply(new RecordStartFailure(id('6'), 128, full.getMessage())); // what the runtime records
        apply(new RecordExit(id('3'), 100, 0, false, 9, ""));
        apply(new RecordEndpointReleased(id('3'), id('n')));
        apply(new StartContainer(id('6')));
        apply(new AllocateEndpoints(id('6')));
        assertEquals("10.5.0.4", state.endpoints(id('6')).get(0).address(), "the one free address, after wrapping");
    }

    @Test
    void subnetsComeFromThePoolAvoidingNetworksAndHostRoutes() {
        createNetwork('n', "one", "", List.of("10.210.0.0/24", "192.0.2.0/24"));
        assertEquals("10.210.1.0/24", state.network(id('n')).orElseThrow().subnet());
        assertEquals("10.210.1.1", state.network(id('n')).orElseThrow().gateway());
        createNetwork('m', "two", "", List.of());
        assertEquals("10.210.0.0/24", state.network(id('m')).orElseThrow().subnet());
        ApiException overlap = assertThrows(ApiException.class, () -> createNetwork('o', "three", "10.210.1.1/24", List.of()));
        assertEquals(ApiException.Kind.INVALID, overlap.kind(), "host bits set: " + overlap.getMessage());
        overlap = assertThrows(ApiException.class, () -> createNetwork('o', "three", "10.210.1.0/25", List.of()));
        assertEquals(ApiException.Kind.FORBIDDEN, overlap.kind());
        assertTrue(overlap.getMessage().contains("Pool overlaps with other one on this address space"));
        ApiException same = assertThrows(ApiException.class, () -> createNetwork('p', "one", "10.99.0.0/24", List.of()));
        assertEquals(ApiException.Kind.CONFLICT, same.kind());
        assertEquals("network with name one already exists", same.getMessage());
    }

    @Test
    void badNetworkRequestsAreRefusedWithDockersWords() {
        assertThrows(ApiException.class, () -> apply(new CreateNetwork(id('x'), "x", "bridge", "10.0.0/24", "", "", false,
                false, Map.of(), Map.of(), List.of(), POOL)));
        ApiException gw = assertThrows(ApiException.class, () -> apply(new CreateNetwork(id('x'), "x", "bridge",
                "10.7.0.0/24", "10.8.0.1", "", false, false, Map.of(), Map.of(), List.of(), POOL)));
        assertEquals("invalid network config:\ninvalid gateway 10.8.0.1: parent subnet 10.7.0.0/24 doesn't contain this address",
                gw.getMessage());
        assertEquals(ApiException.Kind.INVALID, gw.kind());
        ApiException rm = assertThrows(ApiException.class, () -> apply(new RemoveNetwork("bridge")));
        assertEquals("bridge is a pre-defined network and cannot be removed", rm.getMessage());
        ApiException missing = assertThrows(ApiException.class, () -> apply(new RemoveNetwork("nope")));
        assertEquals(ApiException.Kind.NOT_FOUND, missing.kind());
        assertEquals("network nope not found", missing.getMessage());
        assertTrue(state.networkByName("x").isEmpty(), "nothing half-created");
    }

    @Test
    void staticAddressesAreCheckedAndKept() {
        createNetwork('n', "app", "10.6.0.0/24", List.of());
        ApiException onBridge = assertThrows(ApiException.class, () -> run('1', "a", "bridge", JSON.createObjectNode(), "10.209.0.9"));
        assertEquals("user specified IP address is supported on user defined networks only", onBridge.getMessage());
        ApiException outside = assertThrows(ApiException.class, () -> run('1', "a", "app", JSON.createObjectNode(), "10.7.0.9"));
        assertTrue(outside.getMessage().contains("10.7.0.9"));
        run('1', "a", "app", JSON.createObjectNode(), "10.6.0.2");
        assertEquals("10.6.0.2", state.endpoints(id('1')).get(0).address());
        run('2', "b", "app");
        assertNotEquals("10.6.0.2", state.endpoints(id('2')).get(0).address());
    }

    @Test
    void aNetworkInUseCannotBeRemovedAndConnectingTwiceIsRefused() {
        String net = createNetwork('n', "app", "10.6.0.0/24", List.of());
        run('1', "web", "app");
        ApiException busy = assertThrows(ApiException.class, () -> apply(new RemoveNetwork("app")));
        assertEquals(ApiException.Kind.FORBIDDEN, busy.kind());
        assertEquals("error while removing network: network app id " + net + " has active endpoints", busy.getMessage());
        ApiException twice = assertThrows(ApiException.class, () -> apply(new ConnectContainer(id('1'),
                new NetworkJoin("app", List.of(), "", List.of()))));
        assertEquals("endpoint with name web already exists in network app", twice.getMessage());
        // connected to a second network while running: a second interface, no second default route
        apply(new ConnectContainer(id('1'), new NetworkJoin("bridge", List.of(), "", List.of())));
        apply(new AllocateEndpoints(id('1')));
        List<Endpoint> endpoints = state.endpoints(id('1'));
        assertEquals(List.of("eth0", "eth1"), endpoints.stream().map(Endpoint::interfaceName).toList());
        assertEquals(List.of(true, false), endpoints.stream().map(Endpoint::defaultRoute).toList());
        // stopped and released, the network can go, and the stopped member leaves it
        apply(new RecordExit(id('1'), 100, 0, false, 9, ""));
        apply(new RecordEndpointReleased(id('1'), net));
        apply(new RecordEndpointReleased(id('1'), id('b')));
        apply(new RemoveNetwork("app"));
        assertTrue(state.network(net).isEmpty());
        assertTrue(state.membership(id('1'), net).isEmpty());
    }

    @Test
    void publishedPortsAreAllocatedAndConflictsRefused() {
        ObjectNode host = JSON.createObjectNode();
        host.putObject("PortBindings").putArray("80/tcp").addObject().put("HostIp", "127.0.0.1").put("HostPort", "18080");
        host.put("PublishAllPorts", true);
        run('1', "web", "bridge", host, "");
        List<PublishedPort> ports = state.endpoints(id('1')).get(0).ports();
        assertEquals(new PublishedPort("tcp", "127.0.0.1", 18080, 80), ports.get(0));
        assertEquals(new PublishedPort("tcp", "0.0.0.0", EngineState.EPHEMERAL_LOW, 443), ports.get(1), "-P: the image's EXPOSE");
        ObjectNode again = JSON.createObjectNode();
        again.putObject("PortBindings").putArray("8080/tcp").addObject().put("HostIp", "").put("HostPort", "18080");
        ApiException taken = assertThrows(ApiException.class, () -> run('2', "other", "bridge", again, ""));
        assertTrue(taken.getMessage().endsWith("Bind for 0.0.0.0:18080 failed: port is already allocated"), taken.getMessage());
        // the next ephemeral port follows the last one handed out
        ObjectNode any = JSON.createObjectNode();
        any.putObject("PortBindings").putArray("53/udp").addObject().put("HostPort", "");
        run('3', "dns", "bridge", any, "");
        assertEquals(EngineState.EPHEMERAL_LOW + 1, state.endpoints(id('3')).get(0).ports().get(0).hostPort());
    }

    @Test
    void hostModeContainersCannotBeConnected() {
        createNetwork('n', "app", "10.6.0.0/24", List.of());
        ObjectNode host = JSON.createObjectNode().put("NetworkMode", "host");
        apply(new CreateContainer(id('1'), "h", "busybox", IMAGE, JSON.createObjectNode(), host, "vfs",
                List.of(new NetworkJoin("host", List.of(), "", List.of()))));
        ApiException e = assertThrows(ApiException.class, () -> apply(new ConnectContainer(id('1'),
                new NetworkJoin("app", List.of(), "", List.of()))));
        assertEquals("container cannot be disconnected from host network or connected to host network", e.getMessage());
    }

    @Test
    void changedBridgeSettingsReplaceTheIdleDefaultNetwork() {
        apply(new EnsurePredefinedNetwork(id('b'), "bridge", "bridge", "10.209.0.0/16", "10.209.0.1", Map.of()));
        assertEquals(0, apply(new EnsurePredefinedNetwork(id('b'), "bridge", "bridge", "10.209.0.0/16", "10.209.0.1",
                Map.of())).events().size(), "unchanged: nothing recorded");
        apply(new EnsurePredefinedNetwork(id('b'), "bridge", "bridge", "10.77.0.0/16", "10.77.0.1", Map.of()));
        assertEquals("10.77.0.0/16", state.networkByName("bridge").orElseThrow().subnet());
    }
}
