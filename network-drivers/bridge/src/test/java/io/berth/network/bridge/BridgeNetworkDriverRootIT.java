package io.berth.network.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.kernel.net.Link;
import io.berth.kernel.net.NetNs;
import io.berth.kernel.net.Netlink;
import io.berth.plugin.DriverContext;
import io.berth.plugin.network.EndpointSpec;
import io.berth.plugin.network.NetworkSpec;
import io.berth.plugin.network.PortInUseException;
import io.berth.plugin.network.PortMapping;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bridge driver as the daemon uses it, against the real kernel, inside throwaway network
 * namespaces: a "host" namespace where the driver makes its bridges, veths and rules (the test runs the
 * driver from a thread inside it), and one namespace per container.
 */
class BridgeNetworkDriverRootIT {

    @TempDir
    Path dir;

    private Path host;
    private BridgeNetworkDriver driver;
    private final List<Process> servers = new ArrayList<>();
    private final String id = HexFormat.of().formatHex(randomBytes(4));

    private static final NetworkSpec NET = new NetworkSpec("a".repeat(64), "app", "10.232.1.0/24", "10.232.1.1", false, Map.of());
    private static final NetworkSpec OTHER = new NetworkSpec("b".repeat(64), "other", "10.232.2.0/24", "10.232.2.1", false,
            Map.of(BridgeNetworkDriver.BRIDGE_NAME, "brt-other"));

    @BeforeEach
    void hostNamespace() throws Exception {
        host = dir.resolve("host");
        NetNs.create(host);
        driver = new BridgeNetworkDriver();
        inHost(() -> {
            driver.init(new DriverContext(dir.resolve("home"), dir.resolve("run"), dir.resolve("libexec"), id));
            return null;
        });
    }

