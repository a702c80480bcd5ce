package io.berth.kernel.net;

import static io.berth.kernel.net.TestNamespaces.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.kernel.Errno;
import io.berth.kernel.KernelException;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Netlink against the real kernel, checked through its own dumps and through {@code ip}. The host of
 * these tests is itself a test namespace ("h"), so the machine's own namespace is never touched; the
 * container is a second one ("c").
 */
class NetlinkRootIT {

    static final byte[] MAC = {2, 0x42, 10, 9, 0, 2};

    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();
    Path host;
    Path ctr;
    Netlink hostLinks;

    @BeforeEach
    void namespaces() throws IOException {
        host = namespaces.create("h");
        ctr = namespaces.create("c");
        hostLinks = Netlink.openIn(host);
    }

    @AfterEach
    void closeSocket() {
        if (hostLinks != null) {
            hostLinks.close();
        }
    }

    /** The host side of a container's network: bridge br0 with the host end vb0 of a veth, eth0 in ctr. */
    void wireContainer() throws IOException {
        hostLinks.addBridge("br0");
        hostLinks.addVethPair("vb0", "eth0", ctr);
        hostLinks.setMaster("vb0", "br0");
        hostLinks.setUp("vb0");
        hostLinks.setUp("br0");
    }

    @Test
    void bridgeAndVethWithThePeerCreatedInsideTheContainer() throws IOException {
        wireContainer();
        hostLinks.setAlias("vb0", "berth:it:vb0");

        Link br0 = hostLinks.link("br0").orElseThrow();
        Link vb0 = hostLinks.link("vb0").orElseThrow();
        assertEquals("bridge", br0.kind());
        assertEquals("veth", vb0.kind());
        assertEquals(br0.index(), vb0.masterIndex());
        assertEquals("berth:it:vb0", vb0.alias());
        assertTrue(vb0.up() && br0.up());
        assertEquals(List.of("br0", "lo", "vb0"), names(hostLinks.links()), "eth0 never appears on the host side");
        String shown = ip(host, "-d", "link", "show", "vb0");
        for (String expected : List.of("master br0", "veth", "bridge_slave", "alias berth:it:vb0",
                "link-netns " + ctr.getFileName(), ",UP")) {
            assertTrue(shown.contains(expected), expected + " not in\n" + shown);
        }
        assertTrue(ip(host, "-d", "link", "show", "br0").contains("\n    bridge "), "br0 is a bridge");

        try (Netlink inside = Netlink.openIn(ctr)) {
            assertEquals(List.of("eth0", "lo"), names(inside.links()));
            assertEquals("veth", inside.link("eth0").orElseThrow().kind());
        }
        assertTrue(ip(ctr, "-d", "link", "show", "eth0").contains("veth"));
    }

    @Test
    void containerSideSettingsAreVisibleToIpAndToTheDump() throws IOException {
        wireContainer();
        Inet4Address address = ip4("10.9.0.2");
        Inet4Address gateway = ip4("10.9.0.1");
        try (Netlink inside = Netlink.openIn(ctr)) {
            inside.setMac("eth0", MAC);
            inside.setMtu("eth0", 1400);
            inside.addAddress("eth0", address, 24);
            inside.addAddress("eth0", address, 24); // already there: fine
            inside.setUp("eth0");
            inside.addDefaultRoute(gateway);
            inside.addDefaultRoute(gateway); // already there: fine

            Link eth0 = inside.link("eth0").orElseThrow();
            assertEquals("02:42:0a:09:00:02", eth0.mac());
            assertEquals(1400, eth0.mtu());
            assertTrue(eth0.up());
            assertEquals(List.of(new Address(address, 24)), inside.addresses("eth0"));
            assertEquals(Optional.of(gateway), inside.defaultGateway());
        }
        String link = ip(ctr, "link", "show", "eth0");
        assertTrue(link.contains("link/ether 02:42:0a:09:00:02") && link.contains("mtu 1400")
                && link.contains("state UP"), link);
        String addr = ip(ctr, "-4", "addr", "show", "eth0");
        assertTrue(addr.contains("inet 10.9.0.2/24 brd 10.9.0.255 scope global eth0"), addr);
        String routes = ip(ctr, "-4", "route");
        assertTrue(routes.contains("default via 10.9.0.1 dev eth0"), routes);
    }

