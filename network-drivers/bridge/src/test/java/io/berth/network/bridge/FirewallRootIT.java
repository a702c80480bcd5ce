package io.berth.network.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.plugin.network.EndpointSpec;
import io.berth.plugin.network.NetworkSpec;
import io.berth.plugin.network.PortMapping;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The firewall against the real kernel, proven by traffic, inside throwaway network namespaces only:
 * <pre>
 *   "host" namespace H (FORWARD policy DROP, br_netfilter on, ip_forward on)
 *     bfa 10.231.1.1/24 ── a1 .2, a2 .3 (httpd)        network A
 *     bfb 10.231.2.1/24 ── b1 .2 (httpd)               network B
 *     bfi 10.231.3.1/24 ── i1 .2, i2 .3 (httpd)         network I, internal
 *     uplink 198.51.100.1/24 ── O 198.51.100.2 (httpd)  "outside": no route back to 10.231.0.0/16
 * </pre>
 * Every container has a default route through its gateway, so that what fails is stopped by the
 * firewall, not by routing. Each httpd answers with its namespace's short name. Needs root: fails (never
 * skips) without it.
 */
class FirewallRootIT {

    static final String PREFIX = "berthfw-" + HexFormat.of().formatHex(randomBytes(3));
    static final String H = PREFIX + "-h";
    static final String OUTSIDE_ADDRESS = "198.51.100.2";
    static final String HOST_ADDRESS = "198.51.100.1";

    static final BridgedNetwork A = network("a", "10.231.1.0/24", false, "bfa");
    static final BridgedNetwork B = network("b", "10.231.2.0/24", false, "bfb");
    static final BridgedNetwork I = network("i", "10.231.3.0/24", true, "bfi");
    static final List<BridgedNetwork> ALL = List.of(A, B, I);

    static final List<String> namespaces = new ArrayList<>();
    static final List<Process> servers = new ArrayList<>();
    static Path docroots;

    final String daemonId = HexFormat.of().formatHex(randomBytes(4));
    final List<Firewall> firewalls = new ArrayList<>();

    @BeforeAll
    static void buildTheNamespaces() throws Exception {
        String uid = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("Uid:")).findFirst().orElse("");
        assertEquals("0", uid.split("\\s+")[1], "FirewallRootIT must run as root");
        docroots = Files.createTempDirectory("berthfw-www");

        addNamespace(H);
        run("ip", "netns", "exec", H, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.bridge.bridge-nf-call-iptables=1");
        assertEquals("1", run("ip", "netns", "exec", H, "cat", "/proc/sys/net/bridge/bridge-nf-call-iptables").strip(),
                "bridged traffic must traverse iptables in the test's host namespace");
        for (BridgedNetwork n : ALL) {
            run("ip", "-n", H, "link", "add", n.bridge(), "type", "bridge");
            run("ip", "-n", H, "addr", "add", n.spec().gateway() + "/24", "dev", n.bridge());
            run("ip", "-n", H, "link", "set", n.bridge(), "up");
        }
        // what the driver does for 127.0.0.1:PORT to reach published ports
        run("ip", "netns", "exec", H, "sysctl", "-qw", "net.ipv4.conf.bfa.route_localnet=1",
                "net.ipv4.conf.bfb.route_localnet=1");
        container("a1", A, "10.231.1.2");
        container("a2", A, "10.231.1.3");
        container("b1", B, "10.231.2.2");
        container("i1", I, "10.231.3.2");
        container("i2", I, "10.231.3.3");
        // b1 reaches its own published port through the host: the bridge must send the frame back out its port
        run("ip", "-n", H, "link", "set", "v-b1", "type", "bridge_slave", "hairpin", "on");

        String o = PREFIX + "-o";
        addNamespace(o);
        run("ip", "-n", H, "link", "add", "uplink", "type", "veth", "peer", "name", "eth0", "netns", o);
        run("ip", "-n", H, "addr", "add", HOST_ADDRESS + "/24", "dev", "uplink");
        run("ip", "-n", H, "link", "set", "uplink", "up");
        run("ip", "-n", o, "addr", "add", OUTSIDE_ADDRESS + "/24", "dev", "eth0");
        run("ip", "-n", o, "link", "set", "eth0", "up");

        for (String name : List.of("a2", "b1", "i2", "o")) {
            serveHttp(name);
        }
        // the host's own rules, which the firewall must leave alone
        iptables("-P", "FORWARD", "DROP");
        iptables("-A", "FORWARD", "-s", "203.0.113.0/24", "-j", "ACCEPT");
        iptables("-t", "nat", "-A", "POSTROUTING", "-s", "203.0.113.0/24", "-j", "RETURN");
    }

