package io.berth.kernel.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Requests are compared byte for byte with layouts written out field by field from the uapi headers
 * (little-endian, as on x86_64 and arm64). Replies are real kernel messages (kernel 6.18), captured
 * into the *.hex resources next to this class from a pair of test namespaces set up like a container:
 * bridge br0 (index 2) and veth vb0 (index 3, mtu 1400, alias berth:test:vb0, port of br0 in hairpin
 * mode, up) on the host side; eth0 with 10.9.0.2/24 and a default route via 10.9.0.1 on the other.
 */
class RtMessagesTest {

    // ---- requests

    @Test
    void vethRequestCarriesThePeerWithItsNamespaceInsideInfoData() throws Exception {
        assertRequest(RtMessages.newVeth(writer(), "vb1", "eth1", 4),
                "64000000 1000 0506 00000000 00000000", // nlmsghdr: 100 bytes, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE
                "00 00 0000 00000000 00000000 00000000", // ifinfomsg: AF_UNSPEC, index 0 (named below)
                "0800 0300 76623100", // IFLA_IFNAME "vb1\0"
                "3c00 1280", // IFLA_LINKINFO, nested, 60 bytes
                "0900 0100 7665746800 000000", //   IFLA_INFO_KIND "veth\0", padded
                "2c00 0280", //   IFLA_INFO_DATA, nested, 44 bytes
                "2800 0100", //     VETH_INFO_PEER, 40 bytes: an ifinfomsg, then the peer's attributes
                "00 00 0000 00000000 00000000 00000000",
                "0900 0300 6574683100 000000", //     IFLA_IFNAME "eth1\0", padded
                "0800 1c00 04000000"); //     IFLA_NET_NS_FD 4
    }

    @Test
    void vethWithoutANamespaceLeavesThePeerBeside() {
        String hex = hex(RtMessages.newVeth(writer(), "vb1", "eth1", -1));
        assertFalse(hex.contains("08001c00"), hex);
    }

    @Test
    void bridgeRequestNamesOnlyTheKind() throws Exception {
        assertRequest(RtMessages.newLink(writer(), "br0", "bridge"),
                "38000000 1000 0506 00000000 00000000",
                "00 00 0000 00000000 00000000 00000000",
                "0800 0300 62723000", // IFLA_IFNAME "br0\0"
                "1000 1280", // IFLA_LINKINFO, nested
                "0b00 0100 62726964676500 00"); //   IFLA_INFO_KIND "bridge\0", padded
    }

    @Test
    void setUpChangesOnlyTheUpFlagOfTheNamedLink() throws Exception {
        assertRequest(RtMessages.setLink(writer(), "eth0", Rtnl.IFF_UP, Rtnl.IFF_UP),
                "2c000000 1300 0500 00000000 00000000", // RTM_SETLINK, REQUEST|ACK
                "00 00 0000 00000000 01000000 01000000", // flags IFF_UP, change IFF_UP
                "0900 0300 6574683000 000000");
    }

    @Test
    void setMasterAppendsTheBridgeIndex() throws Exception {
        assertRequest(RtMessages.setLink(writer(), "vb0", 0, 0).attrU32(Rtnl.IFLA_MASTER, 2),
                "30000000 1300 0500 00000000 00000000",
                "00 00 0000 00000000 00000000 00000000",
                "0800 0300 76623000",
                "0800 0a00 02000000"); // IFLA_MASTER 2
    }

    @Test
    void hairpinIsANestedPortAttributeOfAnAfBridgeRequest() throws Exception {
        assertRequest(RtMessages.setBridgePortHairpin(writer(), 3, true),
                "2c000000 1300 0500 00000000 00000000",
                "07 00 0000 03000000 00000000 00000000", // AF_BRIDGE, index 3
                "0c00 0c80", // IFLA_PROTINFO, nested (the bridge ignores it as port attributes otherwise)
                "0500 0400 01 000000"); //   IFLA_BRPORT_MODE 1, padded
    }

    @Test
    void addressRequestCarriesLocalAddressAndBroadcast() throws Exception {
        assertRequest(RtMessages.newAddress(writer(), 2, ip("10.9.0.2"), 24),
                "30000000 1400 0506 00000000 00000000", // RTM_NEWADDR, REQUEST|ACK|EXCL|CREATE
                "02 18 00 00 02000000", // ifaddrmsg: AF_INET, /24, scope universe, link 2
                "0800 0200 0a090002", // IFA_LOCAL
                "0800 0100 0a090002", // IFA_ADDRESS
                "0800 0400 0a0900ff"); // IFA_BROADCAST 10.9.0.255
    }

    @Test
    void pointToPointPrefixesHaveNoBroadcast() throws Exception {
        String hex = hex(RtMessages.newAddress(writer(), 2, ip("10.9.0.2"), 31));
        assertFalse(hex.contains("08000400"), hex);
        assertEquals(ip("10.255.255.255"), RtMessages.broadcast(ip("10.1.2.3"), 8));
        assertEquals(ip("255.255.255.255"), RtMessages.broadcast(ip("10.1.2.3"), 0));
    }

    @Test
    void defaultRouteIsAUnicastRouteOfTheMainTableWithAGateway() throws Exception {
        assertRequest(RtMessages.newDefaultRoute(writer(), ip("10.9.0.1")),
                "24000000 1800 0506 00000000 00000000", // RTM_NEWROUTE, REQUEST|ACK|EXCL|CREATE
                "02 00 00 00 fe 03 00 01 00000000", // AF_INET, dst /0, table main, proto boot, scope universe, unicast
                "0800 0500 0a090001"); // RTA_GATEWAY
    }