    @Test
    void aSecondDefaultRouteViaAnotherGatewayNamesTheOneThere() throws IOException {
        wireContainer();
        try (Netlink inside = Netlink.openIn(ctr)) {
            inside.addAddress("eth0", ip4("10.9.0.2"), 24);
            inside.setUp("eth0");
            inside.addDefaultRoute(ip4("10.9.0.1"));
            KernelException e = assertThrows(KernelException.class, () -> inside.addDefaultRoute(ip4("10.9.0.3")));
            assertEquals("add default route via 10.9.0.3: File exists (EEXIST): the default route is via 10.9.0.1",
                    e.getMessage());
            KernelException off = assertThrows(KernelException.class, () -> inside.addDefaultRoute(ip4("10.7.0.1")));
            assertTrue(off.is(Errno.ENETUNREACH), off.getMessage());
            assertTrue(off.getMessage().startsWith(
                    "add default route via 10.7.0.1: Network is unreachable (ENETUNREACH): "),
                    "the kernel's explanation follows: " + off.getMessage());
        }
    }

    @Test
    void addBridgeIsIdempotentButRefusesALinkOfAnotherKind() throws IOException {
        wireContainer();
        hostLinks.addBridge("br0");
        assertEquals("bridge", hostLinks.link("br0").orElseThrow().kind());
        KernelException e = assertThrows(KernelException.class, () -> hostLinks.addBridge("vb0"));
        assertEquals("add bridge vb0: File exists (EEXIST): vb0 is a veth link, not a bridge", e.getMessage());
    }

    @Test
    void errorsNameTheOperationTheLinkAndTheErrno() throws IOException {
        wireContainer();
        assertMessage("add veth vb0 peer eth0: File exists (EEXIST)",
                () -> hostLinks.addVethPair("vb0", "eth0", ctr));
        assertMessage("set up nope: No such device (ENODEV): no link nope", () -> hostLinks.setUp("nope"));
        assertMessage("set master of vb0 to nope: No such device (ENODEV): no link nope",
                () -> hostLinks.setMaster("vb0", "nope"));
        assertMessage("set master of nope to br0: No such device (ENODEV): no link nope",
                () -> hostLinks.setMaster("nope", "br0"));
        assertMessage("set master of br0 to vb0: Operation not supported (EOPNOTSUPP)",
                () -> hostLinks.setMaster("br0", "vb0")); // a veth cannot have ports
        assertMessage("add address 10.9.0.2/24 to nope: No such device (ENODEV): no link nope",
                () -> hostLinks.addAddress("nope", ip4("10.9.0.2"), 24));
        assertMessage("list addresses of nope: No such device (ENODEV): no link nope",
                () -> hostLinks.addresses("nope"));
        Path missing = host.resolveSibling(host.getFileName() + "-missing");
        assertMessage("add veth vb1 peer eth1: No such file or directory (ENOENT): network namespace " + missing,
                () -> hostLinks.addVethPair("vb1", "eth1", missing));
        assertEquals(Optional.empty(), hostLinks.link("nope"));
        assertEquals(List.of("br0", "lo", "vb0"), names(hostLinks.links()), "nothing half-made is left");
    }

    @Test
    void deleteLinkIsIdempotentAndTakesThePeerWithIt() throws IOException {
        wireContainer();
        hostLinks.deleteLink("vb0");
        hostLinks.deleteLink("vb0");
        assertEquals(Optional.empty(), hostLinks.link("vb0"));
        try (Netlink inside = Netlink.openIn(ctr)) {
            assertEquals(List.of("lo"), names(inside.links()));
        }
        assertFalse(ip(ctr, "link").contains("eth0"));
    }

