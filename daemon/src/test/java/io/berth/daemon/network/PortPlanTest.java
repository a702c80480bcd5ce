package io.berth.daemon.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.daemon.api.ApiException;
import io.berth.daemon.events.PublishedPort;
import java.util.List;
import org.junit.jupiter.api.Test;

class PortPlanTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void readsBindingsAsTheDockerCliSendsThem() throws Exception {
        JsonNode host = json("""
                {"PortBindings":{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"18080"}],
                                 "53/udp":[{"HostIp":"","HostPort":""}],
                                 "81/tcp":[{"HostIp":"","HostPort":"8000-8010"}],
                                 "82/tcp":[{"HostIp":"::","HostPort":"9000"}]}}""");
        List<PortPlan.Request> r = PortPlan.requested(json("{}"), host, null);
        assertEquals(List.of(new PortPlan.Request("tcp", "127.0.0.1", 18080, 18080, 80),
                new PortPlan.Request("udp", "0.0.0.0", 0, 0, 53),
                new PortPlan.Request("tcp", "0.0.0.0", 8000, 8010, 81)), r, "IPv6 bindings are left out");
    }

    @Test
    void publishAllAddsEveryExposedPortNotBoundAlready() throws Exception {
        JsonNode host = json("{\"PublishAllPorts\":true,\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"8080\"}]}}");
        List<PortPlan.Request> r = PortPlan.requested(json("{\"ExposedPorts\":{\"80/tcp\":{},\"9000/udp\":{}}}"), host,
                json("{\"ExposedPorts\":{\"443/tcp\":{}}}"));
        assertEquals(List.of(8080, 0, 0), r.stream().map(PortPlan.Request::hostLow).toList());
        assertEquals(List.of(80, 443, 9000), r.stream().map(PortPlan.Request::containerPort).toList());
    }

    @Test
    void allocatesRangesAndEphemeralPortsAroundTakenOnes() {
        List<PublishedPort> taken = List.of(new PublishedPort("tcp", "0.0.0.0", 8000, 1),
                new PublishedPort("tcp", "127.0.0.1", 32769, 2));
        PortPlan.Allocation a = PortPlan.allocate(List.of(new PortPlan.Request("tcp", "0.0.0.0", 8000, 8010, 81),
                new PortPlan.Request("tcp", "0.0.0.0", 0, 0, 80), new PortPlan.Request("udp", "0.0.0.0", 8000, 8000, 53)),
                taken, 32768, 32768, 60999, "web", "id");
        assertEquals(List.of(8001, 32770, 8000), a.ports().stream().map(PublishedPort::hostPort).toList(),
                "udp 8000 is free although tcp 8000 is taken");
        assertEquals(32770, a.lastEphemeral());
    }

    @Test
    void anExplicitPortHeldOnAnyAddressIsRefused() {
        List<PublishedPort> taken = List.of(new PublishedPort("tcp", "127.0.0.1", 18080, 80));
        ApiException e = assertThrows(ApiException.class, () -> PortPlan.allocate(List.of(
                new PortPlan.Request("tcp", "0.0.0.0", 18080, 18080, 80)), taken, 0, 32768, 60999, "web", "abc"));
        assertEquals("driver failed programming external connectivity on endpoint web (abc): Bind for 0.0.0.0:18080"
                + " failed: port is already allocated", e.getMessage());
        // another address of the host is a different socket
        assertEquals(1, PortPlan.allocate(List.of(new PortPlan.Request("tcp", "127.0.0.2", 18080, 18080, 80)), taken,
                0, 32768, 60999, "web", "abc").ports().size());
    }

    @Test
    void badSpecsAreClientErrors() throws Exception {
        for (String bad : List.of("{\"PortBindings\":{\"99999/tcp\":[]}}", "{\"PortBindings\":{\"80/sctp\":[]}}",
                "{\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"nope\",\"HostPort\":\"1\"}]}}",
                "{\"PortBindings\":{\"x/tcp\":[]}}")) {
            assertThrows(ApiException.class, () -> PortPlan.validate(json("{}"), json(bad)), bad);
        }
    }
}