    @Test
    void dumpsAskForAWholeTable() throws Exception {
        assertRequest(RtMessages.dumpLinks(writer()),
                "20000000 1200 0103 00000000 00000000", // RTM_GETLINK, REQUEST|DUMP (no ACK: DONE ends a dump)
                "00 00 0000 00000000 00000000 00000000");
    }

    @Test
    void aRequestRestartsTheWriter() {
        MessageWriter w = writer();
        RtMessages.newVeth(w, "a-long-veth-name", "eth0", 3);
        assertEquals(hex(RtMessages.deleteLink(writer(), "x")), hex(RtMessages.deleteLink(w, "x")));
    }

    // ---- replies

    @Test
    void vethBridgePortDecodesWithKindMasterAliasAndHairpin() throws Exception {
        ByteBuffer vb0 = fixture("link-vb0.hex").get(0);
        assertEquals(new Link(3, "vb0", "veth", "berth:test:vb0", 2, true, "82:74:40:de:ec:8f", 1400),
                RtMessages.link(vb0));
        assertTrue(RtMessages.hairpin(vb0));
    }

    @Test
    void bridgeAndLoopbackDecode() throws Exception {
        ByteBuffer br0 = fixture("link-br0.hex").get(0);
        assertEquals(new Link(2, "br0", "bridge", "", 0, true, "82:74:40:de:ec:8f", 1400), RtMessages.link(br0));
        assertFalse(RtMessages.hairpin(br0), "a bridge is no bridge port");
        assertEquals(new Link(1, "lo", "", "", 0, true, "00:00:00:00:00:00", 65536),
                RtMessages.link(fixture("link-lo.hex").get(0)));
    }

    @Test
    void addressesDecodeWithTheirLinkIndex() throws Exception {
        List<ByteBuffer> dump = fixture("addresses.hex");
        assertEquals(new RtMessages.LinkAddress(1, new Address(ip("127.0.0.1"), 8)), RtMessages.address(dump.get(0)));
        assertEquals(new RtMessages.LinkAddress(2, new Address(ip("10.9.0.2"), 24)), RtMessages.address(dump.get(1)));
    }

    @Test
    void onlyTheMainTablesDefaultRouteHasADefaultGateway() throws Exception {
        List<ByteBuffer> dump = fixture("routes.hex");
        assertEquals(ip("10.9.0.1"), RtMessages.defaultGateway(dump.get(0)));
        for (ByteBuffer other : dump.subList(1, dump.size())) { // 10.9.0.0/24 and the local table's routes
            assertNull(RtMessages.defaultGateway(other));
        }
    }

    @Test
    void errorTextIsFoundAfterAFullOrACappedEcho() {
        String requestHeader = "24000000 1800 0506 3f870a6b 00000000 ";
        String request = requestHeader + "02000000 fe030001 00000000 0800 0500 0a070003 ";
        String text = "2000 0100 " // NLMSGERR_ATTR_MSG
                + HexFormat.of().formatHex("Nexthop has invalid gateway\0".getBytes(StandardCharsets.US_ASCII));
        // as the kernel answered `ip route add default via 10.7.0.3` (iproute2 does not cap the echo)
        ByteBuffer full = bytes("58000000 0200 0002 3f870a6b 87370000 9bffffff " + request + text);
        assertEquals("Nexthop has invalid gateway", RtMessages.errorText(full));
        // with NETLINK_CAP_ACK, as berth's socket asks: only the request's header is echoed
        ByteBuffer capped = bytes("44000000 0200 0003 3f870a6b 87370000 9bffffff " + requestHeader + text);
        assertEquals("Nexthop has invalid gateway", RtMessages.errorText(capped));
        ByteBuffer bare = bytes("24000000 0200 0001 3f870a6b 87370000 9bffffff " + requestHeader);
        assertNull(RtMessages.errorText(bare));
    }

    @Test
    void macsAreLowercaseAndColonSeparated() {
        assertEquals("02:42:ac:11:00:02", RtMessages.mac(new byte[] {2, 0x42, (byte) 0xac, 0x11, 0, 2}));
        assertEquals("", RtMessages.mac(null));
    }

    // ---- helpers

    private static MessageWriter writer() {
        return new MessageWriter(ByteBuffer.allocate(512).order(ByteOrder.nativeOrder()));
    }

    private static void assertRequest(MessageWriter request, String... fields) {
        assertEquals(String.join("", fields).replace(" ", ""), hex(request));
    }

    private static String hex(MessageWriter request) {
        request.finish();
        return HexFormat.of().formatHex(request.bytes());
    }

    private static ByteBuffer bytes(String hex) {
        return ByteBuffer.wrap(HexFormat.of().parseHex(hex.replace(" ", ""))).order(ByteOrder.nativeOrder());
    }

    /** One message per line. */
    private static List<ByteBuffer> fixture(String name) throws IOException {
        try (InputStream in = RtMessagesTest.class.getResourceAsStream(name)) {
            List<ByteBuffer> messages = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (!line.isBlank()) {
                    messages.add(bytes(line.strip()));
                }
            }
            return messages;
        }
    }

    private static Inet4Address ip(String dotted) throws IOException {
        return (Inet4Address) InetAddress.getByName(dotted);
    }
}