    @Test
    void hairpinOnABridgePort() throws IOException {
        wireContainer();
        assertFalse(hostLinks.hairpin("vb0"));
        hostLinks.setHairpin("vb0", true);
        assertTrue(hostLinks.hairpin("vb0"));
        assertTrue(ip(host, "-d", "link", "show", "vb0").contains("hairpin on"));
        hostLinks.setHairpin("vb0", false);
        assertFalse(hostLinks.hairpin("vb0"));
        assertTrue(ip(host, "-d", "link", "show", "vb0").contains("hairpin off"));
        assertFalse(hostLinks.hairpin("br0"), "a bridge is no bridge port");
    }

    @Test
    void anAliasCanBeCleared() throws IOException {
        wireContainer();
        hostLinks.setAlias("vb0", "berth:it:x");
        hostLinks.setAlias("vb0", "");
        assertEquals("", hostLinks.link("vb0").orElseThrow().alias());
        assertFalse(ip(host, "link", "show", "vb0").contains("alias"));
    }

    /**
     * A container's whole network setup, timed: its namespace, the veth with the peer inside, the port
     * on the bridge, then inside: MAC, address, up, default route. Printed, not asserted (the machine is
     * shared); the teardown is outside the timing.
     */
    @Test
    void containerSetupTiming(@TempDir Path exec) throws IOException {
        hostLinks.addBridge("br0");
        hostLinks.addAddress("br0", ip4("10.9.0.1"), 16);
        hostLinks.setUp("br0");
        int warmup = 20;
        int rounds = 200;
        long[] nanos = new long[rounds];
        for (int i = 0; i < warmup + rounds; i++) {
            Path netns = exec.resolve("netns").resolve("c" + i);
            String veth = "vb" + i;
            long start = System.nanoTime();
            try {
                NetNs.create(netns);
                hostLinks.addVethPair(veth, "eth0", netns);
                hostLinks.setMaster(veth, "br0");
                hostLinks.setUp(veth);
                try (Netlink inside = Netlink.openIn(netns)) {
                    inside.setMac("eth0", new byte[] {2, 0x42, 10, 9, (byte) (i >> 8), (byte) i});
                    inside.addAddress("eth0", ip4("10.9." + (1 + i / 250) + "." + (1 + i % 250)), 16);
                    inside.setUp("eth0");
                    inside.addDefaultRoute(ip4("10.9.0.1"));
                }
                if (i >= warmup) {
                    nanos[i - warmup] = System.nanoTime() - start;
                }
                if (i % 50 == 0) {
                    try (Netlink inside = Netlink.openIn(netns)) {
                        assertEquals(Optional.of(ip4("10.9.0.1")), inside.defaultGateway());
                    }
                }
            } finally {
                hostLinks.deleteLink(veth);
                NetNs.delete(netns);
            }
        }
        Arrays.sort(nanos);
        System.out.printf("container network setup over %d rounds: median %.2f ms, p90 %.2f ms, max %.2f ms%n",
                rounds, nanos[rounds / 2] / 1e6, nanos[rounds * 9 / 10] / 1e6, nanos[rounds - 1] / 1e6);
        assertEquals(List.of("br0", "lo"), names(hostLinks.links()));
        try (var left = Files.list(exec.resolve("netns"))) {
            assertEquals(0, left.count());
        }
    }

    interface Call {
        void run() throws IOException;
    }

    static void assertMessage(String expected, Call call) {
        IOException e = assertThrows(IOException.class, call::run);
        assertEquals(expected, e.getMessage());
    }

    static List<String> names(List<Link> links) {
        return links.stream().map(Link::name).sorted().collect(Collectors.toList());
    }

    static Inet4Address ip4(String dotted) throws IOException {
        return (Inet4Address) InetAddress.getByName(dotted);
    }
}
