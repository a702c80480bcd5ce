package io.berth.network.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.plugin.network.EndpointSpec;
import io.berth.plugin.network.NetworkSpec;
import io.berth.plugin.network.PortMapping;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FirewallRulesTest {

    static final OwnedChains OWNED = OwnedChains.of("1a2b3c4d");
    static final InstalledChains NOTHING = InstalledChains.parse("", OWNED);
    static final InstalledChains COMPLETE = InstalledChains.complete(OWNED);

    static final BridgedNetwork WEB = new BridgedNetwork(network("aaaa", "10.210.3.0/24", false), "br-web");
    static final BridgedNetwork DB = new BridgedNetwork(network("bbbb", "10.210.4.0/24", true), "br-db");

    static NetworkSpec network(String id, String subnet, boolean internal) {
        String gateway = subnet.replace(".0/24", ".1");
        return new NetworkSpec(id, "net-" + id, subnet, gateway, internal, Map.of());
    }

    static EndpointSpec endpoint(BridgedNetwork network, String address, PortMapping... ports) {
        return new EndpointSpec("c-" + address, network.spec().id(), "eth0", address, "02:42:00:00:00:01", true,
                List.of(ports));
    }

    @Test
    void aNetworkWithAPublishedPortOnAFreshHost() {
        String text = FirewallRules.apply(OWNED, NOTHING, List.of(WEB),
                List.of(endpoint(WEB, "10.210.3.2", new PortMapping("tcp", "0.0.0.0", 18080, 80))));
        assertEquals("""
                *filter
                :BERTH-1a2b3c4d-FWD - [0:0]
                -I FORWARD 1 -j BERTH-1a2b3c4d-FWD
                -A BERTH-1a2b3c4d-FWD -o br-web -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
                -A BERTH-1a2b3c4d-FWD -d 10.210.3.2/32 -o br-web -p tcp -m conntrack --ctstate DNAT -m tcp --dport 80 -j ACCEPT
                -A BERTH-1a2b3c4d-FWD -i br-web -o br-web -j ACCEPT
                -A BERTH-1a2b3c4d-FWD -o br-web -j DROP
                -A BERTH-1a2b3c4d-FWD -i br-web -j ACCEPT
                COMMIT
                *nat
                :BERTH-1a2b3c4d-DNAT - [0:0]
                :BERTH-1a2b3c4d-POST - [0:0]
                -A PREROUTING -m addrtype --dst-type LOCAL -j BERTH-1a2b3c4d-DNAT
                -A OUTPUT -m addrtype --dst-type LOCAL -j BERTH-1a2b3c4d-DNAT
                -A POSTROUTING -j BERTH-1a2b3c4d-POST
                -A BERTH-1a2b3c4d-DNAT -p tcp -m tcp --dport 18080 -j DNAT --to-destination 10.210.3.2:80
                -A BERTH-1a2b3c4d-POST -s 10.210.3.0/24 ! -o br-web -j MASQUERADE
                -A BERTH-1a2b3c4d-POST -s 127.0.0.0/8 -o br-web -j MASQUERADE
                -A BERTH-1a2b3c4d-POST -s 10.210.3.2/32 -d 10.210.3.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE
                COMMIT
                """, text);
    }

    @Test
    void onceTheJumpsAreKnownOnlyTheOwnedChainsAreWritten() {
        String text = FirewallRules.apply(OWNED, COMPLETE, List.of(WEB), List.of());
        assertEquals("""
                *filter
                :BERTH-1a2b3c4d-FWD - [0:0]
                -A BERTH-1a2b3c4d-FWD -o br-web -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
                -A BERTH-1a2b3c4d-FWD -i br-web -o br-web -j ACCEPT
                -A BERTH-1a2b3c4d-FWD -o br-web -j DROP
                -A BERTH-1a2b3c4d-FWD -i br-web -j ACCEPT
                COMMIT
                *nat
                :BERTH-1a2b3c4d-DNAT - [0:0]
                :BERTH-1a2b3c4d-POST - [0:0]
                -A BERTH-1a2b3c4d-POST -s 10.210.3.0/24 ! -o br-web -j MASQUERADE
                -A BERTH-1a2b3c4d-POST -s 127.0.0.0/8 -o br-web -j MASQUERADE
                COMMIT
                """, text);
    }

    @Test
    void anInternalNetworkKeepsToItselfAndPublishesNothing() {
        String text = FirewallRules.apply(OWNED, COMPLETE, List.of(WEB, DB), List.of(
                endpoint(DB, "10.210.4.2", new PortMapping("tcp", "0.0.0.0", 15432, 5432))));
        assertEquals("""
                *filter
                :BERTH-1a2b3c4d-FWD - [0:0]
                -A BERTH-1a2b3c4d-FWD -o br-web -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
                -A BERTH-1a2b3c4d-FWD -i br-web -o br-web -j ACCEPT
                -A BERTH-1a2b3c4d-FWD -i br-db -o br-db -j ACCEPT
                -A BERTH-1a2b3c4d-FWD -i br-db ! -o br-db -j DROP
                -A BERTH-1a2b3c4d-FWD -o br-web -j DROP
                -A BERTH-1a2b3c4d-FWD -o br-db -j DROP
                -A BERTH-1a2b3c4d-FWD -i br-web -j ACCEPT
                COMMIT
                *nat
                :BERTH-1a2b3c4d-DNAT - [0:0]
                :BERTH-1a2b3c4d-POST - [0:0]
                -A BERTH-1a2b3c4d-POST -s 10.210.3.0/24 ! -o br-web -j MASQUERADE
                -A BERTH-1a2b3c4d-POST -s 127.0.0.0/8 -o br-web -j MASQUERADE
                COMMIT
                """, text);
    }

    @Test
    void aPortPublishedOnOneHostAddressMatchesOnlyThatAddress() {
        String text = FirewallRules.apply(OWNED, COMPLETE, List.of(WEB), List.of(
                endpoint(WEB, "10.210.3.2", new PortMapping("udp", "127.0.0.1", 5353, 53))));
        assertTrue(text.contains(
                "-A BERTH-1a2b3c4d-DNAT -d 127.0.0.1/32 -p udp -m udp --dport 5353 -j DNAT --to-destination 10.210.3.2:53\n"),
                text);
        assertTrue(text.contains(
                "-A BERTH-1a2b3c4d-FWD -d 10.210.3.2/32 -o br-web -p udp -m conntrack --ctstate DNAT -m udp --dport 53 -j ACCEPT\n"),
                text);
    }

    @Test
    void jumpsAreRepairedToExactlyOneEach() {
        String save = """
                *filter
                :INPUT ACCEPT [0:0]
                :FORWARD DROP [0:0]
                :BERTH-1a2b3c4d-FWD - [0:0]
                :BERTH-99999999-FWD - [0:0]
                -A FORWARD -j BERTH-99999999-FWD
                -A FORWARD -j BERTH-1a2b3c4d-FWD
                -A FORWARD -j BERTH-1a2b3c4d-FWD
                -A BERTH-1a2b3c4d-FWD -o br-old -j DROP
                COMMIT
                *nat
                :PREROUTING ACCEPT [0:0]
                :BERTH-1a2b3c4d-DNAT - [0:0]
                -A PREROUTING -j BERTH-1a2b3c4d-DNAT
                -A OUTPUT -m addrtype --dst-type LOCAL -j BERTH-1a2b3c4d-DNAT
                COMMIT
                """;
        InstalledChains installed = InstalledChains.parse(save, OWNED);
        assertEquals(List.of("BERTH-1a2b3c4d-FWD"), installed.chains("filter"));
        assertEquals(List.of("-A FORWARD -j BERTH-1a2b3c4d-FWD", "-A FORWARD -j BERTH-1a2b3c4d-FWD"), installed.jumps("filter"));

        String text = FirewallRules.apply(OWNED, installed, List.of(), List.of());
        assertEquals("""
                *filter
                :BERTH-1a2b3c4d-FWD - [0:0]
                -D FORWARD -j BERTH-1a2b3c4d-FWD
                COMMIT
                *nat
                :BERTH-1a2b3c4d-DNAT - [0:0]
                :BERTH-1a2b3c4d-POST - [0:0]
                -D PREROUTING -j BERTH-1a2b3c4d-DNAT
                -A PREROUTING -m addrtype --dst-type LOCAL -j BERTH-1a2b3c4d-DNAT
                -A POSTROUTING -j BERTH-1a2b3c4d-POST
                COMMIT
                """, text);
    }

    @Test
    void removalDeletesTheJumpsBeforeTheChainsAndTouchesNoOtherDaemon() {
        String save = """
                *filter
                :FORWARD DROP [0:0]
                :BERTH-1a2b3c4d-FWD - [0:0]
                :BERTH-99999999-FWD - [0:0]
                -A FORWARD -j BERTH-99999999-FWD
                -A FORWARD -j BERTH-1a2b3c4d-FWD
                -A BERTH-1a2b3c4d-FWD -o br-web -j DROP
                COMMIT
                *nat
                :POSTROUTING ACCEPT [0:0]
                :BERTH-1a2b3c4d-POST - [0:0]
                -A POSTROUTING -j BERTH-1a2b3c4d-POST
                COMMIT
                """;
        assertEquals("""
                *filter
                -D FORWARD -j BERTH-1a2b3c4d-FWD
                -F BERTH-1a2b3c4d-FWD
                -X BERTH-1a2b3c4d-FWD
                COMMIT
                *nat
                -D POSTROUTING -j BERTH-1a2b3c4d-POST
                -F BERTH-1a2b3c4d-POST
                -X BERTH-1a2b3c4d-POST
                COMMIT
                """, FirewallRules.removal(InstalledChains.parse(save, OWNED)));
        assertEquals("", FirewallRules.removal(InstalledChains.parse("*filter\n:FORWARD ACCEPT [0:0]\nCOMMIT\n", OWNED)));
    }

    @Test
    void nothingMalformedReachesTheRuleText() {
        PortMapping http = new PortMapping("tcp", "0.0.0.0", 18080, 80);
        assertThrows(IllegalArgumentException.class, () -> FirewallRules.apply(OWNED, COMPLETE, List.of(WEB),
                List.of(endpoint(WEB, "10.210.3.2 -j ACCEPT", http))));
        assertThrows(IllegalArgumentException.class, () -> FirewallRules.apply(OWNED, COMPLETE, List.of(WEB),
                List.of(endpoint(WEB, "10.210.3.2", new PortMapping("icmp", "0.0.0.0", 1, 1)))));
        assertThrows(IllegalArgumentException.class, () -> FirewallRules.apply(OWNED, COMPLETE, List.of(WEB),
                List.of(endpoint(WEB, "10.210.3.2", new PortMapping("tcp", "::", 18080, 80)))));
        assertThrows(IllegalArgumentException.class, () -> FirewallRules.apply(OWNED, COMPLETE, List.of(WEB),
                List.of(endpoint(WEB, "10.210.3.2", new PortMapping("tcp", "0.0.0.0", 0, 80)))));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> FirewallRules.apply(OWNED, COMPLETE, List.of(WEB), List.of(endpoint(DB, "10.210.4.2", http))));
        assertTrue(unknown.getMessage().contains("bbbb"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BridgedNetwork(WEB.spec(), "br0\n-A FORWARD"));
        assertThrows(IllegalArgumentException.class, () -> new BridgedNetwork(WEB.spec(), "br+"));
    }

    @Test
    void chainNamesComeFromTheDaemonIdAndFitIptables() {
        assertEquals(new OwnedChains("BERTH-1a2b3c4d-FWD", "BERTH-1a2b3c4d-DNAT", "BERTH-1a2b3c4d-POST"), OWNED);
        assertEquals("BERTH-12345678901234567-DNAT", OwnedChains.of("12345678901234567").dnat());
        assertThrows(IllegalArgumentException.class, () -> OwnedChains.of("123456789012345678"));
        assertThrows(IllegalArgumentException.class, () -> OwnedChains.of("a b"));
        assertThrows(IllegalArgumentException.class, () -> OwnedChains.of(""));
        assertFalse(OWNED.owns("BERTH-99999999-FWD"));
    }

    @Test
    void subnetsAreWrittenAsIptablesPrintsThem() {
        assertEquals("10.210.3.0/24", Ipv4.subnet("10.210.3.7/24"));
        assertEquals("0.0.0.0/0", Ipv4.subnet("10.1.2.3/0"));
        assertEquals("10.1.2.3/32", Ipv4.subnet("10.1.2.3/32"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4.subnet("10.1.2.3"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4.subnet("10.1.2.3/33"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4.address("256.1.1.1"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4.address("localhost"));
    }
}
