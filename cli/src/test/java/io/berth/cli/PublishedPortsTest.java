package io.berth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ps's PORTS column, port's order, and the Go address and ordering rules behind them. */
class PublishedPortsTest {

    private static String column(String ports) throws Exception {
        return PublishedPorts.column(ApiClient.JSON.readTree(ports));
    }

    @Test
    void portsColumnGroupsAndOrdersAsDocker() throws Exception {
        assertEquals("443/tcp, 127.0.0.1:18080->80/tcp", column("[{\"IP\":\"127.0.0.1\",\"PrivatePort\":80,\"PublicPort\":18080,\"Type\":\"tcp\"},"
                + "{\"PrivatePort\":443,\"Type\":\"tcp\"}]"), "a port published to another host port comes after the groups");
        // what docker ps printed for these ports, given in this order
        assertEquals("7000-7001/udp, 5000/sctp, 7003/udp, 7002/tcp, 0.0.0.0:8080-8081->8080-8081/tcp, [::]:8080-8081->8080-8081/tcp, "
                + "0.0.0.0:32768->53/udp, [::]:32768->53/udp", column("["
                + "{\"IP\":\"0.0.0.0\",\"PrivatePort\":8081,\"PublicPort\":8081,\"Type\":\"tcp\"},{\"IP\":\"0.0.0.0\",\"PrivatePort\":8080,\"PublicPort\":8080,\"Type\":\"tcp\"},"
                + "{\"IP\":\"::\",\"PrivatePort\":8080,\"PublicPort\":8080,\"Type\":\"tcp\"},{\"IP\":\"::\",\"PrivatePort\":8081,\"PublicPort\":8081,\"Type\":\"tcp\"},"
                + "{\"PrivatePort\":7000,\"Type\":\"udp\"},{\"PrivatePort\":7001,\"Type\":\"udp\"},{\"PrivatePort\":7003,\"Type\":\"udp\"},"
                + "{\"PrivatePort\":7002,\"Type\":\"tcp\"},{\"IP\":\"0.0.0.0\",\"PrivatePort\":53,\"PublicPort\":32768,\"Type\":\"udp\"},"
                + "{\"IP\":\"::\",\"PrivatePort\":53,\"PublicPort\":32768,\"Type\":\"udp\"},{\"PrivatePort\":5000,\"Type\":\"sctp\"}]"));
        assertEquals("", column("[]"));
        assertEquals("", column("null"));
    }

    @Test
    void portLinesForOnePortOrAll() throws Exception {
        var map = ApiClient.JSON.readTree("{\"80/tcp\":[{\"HostIp\":\"::\",\"HostPort\":\"8080\"},{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8080\"}],"
                + "\"443/tcp\":null,\"100/udp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"100\"}]}");
        assertEquals(List.of("80/tcp -> 0.0.0.0:8080", "80/tcp -> [::]:8080", "100/udp -> 0.0.0.0:100"), PublishedPorts.portLines(map, null));
        assertEquals(List.of("0.0.0.0:8080", "[::]:8080"), PublishedPorts.portLines(map, "80/tcp"));
        assertTrue(PublishedPorts.portLines(map, "443/tcp").isEmpty());
    }

    @Test
    void naturalOrderComparesNumbersAsNumbers() {
        List<String> names = new ArrayList<>(List.of("n10", "bridge", "n9", "n09", "host", "n1a", "10", "9"));
        names.sort(NaturalOrder.INSTANCE);
        assertEquals(List.of("9", "10", "bridge", "host", "n1a", "n9", "n09", "n10"), names);
    }

    @Test
    void addressesParseAndPrintAsGoDoes() {
        assertEquals("8.8.8.8", IpAddress.format(IpAddress.parse("8.8.8.8")));
        assertEquals("::1", IpAddress.format(IpAddress.parse("0:0::1")));
        assertEquals("1.2.3.4", IpAddress.format(IpAddress.parse("::ffff:1.2.3.4")));
        assertEquals("2001:db8::1:0:0:1", IpAddress.format(IpAddress.parse("2001:DB8:0:0:1:0:0:1")), "the first longest zero run");
        assertEquals("2001:db8:0:1:1:1:1:1", IpAddress.format(IpAddress.parse("2001:db8::1:1:1:1:1")), "one zero group stays");
        assertEquals("::", IpAddress.format(IpAddress.parse("::")));
        for (String bad : List.of("1.2.3", "01.2.3.4", "256.1.1.1", "1.2.3.4.5", "::1::2", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0", "12345::",
                "1:2:3:4:5:6:7::8", "::1.2.3", "", "host")) {
            assertNull(IpAddress.parse(bad), bad);
        }
        IpAddress.Cidr subnet = IpAddress.Cidr.parse("10.5.0.0/24");
        assertTrue(subnet.contains(IpAddress.parse("10.5.0.254")));
        assertFalse(subnet.contains(IpAddress.parse("10.5.1.1")));
        assertFalse(subnet.contains(IpAddress.parse("::1")));
        assertTrue(IpAddress.Cidr.parse("fd00::/64").contains(IpAddress.parse("fd00::1")));
        assertTrue(IpAddress.Cidr.parse("10.0.0.0/024").contains(IpAddress.parse("10.0.0.9")));
        assertEquals("invalid CIDR address: 10.0.0.0/33", assertThrows(IllegalArgumentException.class,
                () -> IpAddress.Cidr.parse("10.0.0.0/33")).getMessage());
        assertTrue(IpAddress.isLoopback(IpAddress.parse("127.0.0.53")));
        assertTrue(IpAddress.isLoopback(IpAddress.parse("::1")));
        assertFalse(IpAddress.isLoopback(IpAddress.parse("::2")));
    }

    @Test
    void macAddressesAsGoReadsThem() {
        for (String good : List.of("02:42:ac:11:00:99", "02-42-AC-11-00-99", "0242.ac11.0099", " 02:42:ac:11:00:99 ",
                "00:00:00:00:fe:80:00:00", "00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01")) {
            assertTrue(FlagValues.isMacAddress(good), good);
        }
        for (String bad : List.of("zz", "02:42:ac:11:00", "02:42-ac:11:00:99", "02:42:ac:11:00:9", "0242.ac11")) {
            assertFalse(FlagValues.isMacAddress(bad), bad);
        }
    }
}
