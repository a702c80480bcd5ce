package io.berth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * berth network ..., port and ps's ports against a fake daemon with canned answers; the expected requests
 * and output are what the docker CLI 28.2.2 sent and printed for the same answers (recorded).
 */
class NetworkCommandsTest {

    @TempDir
    Path tmp;

    private static final String BRIDGE = "{\"Name\":\"bridge\",\"Id\":\"17f29b073143d8cd97b5bbe492bdeffec1c5fee55cc1fe2112c8b9335f8b6121\","
            + "\"Created\":\"2026-11-28T15:01:16.093814Z\",\"Scope\":\"local\",\"Driver\":\"bridge\",\"EnableIPv4\":true,\"EnableIPv6\":false,"
            + "\"IPAM\":{\"Driver\":\"default\",\"Options\":null,\"Config\":[{\"Subnet\":\"172.17.0.0/16\",\"Gateway\":\"172.17.0.1\"}]},"
            + "\"Internal\":false,\"Attachable\":false,\"Ingress\":false,\"ConfigFrom\":{\"Network\":\"\"},\"ConfigOnly\":false,"
            + "\"Containers\":{},\"Options\":{},\"Labels\":{}}";
    private static final String N10 = "{\"Name\":\"n10\",\"Id\":\"30ad27b5971a14a2cfac9b2af8f68cc865ecfb7a232a59ff7ab5ebec75669062\","
            + "\"Created\":\"2026-11-28T15:02:55.41958Z\",\"Scope\":\"local\",\"Driver\":\"bridge\",\"EnableIPv4\":true,"
            + "\"Internal\":true,\"Labels\":{\"a\":\"b\"}}";
    private static final String N9 = "{\"Name\":\"n9\",\"Id\":\"77373a80a58e4789445fb91ee32c05d15ad751e842906a79a4cf87a363b886f8\","
            + "\"Created\":\"2026-11-28T15:01:21Z\",\"Scope\":\"local\",\"Driver\":\"macvlan\",\"EnableIPv4\":true,\"EnableIPv6\":true}";

    private FakeDaemon daemon(FakeDaemon.Answer... answers) throws Exception {
        return new FakeDaemon(tmp.resolve("d.sock"), answers);
    }

    private static Flags create(String... args) throws Exception {
        return NetworkCommands.createFlags().parse(List.of(args));
    }

    // ---- create -------------------------------------------------------------------------------------

    @Test
    void createSendsTheBriefsBodyAndPrintsTheId() throws Exception {
        FakeDaemon.Run run;
        FakeDaemon d = daemon(new FakeDaemon.Answer(201, "application/json", "{\"Id\":\"77373a80a58e\",\"Warning\":\"\"}"));
        try (d) {
            run = d.berth("network", "create", "--subnet", "10.5.0.0/24", "--gateway", "10.5.0.254", "--ip-range", "10.5.0.128/25",
                    "--internal", "--label", "a=b", "-o", "com.docker.network.bridge.name=brx", "n1");
        }
        assertEquals(0, run.code(), run.err());
        assertEquals("77373a80a58e\n", run.out());
        assertEquals("POST /v1.47/networks/create HTTP/1.1", d.requests.get(0).line());
        assertEquals("{\"Driver\":\"bridge\",\"Scope\":\"\",\"IPAM\":{\"Driver\":\"default\",\"Options\":{},\"Config\":[{\"Subnet\":"
                + "\"10.5.0.0/24\",\"IPRange\":\"10.5.0.128/25\",\"Gateway\":\"10.5.0.254\"}]},\"Internal\":true,\"Attachable\":false,"
                + "\"Ingress\":false,\"ConfigOnly\":false,\"ConfigFrom\":null,\"Options\":{\"com.docker.network.bridge.name\":\"brx\"},"
                + "\"Labels\":{\"a\":\"b\"},\"Name\":\"n1\"}", d.requests.get(0).text());
    }