    @AfterAll
    static void removeTheNamespaces() throws Exception {
        for (Process server : servers) {
            server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        List<String> failures = new ArrayList<>();
        for (String ns : namespaces) {
            Result r = attempt("ip", "netns", "del", ns);
            if (r.status() != 0) {
                failures.add(ns + ": " + r.output());
            }
        }
        if (docroots != null) {
            run("rm", "-rf", docroots.toString());
        }
        assertTrue(failures.isEmpty(), "namespaces left behind: " + failures);
    }

    @AfterEach
    void removeTheRules() throws IOException {
        for (Firewall firewall : firewalls) {
            firewall.removeAll();
        }
        assertFalse(save().contains("BERTH-"), save());
    }

    @Test
    void containersOfOneNetworkTalkAndNetworksAreIsolated() throws Exception {
        assertFails(get("a1", "10.231.1.3", 80), "with FORWARD DROP and no rules, not even a bridge forwards");

        firewall(daemonId).apply(ALL, endpoints(List.of()));

        assertEquals("a2", get("a1", "10.231.1.3", 80).output());
        assertEquals("i2", get("i1", "10.231.3.3", 80).output());
        assertFails(get("a1", "10.231.2.2", 80), "network A reaches B");
        assertFails(get("b1", "10.231.1.3", 80), "network B reaches A");
        assertFails(get("a1", "10.231.3.3", 80), "network A reaches the internal network");
    }

    @Test
    void containersReachTheWorldOnlyThroughMasqueradeAndInternalNetworksNotAtAll() throws Exception {
        firewall(daemonId).apply(ALL, endpoints(List.of()));

        assertTrue(save().contains("-A BERTH-" + daemonId + "-POST -s 10.231.1.0/24 ! -o bfa -j MASQUERADE\n"), save());
        assertEquals("o", get("a1", OUTSIDE_ADDRESS, 80).output(), "the outside has no route back: only masquerade answers");
        assertFails(get("i1", OUTSIDE_ADDRESS, 80), "an internal network reaches the outside");
        assertFails(get("i1", "10.231.1.3", 80), "an internal network reaches another subnet");
    }

    @Test
    void publishedPortsAnswerOnTheHostsAddressesFromEverywhere() throws Exception {
        firewall(daemonId).apply(ALL, endpoints(List.of(
                new PortMapping("tcp", "0.0.0.0", 18080, 80), new PortMapping("tcp", HOST_ADDRESS, 18081, 80))));

        assertEquals("b1", get("o", HOST_ADDRESS, 18080).output(), "from the outside");
        assertEquals("b1", get(H, HOST_ADDRESS, 18080).output(), "from the host to its own address");
        assertEquals("b1", get(H, "127.0.0.1", 18080).output(), "from the host to loopback");
        assertEquals("b1", get("a1", HOST_ADDRESS, 18080).output(), "from a container of another network");
        assertEquals("b1", get("a1", "10.231.1.1", 18080).output(), "from another network, through its gateway");
        assertEquals("b1", get("b1", HOST_ADDRESS, 18080).output(), "from the container itself (hairpin)");
        assertEquals("b1", get(H, HOST_ADDRESS, 18081).output(), "published on one address");
        assertFails(get(H, "127.0.0.1", 18081), "published on one address, answered on another");
        assertFails(get("a1", "10.231.2.2", 80), "a published port is reachable straight, not through the host");
    }

    @Test
    void reapplyingWithFewerEndpointsRemovesTheirRulesAlsoAfterARestart() throws Exception {
        PortMapping http = new PortMapping("tcp", "0.0.0.0", 18080, 80);
        firewall(daemonId).apply(ALL, endpoints(List.of(http)));
        assertEquals("b1", get("o", HOST_ADDRESS, 18080).output());

        Firewall restarted = firewall(daemonId);
        restarted.apply(List.of(A, B), endpoints(List.of()).subList(0, 3));

        assertFails(get("o", HOST_ADDRESS, 18080), "the port is still published");
        assertEquals(ownedRules(List.of(A, B), endpoints(List.of()).subList(0, 3)), installedOwnedRules());
        assertEquals(List.of(1, 1, 1, 1), jumpCounts(), save());
    }

    @Test
    void removeAllLeavesTheTablesAsTheyWere() throws Exception {
        String before = save();
        Firewall firewall = firewall(daemonId);
        firewall.apply(ALL, endpoints(List.of(new PortMapping("udp", "0.0.0.0", 15353, 53))));
        firewall.apply(ALL, endpoints(List.of(new PortMapping("tcp", "0.0.0.0", 18080, 80))));
        firewall(daemonId).apply(ALL, endpoints(List.of(new PortMapping("tcp", "0.0.0.0", 18080, 80))));
        assertEquals(List.of(1, 1, 1, 1), jumpCounts(), save());
        assertEquals(ownedRules(ALL, endpoints(List.of(new PortMapping("tcp", "0.0.0.0", 18080, 80)))),
                installedOwnedRules());

        firewall.removeAll();
        assertEquals(before, save());
        firewall.removeAll();
        assertEquals(before, save());
    }

    @Test
    void firewallsOfTwoDaemonsCoexist() throws Exception {
        String otherId = HexFormat.of().formatHex(randomBytes(4));
        Firewall mine = firewall(daemonId);
        Firewall other = firewall(otherId);
        List<EndpointSpec> endpoints = endpoints(List.of(new PortMapping("tcp", "0.0.0.0", 18080, 80)));
        mine.apply(List.of(A), endpoints.subList(0, 2));
        other.apply(List.of(B), endpoints.subList(2, 3));
        mine.apply(List.of(A), endpoints.subList(0, 2));
        assertEquals("a2", get("a1", "10.231.1.3", 80).output());
        assertEquals("b1", get("o", HOST_ADDRESS, 18080).output());

        mine.removeAll();

        assertFalse(save().contains("BERTH-" + daemonId), save());
        assertTrue(save().contains("-A FORWARD -j BERTH-" + otherId + "-FWD\n"), save());
        assertEquals("b1", get("o", HOST_ADDRESS, 18080).output());
        assertFails(get("a1", "10.231.1.3", 80), "the removed daemon's network still forwards");
    }

    @Test
    void oneApplyIsOneQuickProcess() throws Exception {
        Firewall firewall = firewall(daemonId);
        List<EndpointSpec> endpoints = endpoints(List.of(new PortMapping("tcp", "0.0.0.0", 18080, 80),
                new PortMapping("udp", "0.0.0.0", 15353, 53), new PortMapping("tcp", HOST_ADDRESS, 18443, 443)));
        long first = System.nanoTime();
        firewall.apply(ALL, endpoints);
        long firstMillis = (System.nanoTime() - first) / 1_000_000;
        long[] micros = new long[30];
        for (int i = 0; i < micros.length; i++) {
            long start = System.nanoTime();
            firewall.apply(ALL, i % 2 == 0 ? endpoints : endpoints.subList(0, 3));
            micros[i] = (System.nanoTime() - start) / 1000;
        }
        Arrays.sort(micros);
        System.out.printf("FirewallRootIT: first apply (iptables-save + restore) %d ms; later applies median %.1f ms,"
                + " max %.1f ms (%d rules)%n", firstMillis, micros[micros.length / 2] / 1000.0,
                micros[micros.length - 1] / 1000.0, installedOwnedRules().size());
        assertTrue(micros[micros.length / 2] < 1_000_000, "an apply takes a second");
    }

    // --- the firewall and what it installed

    Firewall firewall(String id) {
        Firewall firewall = new Firewall(id, Iptables.inNetns(Path.of("/run/netns", H)));
        firewalls.add(firewall);
        return firewall;
    }

    /** The test host's tables without comments and counters. */
    static String save() throws IOException {
        return Iptables.inNetns(Path.of("/run/netns", H)).save().lines()
                .filter(l -> !l.startsWith("#"))
                .map(l -> l.replaceAll("\\[\\d+:\\d+\\]$", "[0:0]"))
                .reduce("", (all, l) -> all + l + "\n");
    }

    List<String> ownedRules(List<BridgedNetwork> networks, List<EndpointSpec> endpoints) {
        OwnedChains owned = OwnedChains.of(daemonId);
        return FirewallRules.apply(owned, InstalledChains.complete(owned), networks, endpoints).lines()
                .filter(l -> l.startsWith("-A BERTH-" + daemonId)).sorted().toList();
    }

    List<String> installedOwnedRules() throws IOException {
        return save().lines().filter(l -> l.startsWith("-A BERTH-" + daemonId)).sorted().toList();
    }

    /** How often each of the four jumps is installed (FORWARD, PREROUTING, OUTPUT, POSTROUTING). */
    List<Integer> jumpCounts() throws IOException {
        List<String> lines = save().lines().toList();
        return OwnedChains.of(daemonId).jumps().stream()
                .map(j -> (int) lines.stream().filter(j.saved()::equals).count()).toList();
    }

    /** a1 and a2 on A, b1 on B (publishing {@code ports}), i1 and i2 on I (asking for port 8080, which I ignores). */
    static List<EndpointSpec> endpoints(List<PortMapping> ports) {
        return List.of(endpoint("a1", A, "10.231.1.2", List.of()), endpoint("a2", A, "10.231.1.3", List.of()),
                endpoint("b1", B, "10.231.2.2", ports),
                endpoint("i1", I, "10.231.3.2", List.of(new PortMapping("tcp", "0.0.0.0", 18088, 80))),
                endpoint("i2", I, "10.231.3.3", List.of()));
    }

    static EndpointSpec endpoint(String name, BridgedNetwork network, String address, List<PortMapping> ports) {
        return new EndpointSpec(name, network.spec().id(), "eth0", address, "02:42:0a:e7:00:02", true, ports);
    }

    static BridgedNetwork network(String name, String subnet, boolean internal, String bridge) {
        return new BridgedNetwork(new NetworkSpec(name.repeat(64), name, subnet, subnet.replace(".0/24", ".1"),
                internal, Map.of()), bridge);
    }

    // --- namespaces, links, servers and clients

    static void addNamespace(String ns) throws IOException {
        run("ip", "netns", "add", ns);
        namespaces.add(ns);
        run("ip", "-n", ns, "link", "set", "lo", "up");
    }

    /** A "container": its own namespace, joined to the network's bridge in H by a veth pair. */
    static void container(String name, BridgedNetwork network, String address) throws IOException {
        String ns = PREFIX + "-" + name;
        addNamespace(ns);
        run("ip", "-n", H, "link", "add", "v-" + name, "type", "veth", "peer", "name", "eth0", "netns", ns);
        run("ip", "-n", H, "link", "set", "v-" + name, "master", network.bridge(), "up");
        run("ip", "-n", ns, "addr", "add", address + "/24", "dev", "eth0");
        run("ip", "-n", ns, "link", "set", "eth0", "up");
        run("ip", "-n", ns, "route", "add", "default", "via", network.spec().gateway());
    }

    /** busybox httpd on port 80 in {@code name}'s namespace, answering with the name. */
    static void serveHttp(String name) throws Exception {
        Path root = Files.createDirectories(docroots.resolve(name));
        Files.writeString(root.resolve("index.html"), name);
        String ns = PREFIX + "-" + name;
        servers.add(new ProcessBuilder("ip", "netns", "exec", ns, "/bin/busybox", "httpd", "-f", "-p", "80",
                "-h", root.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        for (int i = 0; i < 50; i++) {
            if (get(ns, "127.0.0.1", 80).status() == 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IOException("httpd in " + ns + " does not answer");
    }

    /** An HTTP GET from inside namespace {@code from} (a short name, or a full namespace name), 3 s at most. */
    static Result get(String from, String address, int port) throws IOException {
        String ns = from.startsWith(PREFIX) ? from : PREFIX + "-" + from;
        return attempt("ip", "netns", "exec", ns, "timeout", "3", "/bin/busybox", "wget", "-q", "-O", "-",
                "http://" + address + ":" + port + "/");
    }

    static void assertFails(Result result, String what) {
        assertTrue(result.status() != 0, what + ": " + result.output());
    }

    static void iptables(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", H, "iptables", "-w"));
        command.addAll(List.of(args));
        run(command.toArray(String[]::new));
    }

    record Result(int status, String output) {}

    static Result attempt(String... command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.toLowerCase().endsWith("_proxy"));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            return new Result(process.waitFor(), output.strip());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    static String run(String... command) throws IOException {
        Result r = attempt(command);
        if (r.status() != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + r.status() + ": " + r.output());
        }
        return r.output();
    }

    static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }
}
