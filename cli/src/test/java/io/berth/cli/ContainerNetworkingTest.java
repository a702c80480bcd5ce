package io.berth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * run/create's networking flags in the create body, against the bodies the docker CLI 28.2.2 sent for the
 * same flags at API 1.47 (recorded with shared/tools/recording_daemon.py).
 */
class ContainerNetworkingTest {

    private static final String EMPTY_ENDPOINT = "{\"IPAMConfig\":null,\"Links\":null,\"Aliases\":null,\"MacAddress\":\"\","
            + "\"DriverOpts\":null,\"GwPriority\":0,\"NetworkID\":\"\",\"EndpointID\":\"\",\"Gateway\":\"\",\"IPAddress\":\"\","
            + "\"IPPrefixLen\":0,\"IPv6Gateway\":\"\",\"GlobalIPv6Address\":\"\",\"GlobalIPv6PrefixLen\":0,\"DNSNames\":null}";

    private static JsonNode body(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(args));
        argv.add("busybox");
        return ContainerCommands.createBody(ContainerCommands.createFlags().parse(argv));
    }

    private static String refused(String... args) {
        return assertThrows(ContainerCommands.InvalidConfig.class, () -> body(args)).getMessage();
    }

    private static String usageError(String... args) {
        return assertThrows(Flags.UsageException.class, () -> body(args)).getMessage();
    }

    @Test
    void theBriefsRunSendsWhatDockerSends() throws Exception {
        JsonNode b = body("-p", "127.0.0.1:8080:80/udp", "--network", "mynet", "--network-alias", "a", "--ip", "10.1.0.5",
                "--link", "web:w");
        assertEquals("{\"80/udp\":{}}", b.path("ExposedPorts").toString());
        JsonNode host = b.path("HostConfig");
        assertEquals("mynet", host.path("NetworkMode").asText());
        assertEquals("{\"80/udp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"8080\"}]}", host.path("PortBindings").toString());
        assertEquals("[\"web:w\"]", host.path("Links").toString());
        assertEquals("{\"EndpointsConfig\":{\"mynet\":" + EMPTY_ENDPOINT
                        .replace("\"IPAMConfig\":null", "\"IPAMConfig\":{\"IPv4Address\":\"10.1.0.5\"}")
                        .replace("\"Links\":null,\"Aliases\":null", "\"Links\":[\"web:w\"],\"Aliases\":[\"a\"]") + "}}",
                b.path("NetworkingConfig").toString(), "on a user-defined network a link is also the endpoint's");
    }

    @Test
    void withoutFlagsTheDefaultEndpointIsSentEmpty() throws Exception {
        JsonNode b = body();
        assertFalse(b.has("ExposedPorts"));
        JsonNode host = b.path("HostConfig");
        assertEquals("default", host.path("NetworkMode").asText());
        assertEquals("{}", host.path("PortBindings").toString());
        assertTrue(host.path("Links").isNull());
        assertTrue(host.path("ExtraHosts").isNull());
        assertEquals("[]", host.path("Dns").toString());
        assertEquals("[]", host.path("DnsSearch").toString());
        assertEquals("[]", host.path("DnsOptions").toString());
        assertFalse(host.path("PublishAllPorts").asBoolean());
        assertEquals("{\"EndpointsConfig\":{\"default\":" + EMPTY_ENDPOINT + "}}", b.path("NetworkingConfig").toString());
    }

    @Test
    void oneNetworkWithoutOptionsHasNoEndpointButTwoHaveBoth() throws Exception {
        for (String mode : List.of("host", "none", "bridge", "container:web", "n1")) {
            JsonNode b = body("--network", mode);
            assertEquals(mode, b.path("HostConfig").path("NetworkMode").asText());
            assertEquals("{\"EndpointsConfig\":{}}", b.path("NetworkingConfig").toString(), mode);
        }
        assertEquals("{\"EndpointsConfig\":{\"n1\":" + EMPTY_ENDPOINT + ",\"n2\":" + EMPTY_ENDPOINT + "}}",
                body("--network", "n1", "--net", "n2").path("NetworkingConfig").toString());
        JsonNode ip = body("--network", "bridge", "--ip", "172.17.0.9").path("NetworkingConfig").path("EndpointsConfig");
        assertEquals("{\"IPv4Address\":\"172.17.0.9\"}", ip.path("bridge").path("IPAMConfig").toString(),
                "the CLI sends --ip for any network; the daemon decides");
        JsonNode second = body("--network", "n1", "--network", "n2", "--ip", "10.0.0.5").path("NetworkingConfig").path("EndpointsConfig");
        assertEquals("10.0.0.5", second.path("n1").path("IPAMConfig").path("IPv4Address").asText());
        assertTrue(second.path("n2").path("IPAMConfig").isNull(), "the container's options go to the first network");
    }

    @Test
    void linksOnTheDefaultBridgeAreLegacyLinksOnly() throws Exception {
        JsonNode b = body("--link", "web:w", "--link", "db");
        assertEquals("[\"web:w\",\"db\"]", b.path("HostConfig").path("Links").toString());
        assertTrue(b.path("NetworkingConfig").path("EndpointsConfig").path("default").path("Links").isNull());
        assertEquals("{\"EndpointsConfig\":{}}", body("--network", "bridge", "--link", "a:b").path("NetworkingConfig").toString());
    }

    @Test
    void theLongFormOfNetworkIsLowercasedAsDockerDoes() throws Exception {
        JsonNode e = body("--network", "name=N1,alias=X,driver-opt=A=B,gw-priority=5,ip=10.0.0.2,mac-address=02:42:AC:11:00:02")
                .path("NetworkingConfig").path("EndpointsConfig");
        assertEquals("n1", e.fieldNames().next());
        JsonNode n1 = e.path("n1");
        assertEquals("[\"x\"]", n1.path("Aliases").toString());
        assertEquals("{\"a\":\"b\"}", n1.path("DriverOpts").toString());
        assertEquals(5, n1.path("GwPriority").asInt());
        assertEquals("{\"IPv4Address\":\"10.0.0.2\"}", n1.path("IPAMConfig").toString());
        assertEquals("02:42:ac:11:00:02", n1.path("MacAddress").asText());
        assertEquals("{\"EndpointsConfig\":{}}", body("--network", "name=n1").path("NetworkingConfig").toString());
    }

    @Test
    void dnsHostsAndMacAsDockerRewritesThem() throws Exception {
        JsonNode b = body("--dns", " 8.8.8.8 ", "--dns", "0:0::1", "--dns-search", "example.com.", "--dns-search", ".",
                "--dns-opt", "ndots:2", "--add-host", "db=[::1]", "--add-host", "gw:host-gateway", "--hostname", "h1",
                "--mac-address", "02:42:ac:11:00:99");
        JsonNode host = b.path("HostConfig");
        assertEquals("[\"8.8.8.8\",\"::1\"]", host.path("Dns").toString());
        assertEquals("[\"example.com\",\".\"]", host.path("DnsSearch").toString());
        assertEquals("[\"ndots:2\"]", host.path("DnsOptions").toString());
        assertEquals("[\"db:::1\",\"gw:host-gateway\"]", host.path("ExtraHosts").toString());
        assertEquals("h1", b.path("Hostname").asText());
        assertFalse(b.has("MacAddress"), "at API 1.44 and later the address travels only in the endpoint");
        assertEquals("02:42:ac:11:00:99", b.path("NetworkingConfig").path("EndpointsConfig").path("default").path("MacAddress").asText());
        assertTrue(body("-P", "--expose", "80").path("HostConfig").path("PublishAllPorts").asBoolean());
    }

    @Test
    void conflictsAreDockersErrors() {
        assertEquals("network-scoped aliases are only supported for user-defined networks", refused("--network-alias", "x"));
        assertEquals("network-scoped aliases are only supported for user-defined networks", refused("--network", "host", "--net-alias", "x"));
        assertEquals("conflicting options: cannot attach both user-defined and non-user-defined network-modes",
                refused("--network", "host", "--network", "n1"));
        assertEquals("network \"n1\" is specified multiple times", refused("--network", "n1", "--network", "n1"));
        assertEquals("conflicting options: cannot specify both --network-alias and per-network alias",
                refused("--network", "name=n1,alias=a", "--network-alias", "b"));
        assertEquals("no name set for network", refused("--network", ""));
        assertEquals("zz is not a valid mac address", refused("--mac-address", "zz"));
    }

    @Test
    void badFlagValuesAreUsageErrors() {
        assertEquals("invalid argument \"8.8.8\" for \"--dns\" flag: IP address is not correctly formatted: 8.8.8", usageError("--dns", "8.8.8"));
        assertEquals("invalid argument \"bad domain\" for \"--dns-search\" flag: bad domain is not a valid domain",
                usageError("--dns-search", "bad domain"));
        assertEquals("invalid argument \"db\" for \"--add-host\" flag: bad format for add-host: \"db\"", usageError("--add-host", "db"));
        assertEquals("invalid argument \"a:b:c\" for \"--link\" flag: bad format for links: a:b:c", usageError("--link", "a:b:c"));
        assertEquals("invalid argument \"\" for \"--link\" flag: empty string specified for links", usageError("--link", ""));
        assertEquals("invalid argument \"name=n1,foo=x\" for \"--network\" flag: invalid field key foo", usageError("--network", "name=n1,foo=x"));
        assertEquals("invalid argument \"alias=x\" for \"--network\" flag: network name/id is not specified", usageError("--network", "alias=x"));
        assertEquals("invalid argument \"name=n1,gw-priority=x\" for \"--network\" flag: invalid gw-priority (x): invalid syntax",
                usageError("--network", "name=n1,gw-priority=x"));
    }

    @Test
    void runAndCreateReportARefusedConfigurationAsDockerDoes() throws Exception {
        // no daemon: the CLI refuses before it sends anything
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream e = new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8);
        java.io.PrintStream o = new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true, java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(125, Main.run(List.of("-H", "unix:///nonexistent/berth.sock", "run", "-p", "80/xyz", "busybox"), o, e));
        assertEquals("berth: invalid proto: xyz\n\nRun 'berth run --help' for more information\n", err.toString());
        err.reset();
        assertEquals(125, Main.run(List.of("-H", "unix:///nonexistent/berth.sock", "create", "--network-alias", "a", "busybox"), o, e));
        assertEquals("berth: network-scoped aliases are only supported for user-defined networks\n\n"
                + "Run 'berth create --help' for more information\n", err.toString());
    }
}