    @Test
    void createsOtherFlagsReachTheBody() throws Exception {
        JsonNode b = NetworkCommands.createBody(create("--ipv6", "--ipv4=false", "--attachable", "-d", "macvlan", "--ipam-driver", "foo",
                "--ipam-opt", "x=y", "--aux-address", "host1=10.9.0.5", "--subnet", "10.9.0.0/24,fd00::/64", "-o", "b=2", "-o", "a=1",
                "-o", "c", "--label", "z=1", "--label", "y", "n7"));
        assertEquals("{\"Driver\":\"macvlan\",\"Scope\":\"\",\"EnableIPv4\":false,\"EnableIPv6\":true,\"IPAM\":{\"Driver\":\"foo\","
                + "\"Options\":{\"x\":\"y\"},\"Config\":[{\"Subnet\":\"10.9.0.0/24\",\"AuxiliaryAddresses\":{\"host1\":\"10.9.0.5\"}},"
                + "{\"Subnet\":\"fd00::/64\"}]},\"Internal\":false,\"Attachable\":true,\"Ingress\":false,\"ConfigOnly\":false,"
                + "\"ConfigFrom\":null,\"Options\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"\"},\"Labels\":{\"y\":\"\",\"z\":\"1\"},\"Name\":\"n7\"}",
                b.toString());
        assertEquals("{\"Driver\":\"bridge\",\"Scope\":\"\",\"IPAM\":{\"Driver\":\"default\",\"Options\":{},\"Config\":[]},"
                + "\"Internal\":false,\"Attachable\":false,\"Ingress\":false,\"ConfigOnly\":false,\"ConfigFrom\":null,\"Options\":{},"
                + "\"Labels\":{},\"Name\":\"n8\"}", NetworkCommands.createBody(create("n8")).toString());
    }