    @AfterEach
    void cleanUp() throws Exception {
        servers.forEach(Process::destroyForcibly);
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                if (NetNs.isNetNs(p)) {
                    NetNs.delete(p);
                }
            }
        }
    }

    private <T> T inHost(Callable<T> work) throws IOException {
        return NetNs.call(host, work);
    }

    private Path container(String name) throws IOException {
        Path ns = dir.resolve(name);
        NetNs.create(ns);
        return ns;
    }

    private static EndpointSpec endpoint(char c, NetworkSpec net, String address, List<PortMapping> ports) {
        String[] octets = address.split("\\.");
        String mac = String.format("02:42:%02x:%02x:%02x:%02x", Integer.parseInt(octets[0]), Integer.parseInt(octets[1]),
                Integer.parseInt(octets[2]), Integer.parseInt(octets[3]));
        return new EndpointSpec(String.valueOf(c).repeat(64), net.id(), "eth0", address, mac, true, ports);
    }

    private static String sh(Path netns, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + netns));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return p.exitValue() + ":" + out;
    }

    @Test
    void aNetworkIsABridgeWithItsGatewayAndGoesWithItsDeletion() throws Exception {
        inHost(() -> {
            driver.createNetwork(NET);
            driver.createNetwork(NET); // idempotent
            try (Netlink nl = Netlink.open()) {
                Link bridge = nl.link("br-aaaaaaaaaaaa").orElseThrow();
                assertEquals("bridge", bridge.kind());
                assertTrue(bridge.up());
                assertEquals("berth:" + id + ":network:aaaaaaaaaaaa", bridge.alias());
                assertEquals("10.232.1.1", nl.addresses("br-aaaaaaaaaaaa").get(0).address().getHostAddress());
            }
            driver.deleteNetwork(NET);
            driver.deleteNetwork(NET);
            try (Netlink nl = Netlink.open()) {
                assertTrue(nl.link("br-aaaaaaaaaaaa").isEmpty());
            }
            return null;
        });
        assertFalse(sh(host, "iptables-save").contains("BERTH-" + id), "no network, no rules");
    }

    @Test
    void endpointsGetAddressesRoutesAndReachEachOtherButNotAnotherNetwork() throws Exception {
        Path c1 = container("c1");
        Path c2 = container("c2");
        Path c3 = container("c3");
        inHost(() -> {
            driver.createNetwork(NET);
            driver.createNetwork(OTHER);
            driver.prepare(c1, "eth0"); // c1's veth pair is made ahead, c2's and c3's at the join
            driver.join(NET, endpoint('1', NET, "10.232.1.2", List.of()), c1);
            driver.join(NET, endpoint('1', NET, "10.232.1.2", List.of()), c1); // idempotent
            try (Netlink nl = Netlink.open()) {
                assertTrue(nl.links().stream().noneMatch(l -> l.name().startsWith("vsp")), "the spare pair was put to use");
            }
            driver.join(NET, endpoint('2', NET, "10.232.1.3", List.of()), c2);
            driver.join(OTHER, endpoint('3', OTHER, "10.232.2.2", List.of()), c3);
            return null;
        });
        String addr = sh(c1, "ip", "-4", "addr", "show", "eth0");
        assertTrue(addr.contains("inet 10.232.1.2/24"), addr);
        assertTrue(sh(c1, "ip", "link", "show", "eth0").contains("02:42:0a:e8:01:02"));
        assertTrue(sh(c1, "ip", "route").contains("default via 10.232.1.1 dev eth0"));
        sh(host, "iptables", "-P", "FORWARD", "DROP"); // as another engine on the host might
        String ping = sh(c1, "busybox", "ping", "-c1", "-W2", "10.232.1.3");
        assertTrue(ping.startsWith("0:"), "same network: " + ping + sh(host, "iptables-save") + sh(host, "ip", "-d", "link")
                + sh(c2, "ip", "addr"));
        assertFalse(sh(c1, "busybox", "ping", "-c1", "-W1", "10.232.2.2").startsWith("0:"), "another network is isolated");

        inHost(() -> {
            driver.leave(NET, endpoint('2', NET, "10.232.1.3", List.of()));
            driver.leave(NET, endpoint('2', NET, "10.232.1.3", List.of()));
            return null;
        });
        assertFalse(sh(c2, "ip", "link").contains("eth0"), "the veth pair is gone");

        // a stopped container: the daemon deletes its namespace, then the driver lets go without waiting
        EndpointSpec gone = endpoint('3', OTHER, "10.232.2.2", List.of());
        NetNs.delete(c3);
        inHost(() -> {
            driver.leaveDeleted(OTHER, gone);
            return null;
        });
        boolean vanished = false;
        for (int i = 0; i < 100 && !vanished; i++) {
            vanished = inHost(() -> {
                try (Netlink nl = Netlink.open()) {
                    return nl.link(BridgeNetworkDriver.vethName(gone)).isEmpty();
                }
            });
            Thread.sleep(20);
        }
        assertTrue(vanished, "the host end of a deleted namespace's veth goes too");
    }

    @Test
    void aPublishedPortAnswersOnLoopbackAndATakenOneIsRefused() throws Exception {
        Path c1 = container("c1");
        Files.createDirectories(dir.resolve("www"));
        Files.writeString(dir.resolve("www/index.html"), "published\n");
        servers.add(new ProcessBuilder("nsenter", "--net=" + c1, "busybox", "httpd", "-f", "-p", "80", "-h",
                dir.resolve("www").toString()).start());
        int port = 20000 + ThreadLocalRandom.current().nextInt(10000);
        inHost(() -> {
            driver.createNetwork(NET);
            driver.join(NET, endpoint('1', NET, "10.232.1.2", List.of(new PortMapping("tcp", "0.0.0.0", port, 80))), c1);
            return null;
        });
        String body = "";
        for (int i = 0; i < 50 && !body.startsWith("0:published"); i++) {
            body = sh(host, "busybox", "wget", "-qO-", "http://127.0.0.1:" + port + "/");
            Thread.sleep(100);
        }
        assertEquals("0:published\n", body, "127.0.0.1:" + port + " reaches the container's port 80");
        inHost(() -> {
            // the driver holds the port: nothing else in the host namespace binds it
            assertThrows(IOException.class, () -> ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", port)));
            try (ServerSocketChannel taken = ServerSocketChannel.open().bind(new InetSocketAddress("0.0.0.0", port + 1))) {
                Path c2 = container("c2");
                PortInUseException e = assertThrows(PortInUseException.class, () -> driver.join(NET,
                        endpoint('2', NET, "10.232.1.3", List.of(new PortMapping("tcp", "0.0.0.0", port + 1, 80))), c2));
                assertTrue(e.getMessage().contains("address already in use"), e.getMessage());
                try (Netlink nl = Netlink.open()) {
                    assertTrue(nl.link(BridgeNetworkDriver.vethName(endpoint('2', NET, "10.232.1.3", List.of()))).isEmpty(),
                            "nothing half-made");
                }
            }
            driver.leave(NET, endpoint('1', NET, "10.232.1.2", List.of(new PortMapping("tcp", "0.0.0.0", port, 80))));
            ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", port)).close(); // free again
            return null;
        });
        assertFalse(sh(host, "iptables-save", "-t", "nat").contains("--dport " + port), "its DNAT rule went with it");
    }

    @Test
    void reconcileKeepsWhatIsAccountedForAndRemovesTheRest() throws Exception {
        Path c1 = container("c1");
        Path c2 = container("c2");
        EndpointSpec keep = endpoint('1', NET, "10.232.1.2", List.of());
        EndpointSpec stale = endpoint('2', NET, "10.232.1.3", List.of());
        inHost(() -> {
            driver.createNetwork(NET);
            driver.createNetwork(OTHER);
            driver.join(NET, keep, c1);
            driver.join(NET, stale, c2);
            try (Netlink nl = Netlink.open()) { // somebody else's bridge is never touched
                nl.addBridge("brt-foreign");
            }
            // a restarted daemon: a new driver learns the state from the daemon
            BridgeNetworkDriver restarted = new BridgeNetworkDriver();
            restarted.init(new DriverContext(dir.resolve("home"), dir.resolve("run"), dir.resolve("libexec"), id));
            restarted.reconcile(List.of(NET), List.of(keep));
            try (Netlink nl = Netlink.open()) {
                assertTrue(nl.link("br-aaaaaaaaaaaa").isPresent());
                assertTrue(nl.link(BridgeNetworkDriver.vethName(keep)).isPresent());
                assertTrue(nl.link(BridgeNetworkDriver.vethName(stale)).isEmpty(), "a stale endpoint's veth is removed");
                assertTrue(nl.link("brt-other").isEmpty(), "a removed network's bridge is removed");
                assertTrue(nl.link("brt-foreign").isPresent(), "unmarked links are not berth's");
            }
            return null;
        });
        assertTrue(sh(c1, "ip", "-4", "addr").contains("10.232.1.2"), "the running container kept its network");
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }
}
