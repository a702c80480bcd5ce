package io.berth.daemon.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CidrTest {

    @Test
    void parsesAndComputesNetworkBounds() {
        Cidr c = Cidr.parse("10.209.0.1/16");
        assertEquals("10.209.0.0/16", c.canonical().toString());
        assertEquals("10.209.255.255", Cidr.format(c.broadcast()));
        assertTrue(c.contains(Cidr.parseAddress("10.209.3.4")));
        assertFalse(c.contains(Cidr.parseAddress("10.210.0.1")));
        assertEquals(65536, c.size());
        assertEquals("10.209.0.2", Cidr.format(c.at(2)));
        assertEquals("255.255.255.255", Cidr.format(Cidr.parse("255.255.255.255/32").address()));
    }

    @Test
    void overlapIsSymmetric() {
        Cidr a = Cidr.parse("10.0.0.0/8");
        Cidr b = Cidr.parse("10.5.0.0/24");
        assertTrue(a.overlaps(b));
        assertTrue(b.overlaps(a));
        assertFalse(Cidr.parse("10.5.1.0/24").overlaps(b));
        assertTrue(a.contains(b));
        assertFalse(b.contains(a));
    }

    @Test
    void refusesWhatIsNotACidr() {
        for (String bad : List.of("10.0.0/24", "10.0.0.0", "10.0.0.256/24", "10.0.0.0/33", "a.b.c.d/8", "10.0.0.0/-1", "010.0.0.0/8")) {
            assertThrows(IllegalArgumentException.class, () -> Cidr.parse(bad), bad);
        }
    }

    @Test
    void readsTheHostsRoutes() {
        List<String> routes = HostRoutes.parse(List.of(
                "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
                "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0",
                "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0"));
        assertEquals(List.of("192.0.2.0/24"), routes);
    }
}