    @Test
    void addressesThatFitNoSubnetAreRefusedAsDockerDoes() throws Exception {
        String[][] cases = {
            {"no matching subnet for gateway 10.1.0.1", "--subnet", "10.0.0.0/24", "--gateway", "10.1.0.1"},
            {"every ip-range or gateway must have a corresponding subnet", "--gateway", "10.1.0.1"},
            {"multiple overlapping subnet configuration is not supported", "--subnet", "10.0.0.0/24", "--subnet", "10.0.0.0/16"},
            {"no matching subnet for range 10.0.1.0/25", "--subnet", "10.0.0.0/24", "--ip-range", "10.0.1.0/25"},
            {"invalid CIDR address: 10.0.0.0", "--subnet", "10.0.0.0/24", "--ip-range", "10.0.0.0"},
            {"cannot configure multiple ranges (10.0.0.64/26, 10.0.0.0/26) on the same subnet (10.0.0.0/24)",
                "--subnet", "10.0.0.0/24", "--subnet", "10.1.0.0/24", "--ip-range", "10.0.0.0/26", "--ip-range", "10.0.0.64/26"},
            {"cannot configure multiple gateways (10.0.0.2, 10.0.0.1) for the same subnet (10.0.0.0/24)",
                "--subnet", "10.0.0.0/24", "--gateway", "10.0.0.1", "--gateway", "10.0.0.2", "--subnet", "10.1.0.0/24"},
            {"invalid CIDR address: 10.0.0/24", "--subnet", "10.0.0/24", "--subnet", "10.1.0.0/24"},
            {"invalid subnet: invalid CIDR address: 10.1.0/24", "--subnet", "10.0.0.0/24", "--subnet", "10.1.0/24"},
            {"no matching subnet for aux-address 10.2.0.1", "--subnet", "10.0.0.0/24", "--aux-address", "a=10.2.0.1"},
        };
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of(c).subList(1, c.length));
            args.add("n");
            Main.StatusError e = assertThrows(Main.StatusError.class, () -> NetworkCommands.createBody(create(args.toArray(String[]::new))));
            assertEquals(c[0], e.getMessage());
            assertEquals(1, e.status);
        }
        assertEquals("10.0.0/24", NetworkCommands.createBody(create("--subnet", "10.0.0/24", "n")).path("IPAM").path("Config")
                .get(0).path("Subnet").asText(), "a lone subnet is the daemon's to check");
        assertEquals("fd00::1", NetworkCommands.createBody(create("--subnet", "fd00::/64", "--gateway", "fd00::1", "n")).path("IPAM")
                .path("Config").get(0).path("Gateway").asText());
        assertEquals("invalid argument \"=x\" for \"--label\" flag: invalid label '=x': empty name",
                assertThrows(Flags.UsageException.class, () -> NetworkCommands.createBody(create("--label", "=x", "n"))).getMessage());
    }

    // ---- ls, inspect ----------------------------------------------------------------------------------

    @Test
    void lsSortsNaturallyAndCutsIds() throws Exception {
        String list = "[" + N10 + "," + BRIDGE + "," + N9 + "]";
        FakeDaemon.Run table;
        FakeDaemon.Run quiet;
        FakeDaemon.Run custom;
        FakeDaemon d = daemon(FakeDaemon.Answer.json(list), FakeDaemon.Answer.json(list), FakeDaemon.Answer.json(list));
        try (d) {
            table = d.berth("network", "ls");
            quiet = d.berth("network", "ls", "-q", "--filter", "driver=bridge", "-f", "TYPE = custom ", "--filter", "label=a=b");
            custom = d.berth("network", "list", "--no-trunc", "--format", "{{.Name}} {{.ID}} {{.Labels}} {{.IPv4}} {{.IPv6}} {{.Internal}} {{.CreatedAt}}");
        }
        assertEquals("NETWORK ID     NAME      DRIVER    SCOPE\n"
                + "17f29b073143   bridge    bridge    local\n"
                + "77373a80a58e   n9        macvlan   local\n"
                + "30ad27b5971a   n10       bridge    local\n", table.out());
        assertEquals("GET /v1.47/networks HTTP/1.1", d.requests.get(0).line());
        assertEquals("17f29b073143\n77373a80a58e\n30ad27b5971a\n", quiet.out());
        assertEquals("GET /v1.47/networks?filters=%7B%22driver%22%3A%7B%22bridge%22%3Atrue%7D%2C%22label%22%3A%7B%22a%3Db%22%3Atrue%7D"
                + "%2C%22type%22%3A%7B%22custom%22%3Atrue%7D%7D HTTP/1.1", d.requests.get(1).line(), "names lowercased, sorted");
        assertEquals("bridge 17f29b073143d8cd97b5bbe492bdeffec1c5fee55cc1fe2112c8b9335f8b6121  true false false 2026-11-28 15:01:16.093814 +0000 UTC\n"
                + "n9 77373a80a58e4789445fb91ee32c05d15ad751e842906a79a4cf87a363b886f8  true true false 2026-11-28 15:01:21 +0000 UTC\n"
                + "n10 30ad27b5971a14a2cfac9b2af8f68cc865ecfb7a232a59ff7ab5ebec75669062 a=b true false true 2026-11-28 15:02:55.41958 +0000 UTC\n",
                custom.out());
    }

    @Test
    void lsTablesAndJsonAsDockersFormatter() throws Exception {
        String list = "[" + N10 + "," + BRIDGE + "]";
        FakeDaemon.Run table;
        FakeDaemon.Run json;
        try (FakeDaemon d = daemon(FakeDaemon.Answer.json(list), FakeDaemon.Answer.json(list))) {
            table = d.berth("network", "ls", "--format", "table {{.Name}}\\t{{.Internal}}\\t{{.Labels}}");
            json = d.berth("network", "ls", "--format", "json");
        }
        assertEquals("NAME      INTERNAL   LABELS\nbridge    false      \nn10       true       a=b\n", table.out(),
                "an empty last cell keeps the padding before it, as docker's tabwriter does");
        assertEquals("{\"CreatedAt\":\"2026-11-28 15:01:16.093814 +0000 UTC\",\"Driver\":\"bridge\",\"ID\":\"17f29b073143\",\"IPv4\":\"true\","
                + "\"IPv6\":\"false\",\"Internal\":\"false\",\"Labels\":\"\",\"Name\":\"bridge\",\"Scope\":\"local\"}\n"
                + "{\"CreatedAt\":\"2026-11-28 15:02:55.41958 +0000 UTC\",\"Driver\":\"bridge\",\"ID\":\"30ad27b5971a\",\"IPv4\":\"true\","
                + "\"IPv6\":\"false\",\"Internal\":\"true\",\"Labels\":\"a=b\",\"Name\":\"n10\",\"Scope\":\"local\"}\n", json.out());
    }

    @Test
    void inspectPrintsTheDaemonsDocumentsThenTheErrors() throws Exception {
        FakeDaemon.Run run;
        FakeDaemon.Run format;
        FakeDaemon d = daemon(FakeDaemon.Answer.json(N9), FakeDaemon.Answer.error(404, "network nope not found"),
                FakeDaemon.Answer.json(BRIDGE), FakeDaemon.Answer.json(N9), FakeDaemon.Answer.error(404, "network nope not found"));
        try (d) {
            run = d.berth("network", "inspect", "n9", "nope", "bridge");
            format = d.berth("network", "inspect", "-f", "{{.Name}} {{json .Labels}}", "n9", "nope");
        }
        assertEquals(1, run.code());
        assertEquals("GET /v1.47/networks/nope HTTP/1.1", d.requests.get(1).line());
        assertEquals("Error response from daemon: network nope not found\n", run.err());
        assertEquals("[\n    {\n        \"Name\": \"n9\",\n        \"Id\": \"77373a80a58e4789445fb91ee32c05d15ad751e842906a79a4cf87a363b886f8\",\n"
                + "        \"Created\": \"2026-11-28T15:01:21Z\",\n        \"Scope\": \"local\",\n        \"Driver\": \"macvlan\",\n"
                + "        \"EnableIPv4\": true,\n        \"EnableIPv6\": true\n    },\n    {\n        \"Name\": \"bridge\",\n", run.out().substring(0,
                run.out().indexOf("\"Name\": \"bridge\",\n") + "\"Name\": \"bridge\",\n".length()));
        String bridge = run.out().substring(run.out().indexOf("        \"IPAM\""));
        assertEquals("        \"IPAM\": {\n            \"Driver\": \"default\",\n            \"Options\": null,\n            \"Config\": [\n"
                + "                {\n                    \"Subnet\": \"172.17.0.0/16\",\n                    \"Gateway\": \"172.17.0.1\"\n"
                + "                }\n            ]\n        },\n        \"Internal\": false,\n        \"Attachable\": false,\n"
                + "        \"Ingress\": false,\n        \"ConfigFrom\": {\n            \"Network\": \"\"\n        },\n"
                + "        \"ConfigOnly\": false,\n        \"Containers\": {},\n        \"Options\": {},\n        \"Labels\": {}\n    }\n]\n", bridge);
        assertEquals(1, format.code());
        assertEquals("n9 null\n", format.out());
    }

    // ---- rm, prune, connect, disconnect ----------------------------------------------------------------

    @Test
    void rmPrintsNamesAndEndsWithDockersExitStatus() throws Exception {
        FakeDaemon.Run run;
        FakeDaemon.Run force;
        FakeDaemon d = daemon(FakeDaemon.Answer.json(N9), FakeDaemon.Answer.empty(204),
                FakeDaemon.Answer.error(404, "network nope not found"), FakeDaemon.Answer.error(404, "network nope not found"),
                FakeDaemon.Answer.error(404, "network nope not found"), FakeDaemon.Answer.error(404, "network nope not found"));
        try (d) {
            run = d.berth("network", "rm", "n9", "nope");
            force = d.berth("network", "remove", "-f", "nope");
        }
        assertEquals(List.of("GET /v1.47/networks/n9 HTTP/1.1", "DELETE /v1.47/networks/n9 HTTP/1.1", "GET /v1.47/networks/nope HTTP/1.1",
                "DELETE /v1.47/networks/nope HTTP/1.1"), d.requests.subList(0, 4).stream().map(FakeDaemon.Request::line).toList());
        assertEquals(1, run.code());
        assertEquals("n9\n", run.out());
        assertEquals("Error response from daemon: network nope not found\nexit status 1\n", run.err());
        assertEquals(0, force.code(), "-f passes over a network that does not exist");
        assertEquals("", force.out() + force.err());
    }

    @Test
    void pruneListsWhatWasDeleted() throws Exception {
        FakeDaemon.Run run;
        FakeDaemon.Run none;
        FakeDaemon d = daemon(FakeDaemon.Answer.json("{\"NetworksDeleted\":[\"n5\",\"n6\"]}"), FakeDaemon.Answer.json("{\"NetworksDeleted\":null}"));
        try (d) {
            run = d.berth("network", "prune", "-f", "--filter", "label=a=b", "--filter", "until=1h");
            none = d.berth("network", "prune", "--force");
        }
        assertEquals("POST /v1.47/networks/prune?filters=%7B%22label%22%3A%7B%22a%3Db%22%3Atrue%7D%2C%22until%22%3A%7B%221h%22%3Atrue%7D%7D"
                + " HTTP/1.1", d.requests.get(0).line());
        assertEquals("POST /v1.47/networks/prune HTTP/1.1", d.requests.get(1).line());
        assertEquals("Deleted Networks:\nn5\nn6\n\n", run.out());
        assertEquals("", none.out());
    }

    @Test
    void pruneAsksFirst() throws Exception {
        java.io.InputStream stdin = System.in;
        try (FakeDaemon d = daemon()) {
            System.setIn(new java.io.ByteArrayInputStream("n\n".getBytes()));
            FakeDaemon.Run no = d.berth("network", "prune");
            assertEquals(0, no.code());
            assertEquals("WARNING! This will remove all custom networks not used by at least one container.\n"
                    + "Are you sure you want to continue? [y/N] ", no.out());
            assertEquals(0, d.requests.size(), "a no sends nothing");
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void connectAndDisconnectSendDockersBodies() throws Exception {
        FakeDaemon d = daemon(FakeDaemon.Answer.empty(200), FakeDaemon.Answer.empty(200), FakeDaemon.Answer.empty(200),
                FakeDaemon.Answer.error(404, "network n2 not found"));
        FakeDaemon.Run missing;
        try (d) {
            assertEquals(0, d.berth("network", "connect", "--ip", "10.0.0.7", "--alias", "a1", "--alias", "a2,a3", "--link", "web:w", "n2", "web").code());
            assertEquals(0, d.berth("network", "connect", "--ip6", "::7", "--link-local-ip", "169.254.0.1", "--driver-opt", "a=b",
                    "--gw-priority", "3", "n2", "web").code());
            assertEquals(0, d.berth("network", "disconnect", "-f", "n2", "web").code());
            missing = d.berth("network", "disconnect", "n2", "web");
        }
        String rest = ",\"MacAddress\":\"\",\"DriverOpts\":%s,\"GwPriority\":%d,\"NetworkID\":\"\",\"EndpointID\":\"\",\"Gateway\":\"\","
                + "\"IPAddress\":\"\",\"IPPrefixLen\":0,\"IPv6Gateway\":\"\",\"GlobalIPv6Address\":\"\",\"GlobalIPv6PrefixLen\":0,\"DNSNames\":null}}";
        assertEquals("POST /v1.47/networks/n2/connect HTTP/1.1", d.requests.get(0).line());
        assertEquals("{\"Container\":\"web\",\"EndpointConfig\":{\"IPAMConfig\":{\"IPv4Address\":\"10.0.0.7\"},\"Links\":[\"web:w\"],"
                + "\"Aliases\":[\"a1\",\"a2\",\"a3\"]" + String.format(rest, "{}", 0), d.requests.get(0).text());
        assertEquals("{\"Container\":\"web\",\"EndpointConfig\":{\"IPAMConfig\":{\"IPv6Address\":\"::7\",\"LinkLocalIPs\":[\"169.254.0.1\"]},"
                + "\"Links\":null,\"Aliases\":[]" + String.format(rest, "{\"a\":\"b\"}", 3), d.requests.get(1).text());
        assertEquals("POST /v1.47/networks/n2/disconnect HTTP/1.1", d.requests.get(2).line());
        assertEquals("{\"Container\":\"web\",\"Force\":true}", d.requests.get(2).text());
        assertEquals("{\"Container\":\"web\",\"Force\":false}", d.requests.get(3).text());
        assertEquals(1, missing.code());
        assertEquals("Error response from daemon: network n2 not found\n", missing.err());
    }

    @Test
    void networkWithoutAVerbShowsItsCommands() throws Exception {
        try (FakeDaemon d = daemon()) {
            FakeDaemon.Run bare = d.berth("network");
            assertEquals(0, bare.code());
            assertEquals(NetworkCommands.USAGE, bare.err());
            FakeDaemon.Run unknown = d.berth("network", "foo");
            assertEquals(1, unknown.code());
            assertEquals("berth: unknown command: berth network foo\n\nUsage:  berth network\n\nRun 'berth network --help' for more information\n",
                    unknown.err());
        }
    }

    // ---- port, ps ----------------------------------------------------------------------------------------

    private static final String INSPECTED = "{\"Id\":\"abc\",\"Name\":\"/pw\",\"NetworkSettings\":{\"Ports\":{"
            + "\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"18080\"},{\"HostIp\":\"::\",\"HostPort\":\"18080\"}],\"443/tcp\":null,"
            + "\"53/udp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"5353\"}],\"9000/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"9000\"}],"
            + "\"10/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"10\"}],\"9/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"32768\"}]}}}";

    @Test
    void portPrintsMappingsInNaturalOrder() throws Exception {
        FakeDaemon d = daemon(FakeDaemon.Answer.json(INSPECTED), FakeDaemon.Answer.json(INSPECTED), FakeDaemon.Answer.json(INSPECTED),
                FakeDaemon.Answer.json(INSPECTED), FakeDaemon.Answer.json(INSPECTED), FakeDaemon.Answer.json(INSPECTED),
                FakeDaemon.Answer.error(404, "No such container: nope"));
        List<FakeDaemon.Run> runs = new ArrayList<>();
        try (d) {
            for (String[] args : new String[][] {{"pw"}, {"pw", "80"}, {"pw", "53/udp"}, {"pw", "53"}, {"pw", "443"}, {"pw", "abc"},
                    {"nope"}}) {
                List<String> argv = new ArrayList<>(List.of("port"));
                argv.addAll(List.of(args));
                runs.add(d.berth(argv.toArray(String[]::new)));
            }
        }
        assertEquals("GET /v1.47/containers/pw/json HTTP/1.1", d.requests.get(0).line());
        assertEquals("9/tcp -> :32768\n10/tcp -> 0.0.0.0:10\n53/udp -> 127.0.0.1:5353\n80/tcp -> 0.0.0.0:18080\n80/tcp -> [::]:18080\n"
                + "9000/tcp -> 0.0.0.0:9000\n", runs.get(0).out());
        assertEquals("0.0.0.0:18080\n[::]:18080\n", runs.get(1).out());
        assertEquals("127.0.0.1:5353\n", runs.get(2).out());
        assertEquals("Error: No public port '53' published for pw\n", runs.get(3).err(), "tcp unless told");
        assertEquals(1, runs.get(3).code());
        assertEquals("Error: No public port '443' published for pw\n", runs.get(4).err(), "exposed is not published");
        assertEquals("Error: invalid port (abc): strconv.ParseUint: parsing \"abc\": invalid syntax\n", runs.get(5).err());
        assertEquals("Error response from daemon: No such container: nope\n", runs.get(6).err());
        assertEquals(1, runs.get(6).code());
    }

    @Test
    void psShowsPortsAndNetworks() throws Exception {
        String list = "[{\"Id\":\"aaaaaaaaaaaa1111\",\"Names\":[\"/web\"],\"Image\":\"busybox\",\"Command\":\"sleep 1000\",\"Created\":1,"
                + "\"State\":\"running\",\"Status\":\"Up 1 second\",\"Labels\":{},"
                + "\"Ports\":[{\"IP\":\"127.0.0.1\",\"PrivatePort\":80,\"PublicPort\":18080,\"Type\":\"tcp\"},{\"PrivatePort\":443,\"Type\":\"tcp\"}],"
                + "\"NetworkSettings\":{\"Networks\":{\"n1\":{}}}},"
                + "{\"Id\":\"cccccccccccc3333\",\"Names\":[\"/none\"],\"Image\":\"busybox\",\"Command\":\"sh\",\"Created\":1,"
                + "\"State\":\"exited\",\"Status\":\"Exited (0) 2 hours ago\",\"Labels\":{},\"Ports\":[],\"NetworkSettings\":{\"Networks\":{}}}]";
        FakeDaemon.Run format;
        FakeDaemon.Run table;
        FakeDaemon d = daemon(FakeDaemon.Answer.json(list), FakeDaemon.Answer.json(list));
        try (d) {
            format = d.berth("ps", "-a", "--format", "{{.Names}}|{{.Ports}}|{{.Networks}}", "--filter", "publish=80",
                    "--filter", "expose=80/tcp", "--filter", "network=n1");
            table = d.berth("ps", "--format", "table {{.Names}}\\t{{.Ports}}");
        }
        assertEquals("web|443/tcp, 127.0.0.1:18080->80/tcp|n1\nnone||\n", format.out());
        assertEquals("GET /v1.47/containers/json?all=1&filters=%7B%22expose%22%3A%7B%2280%2Ftcp%22%3Atrue%7D%2C%22network%22%3A%7B%22n1"
                + "%22%3Atrue%7D%2C%22publish%22%3A%7B%2280%22%3Atrue%7D%7D HTTP/1.1", d.requests.get(0).line());
        assertEquals("NAMES     PORTS\nweb       443/tcp, 127.0.0.1:18080->80/tcp\nnone      \n", table.out());
    }
}
