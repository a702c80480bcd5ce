package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Traffic to, from and between containers: published ports (TCP, UDP, -P, taken ports), what a container
 * sees of its network on the default bridge and on user networks (addresses, routes, names through the
 * embedded DNS at 127.0.0.11, aliases, links, upstream forwarding), isolation between networks, internal
 * networks, connect/disconnect of a running container, static addresses, the host/none/container: modes,
 * the files a container gets (/etc/hosts, /etc/resolv.conf), and a FORWARD policy of DROP.
 *
 * <p>Every expectation was first checked against Debian's dockerd 20.10 in a network namespace
 * ({@code -Dberth.it.engine=dockerd}); where moby 27 (API 1.47, what berth serves) behaves differently,
 * the test says so and expects moby 27's behaviour from berth.
 */
class NetworkTrafficE2EIT extends NetworkE2E {

    // ---- published ports ----

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void portPublishedOnLoopbackAnswersThere(String c) throws Exception {
        int port = freePort();
        String web = name(c + "-web");
        webServerThrough(c, web, "hello-" + c, "-p", "127.0.0.1:" + port + ":80");
        assertEquals("80/tcp -> 127.0.0.1:" + port + "\n", e.client(c, "port", web).ok().out());
        assertEquals("127.0.0.1:" + port + "\n", e.client(c, "port", web, "80").ok().out());
        assertEquals("hello-" + c + "\n", httpFromHost("127.0.0.1", port).ok().out(), "the host reaches 127.0.0.1:" + port);

        // dockerd 20.10 (observed): a port published on 127.0.0.1 is neither proxied nor DNATed for the
        // gateway's address, so the gateway refuses it from the host and from containers alike
        String gateway = e.docker("inspect", "-f", "{{.NetworkSettings.Gateway}}", web).ok().out().trim();
        assertNotEquals(0, httpFromHost(gateway, port).code(), "127.0.0.1:" + port + " is not published on " + gateway);
        assertFalse(httpFromContainer("bridge", gateway, port).out().contains("hello-"),
                "a container does not reach a port published on 127.0.0.1 through the gateway");
    }

    @Test
    void portPublishedOnAllAddressesAnswersLoopbackAndTheGateway() throws Exception {
        int port = freePort();
        String web = name("web-all");
        webServer(web, "hello-all", "-p", port + ":80");
        assertTrue(e.docker("port", web, "80").ok().out().lines().anyMatch(l -> l.equals("0.0.0.0:" + port)),
                e.docker("port", web, "80").out());
        String gateway = e.docker("inspect", "-f", "{{.NetworkSettings.Gateway}}", web).ok().out().trim();
        assertEquals("hello-all\n", httpFromHost("127.0.0.1", port).ok().out(), "127.0.0.1:" + port + " from the host");
        assertEquals("hello-all\n", httpFromHost(gateway, port).ok().out(), gateway + ":" + port + " from the host");
        BerthDaemon.Result fromContainer = httpFromContainer("bridge", gateway, port).ok();
        assertTrue(fromContainer.out().startsWith("HTTP/1.") && fromContainer.out().endsWith("\r\n\r\nhello-all\n"),
                "another container reaches " + gateway + ":" + port + ": " + fromContainer.out());
    }

    @Test
    void publishAllChoosesAFreePortThatAnswers() throws Exception {
        String web = name("web-P");
        webServer(web, "hello-P", "-P", "--expose", "80");
        String mapping = e.docker("port", web, "80").ok().out();
        Matcher m = Pattern.compile("(?m)^0\\.0\\.0\\.0:(\\d+)$").matcher(mapping);
        assertTrue(m.find(), "docker port prints the chosen port: " + mapping);
        int port = Integer.parseInt(m.group(1));
        assertTrue(e.docker("port", web).ok().out().contains("80/tcp -> 0.0.0.0:" + port + "\n"));
        assertTrue(e.docker("inspect", "-f", "{{json .NetworkSettings.Ports}}", web).ok().out()
                .contains("\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"" + port + "\"}"));
        assertEquals("hello-P\n", httpFromHost("127.0.0.1", port).ok().out());
    }

    @Test
    void udpPortPublished() throws Exception {
        int port = freePort();
        String u = name("udp");
        e.docker("run", "-d", "--name", u, "-p", "127.0.0.1:" + port + ":5353/udp", "busybox", "sleep", "600").ok();
        assertEquals("5353/udp -> 127.0.0.1:" + port + "\n", e.docker("port", u).ok().out());
        // busybox nc cannot listen on UDP: a host python3 in the container's network namespace answers
        String pid = e.docker("inspect", "-f", "{{.State.Pid}}", u).ok().out().trim();
        String echo = "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.bind(('0.0.0.0', 5353))\n"
                + "print('ready', flush=True)\nwhile True:\n    d, a = s.recvfrom(512)\n    s.sendto(b'pong ' + d, a)\n";
        try (BerthDaemon.Bg server = e.hostBackground(List.of("nsenter", "-t", pid, "-n", "/usr/bin/python3", "-c", echo))) {
            assertTrue(server.awaitOut("ready\n", 10_000), "the UDP echo server in " + u + ": " + server.err());
            String client = "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.settimeout(2)\n"
                    + "for _ in range(3):\n    s.sendto(b'ping', ('127.0.0.1', " + port + "))\n    try:\n"
                    + "        print(s.recvfrom(512)[0].decode()); break\n    except socket.timeout:\n        pass\n";
            assertEquals("pong ping\n", e.host("/usr/bin/python3 -c \"" + client + "\"").ok().out(),
                    "a datagram to 127.0.0.1:" + port + "/udp reaches the container and the answer comes back");
        }
    }

    @Test
    void takenPortsAreRefusedAndNothingIsLeft() throws Exception {
        int held = freePort();
        String hold = "import socket, time\ns = socket.socket()\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                + "s.bind(('127.0.0.1', " + held + "))\ns.listen()\nprint('ready', flush=True)\ntime.sleep(600)\n";
        int published = freePort();
        String web = name("web-first");
        webServer(web, "first", "-p", published + ":80");
        String bridge = defaultBridgeDevice();
        List<String> rulesBefore = e.ownedRules();
        List<String> enslavedBefore = linksEnslavedTo(bridge);
        try (BerthDaemon.Bg holder = e.hostBackground(List.of("/usr/bin/python3", "-c", hold))) {
            assertTrue(holder.awaitOut("ready\n", 10_000), "the test holds 127.0.0.1:" + held + ": " + holder.err());
            // dockerd 20.10 (observed): "driver failed programming external connectivity on endpoint N (...):
            // Error starting userland proxy: listen tcp4 0.0.0.0:P: bind: address already in use"
            for (String spec : List.of(held + ":80", "127.0.0.1:" + held + ":80")) {
                String n = name("held");
                BerthDaemon.Result r = e.docker("run", "-d", "--name", n, "-p", spec, "busybox", "sleep", "60");
                assertEquals(125, r.code(), r.all());
                assertTrue(r.err().contains(":" + held) && r.err().contains("address already in use"), r.err());
                assertNothingOf(n);
            }
        }
        // moby 27 libnetwork/portallocator/portallocator.go and dockerd 20.10 (observed):
        // "Bind for 0.0.0.0:P failed: port is already allocated"
        String second = name("web-second");
        BerthDaemon.Result r = e.docker("run", "-d", "--name", second, "-p", published + ":80", "busybox", "sleep", "60");
        assertEquals(125, r.code(), r.all());
        assertTrue(r.err().contains("Bind for 0.0.0.0:" + published + " failed: port is already allocated"), r.err());
        assertNothingOf(second);

        assertEquals(rulesBefore, e.ownedRules(), "the refused containers left no firewall rule");
        assertEquals(enslavedBefore, linksEnslavedTo(bridge), "the refused containers left no link on the bridge");
        e.docker("version").ok();
        assertEquals("first\n", httpFromHost("127.0.0.1", published).ok().out(), "the first owner of the port still answers");
    }

    /** A container whose start failed: not running and without an address (Docker keeps it as "created"). */
    private static void assertNothingOf(String container) throws Exception {
        BerthDaemon.Result state = e.docker("inspect", "-f", "{{.State.Status}} [{{.NetworkSettings.IPAddress}}]", container);
        if (state.code() == 0) {
            assertEquals("created []", state.out().trim(), container + " after its failed start");
        }
    }

    // ---- the default bridge ----

    @Test
    void aContainerOnTheDefaultBridge() throws Exception {
        String c = name("on-bridge");
        // what the container sees, printed by itself
        e.docker("run", "-d", "--name", c, "busybox", "sh", "-c",
                "ip -o -4 addr show eth0; ip route; cat /sys/class/net/eth0/address; echo ready; exec sleep 600").ok();
        awaitReady(c);
        String inside = e.docker("logs", c).ok().out();
        String subnet = subnetOf("bridge");
        String bridgeId = e.docker("network", "inspect", "-f", "{{.Id}}", "bridge").ok().out().trim();

        Matcher addr = Pattern.compile("inet (\\d+\\.\\d+\\.\\d+\\.\\d+)/(\\d+) ").matcher(inside);
        assertTrue(addr.find(), "eth0 has an address: " + inside);
        String ip = addr.group(1);
        String prefix = addr.group(2);
        assertTrue(inSubnet(ip, subnet), ip + " is in the bridge's subnet " + subnet);
        assertEquals(subnet.substring(subnet.indexOf('/') + 1), prefix);
        Matcher route = Pattern.compile("(?m)^default via (\\S+) dev eth0").matcher(inside);
        assertTrue(route.find(), "a default route via the gateway: " + inside);
        String gateway = route.group(1);
        Matcher macLine = Pattern.compile("(?m)^([0-9a-f]{2}(:[0-9a-f]{2}){5})$").matcher(inside);
        assertTrue(macLine.find(), "eth0's MAC: " + inside);
        String mac = macLine.group(1);
        assertEquals(2, Integer.parseInt(mac.substring(0, 2), 16) & 3, "a locally administered unicast MAC: " + mac);

        assertEquals(ip + " " + gateway + " " + mac + " " + prefix, e.docker("inspect", "-f",
                "{{.NetworkSettings.IPAddress}} {{.NetworkSettings.Gateway}} {{.NetworkSettings.MacAddress}} {{.NetworkSettings.IPPrefixLen}}",
                c).ok().out().trim());
        assertEquals(ip + " " + gateway + " " + mac + " " + prefix + " " + bridgeId, e.docker("inspect", "-f",
                "{{with .NetworkSettings.Networks.bridge}}{{.IPAddress}} {{.Gateway}} {{.MacAddress}} {{.IPPrefixLen}} {{.NetworkID}}{{end}}",
                c).ok().out().trim());
        assertTrue(e.host("ip -o -4 addr show dev " + defaultBridgeDevice()).ok().out().contains("inet " + gateway + "/"),
                "the gateway is the bridge's address on the host side");
        String hostEnd = hostEndOf(c, "eth0");
        assertTrue(linksEnslavedTo(defaultBridgeDevice()).contains(hostEnd.substring(hostEnd.indexOf(':') + 1)),
                "the host end of eth0 (" + hostEnd + ") is on the bridge");
        assertTrue(e.docker("network", "inspect", "-f", "{{range .Containers}}{{.Name}}={{.IPv4Address}} {{end}}", "bridge").ok()
                .out().contains(c + "=" + ip + "/" + prefix));

        e.docker("stop", "-t", "1", c).ok();
        assertEquals("[] []", e.docker("inspect", "-f", "[{{.NetworkSettings.IPAddress}}] [{{.NetworkSettings.Networks.bridge.IPAddress}}]",
                c).ok().out().trim(), "a stopped container has no address");
        assertFalse(hostLinkNames().contains(hostEnd.substring(hostEnd.indexOf(':') + 1)), "the host end of eth0 went with the stop");
        assertFalse(e.docker("network", "inspect", "-f", "{{range .Containers}}{{.Name}} {{end}}", "bridge").ok().out().contains(c));

        e.docker("start", c).ok();
        assertTrue(inSubnet(ipOn(c, "bridge"), subnet), "an address again after start: " + ipOn(c, "bridge"));
    }

    @Test
    void linkAddsAHostsEntry() throws Exception {
        String web = name("linked");
        webServer(web, "linked-web");
        String ip = ipOn(web, "bridge");
        BerthDaemon.Result r = runSh(List.of("--link", web + ":w"),
                "cat /etc/hosts; ping -c1 -W2 w >/dev/null && echo PING-OK; printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 w 80").ok();
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith(ip + "\t") && List.of(l.split("\\s+")).contains("w")
                && List.of(l.split("\\s+")).contains(web)), "/etc/hosts names " + ip + " w and " + web + ":\n" + r.out());
        assertTrue(r.out().contains("PING-OK\n"), r.all());
        assertTrue(r.out().endsWith("\r\n\r\nlinked-web\n"), r.out());
    }

    // ---- user networks ----

    @Test
    void namesAndAliasesOnAUserNetwork() throws Exception {
        String n1 = name("n1");
        String subnet = freeSubnet();
        e.docker("network", "create", "--subnet", subnet, n1).ok();
        String a = name("a");
        webServer(a, "from-a", "--network", n1, "--network-alias", "other");
        String ipA = ipOn(a, n1);
        assertTrue(inSubnet(ipA, subnet), ipA + " in " + subnet);

        BerthDaemon.Result r = runSh(List.of("--network", n1), "cat /etc/resolv.conf; ip -o -4 addr show eth0;"
                + " ping -c1 -W2 " + a + " >/dev/null && echo PING-NAME-OK; ping -c1 -W2 other >/dev/null && echo PING-ALIAS-OK;"
                + " nslookup " + a + "; nslookup other 127.0.0.11;"
                + " printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 other 80").ok();
        String out = r.out();
        assertTrue(out.contains("nameserver 127.0.0.11\n"), "the embedded DNS server: " + out);
        assertTrue(Pattern.compile("inet (\\S+)/24").matcher(out).results().anyMatch(m -> inSubnet(m.group(1), subnet)), out);
        assertTrue(out.contains("PING-NAME-OK\n"), "ping by name: " + r.all());
        assertTrue(out.contains("PING-ALIAS-OK\n"), "ping by alias: " + r.all());
        assertTrue(out.contains("Server:\t\t127.0.0.11\n"), out);
        assertEquals(2, BuildE2EIT.count(out, "Address: " + ipA + "\n"), "nslookup answers the name and the alias with " + ipA + ":\n" + out);
        assertTrue(out.endsWith("\r\n\r\nfrom-a\n"), "nc reaches the alias: " + out);
    }

    @Test
    void namesOutsideBerthGoToTheUpstreamServers() throws Exception {
        String n1 = name("n1");
        e.docker("network", "create", "--subnet", freeSubnet(), n1).ok();

        // the daemon's --dns (a server this class started on the host side)
        BerthDaemon.Result viaDaemon = runSh(List.of("--network", n1), "nslookup " + UPSTREAM_NAME);
        assertTrue(viaDaemon.out().contains("Address: " + UPSTREAM_ANSWER + "\n"), viaDaemon.all());
        assertTrue(upstream.out().contains("query " + UPSTREAM_NAME + " 1\n"), "the daemon's --dns server was asked: " + upstream.out());

        // the container's --dns wins over the daemon's
        try (BerthDaemon.Bg own = startUpstreamDns(2, UPSTREAM_NAME + "=10.99.99.98")) {
            BerthDaemon.Result viaContainer = runSh(List.of("--network", n1, "--dns", NetworkEngine.upstreamAddress(2)),
                    "cat /etc/resolv.conf; nslookup " + UPSTREAM_NAME);
            assertTrue(viaContainer.out().contains("nameserver 127.0.0.11\n"), viaContainer.out());
            assertTrue(viaContainer.out().contains("Address: 10.99.99.98\n"), viaContainer.all());
            assertTrue(own.out().contains("query " + UPSTREAM_NAME + " 1\n"), own.out());
        }
        BerthDaemon.Result unknown = runSh(List.of("--network", n1), "nslookup nowhere.test");
        assertFalse(unknown.out().contains("Address: 10."), "an unknown name has no address: " + unknown.all());
        assertTrue(upstream.out().contains("query nowhere.test 1\n"), upstream.out());
    }

    @Test
    void networksAreIsolatedFromEachOther() throws Exception {
        String n1 = name("n1");
        String n2 = name("n2");
        e.docker("network", "create", "--subnet", freeSubnet(), n1).ok();
        e.docker("network", "create", "--subnet", freeSubnet(), n2).ok();
        String a = name("a");
        e.docker("run", "-d", "--name", a, "--network", n1, "busybox", "sleep", "600").ok();
        String ipA = ipOn(a, n1);
        assertEquals("OK\n", runSh(List.of("--network", n1), "ping -c1 -W2 " + ipA + " >/dev/null && echo OK").ok().out(),
                "a neighbour on " + n1 + " reaches " + ipA);
        BerthDaemon.Result fromN2 = runSh(List.of("--network", n2), "ping -c1 -W2 " + ipA + "; echo rc=$?; ping -c1 -W2 " + a + "; echo rc=$?");
        assertEquals(2, BuildE2EIT.count(fromN2.out(), "rc=1\n"), "a container on " + n2 + " reaches " + a + " neither by address nor by name:\n"
                + fromN2.all());
        BerthDaemon.Result fromBridge = runSh(List.of(), "ping -c1 -W2 " + ipA + "; echo rc=$?");
        assertTrue(fromBridge.out().contains("rc=1\n"), "nor does one on the default bridge: " + fromBridge.all());
    }

    @Test
    void internalNetworkHasNoWayOut() throws Exception {
        String ni = name("internal");
        String n1 = name("n1");
        e.docker("network", "create", "--internal", "--subnet", freeSubnet(), ni).ok();
        e.docker("network", "create", "--subnet", freeSubnet(), n1).ok();
        assertEquals("true", e.docker("network", "inspect", "-f", "{{.Internal}}", ni).ok().out().trim());
        String probe = name("probe");
        e.docker("run", "-d", "--name", probe, "--network", n1, "busybox", "sleep", "600").ok();
        // a host address outside the internal network: the gateway of another network
        String outside = e.docker("inspect", "-f", "{{(index .NetworkSettings.Networks \"" + n1 + "\").Gateway}}", probe).ok().out().trim();
        String peer = name("peer");
        e.docker("run", "-d", "--name", peer, "--network", ni, "busybox", "sleep", "600").ok();

        assertEquals("OK\n", runSh(List.of("--network", n1), "ping -c1 -W2 " + outside + " >/dev/null && echo OK").ok().out(),
                "a container on " + n1 + " reaches its gateway " + outside);
        BerthDaemon.Result inside = runSh(List.of("--network", ni), "ip route; ping -c1 -W2 " + peer + " >/dev/null && echo PEER-OK;"
                + " ping -c1 -W2 " + outside + "; echo rc=$?");
        assertTrue(inside.out().contains("PEER-OK\n"), "containers on an internal network reach each other: " + inside.all());
        if (!e.legacy()) {
            // moby 27 libnetwork/drivers/bridge/bridge_linux.go Join: no gateway for an internal network; dockerd
            // 20.10 still gives one (and reaches the host's addresses through it)
            assertFalse(inside.out().contains("default"), "no default route: " + inside.out());
            assertTrue(inside.out().contains("rc=1\n"), "nothing outside the internal network answers: " + inside.all());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void connectAndDisconnectARunningContainer(String c) throws Exception {
        String n1 = name(c + "-n1");
        String n2 = name(c + "-n2");
        String subnet2 = freeSubnet();
        e.client(c, "network", "create", "--subnet", freeSubnet(), n1).ok();
        e.client(c, "network", "create", "--subnet", subnet2, n2).ok();
        String x = name(c + "-x");
        String y = name(c + "-y");
        e.docker("run", "-d", "--name", x, "--network", n1, "busybox", "sleep", "600").ok();
        e.docker("run", "-d", "--name", y, "--network", n2, "busybox", "sleep", "600").ok();
        assertNotEquals(0, runSh(List.of("--network", n2), "ping -c1 -W2 " + x).code(), n2 + " does not know " + x + " yet");

        e.client(c, "network", "connect", n2, x).ok();
        Matcher eth1 = Pattern.compile("inet (\\S+)/24").matcher(inNetnsOf(x, "ip -o -4 addr show eth1").ok().out());
        assertTrue(eth1.find(), "eth1 appeared: " + inNetnsOf(x, "ip addr").out());
        assertTrue(inSubnet(eth1.group(1), subnet2), eth1.group(1) + " in " + subnet2);
        assertEquals(eth1.group(1), ipOn(x, n2));
        runSh(List.of("--network", n2), "ping -c1 -W2 " + x).ok();
        inNetnsOf(y, "busybox ping -c1 -W2 " + eth1.group(1)).ok();
        assertTrue(e.docker("network", "inspect", "-f", "{{range .Containers}}{{.Name}} {{end}}", n2).ok().out().contains(x));

        e.client(c, "network", "disconnect", n2, x).ok();
        assertNotEquals(0, inNetnsOf(x, "ip link show eth1").code(), "eth1 is gone: " + inNetnsOf(x, "ip addr").out());
        assertNotEquals(0, inNetnsOf(y, "busybox ping -c1 -W2 " + eth1.group(1)).code(), "the old address no longer answers");
        assertNotEquals(0, runSh(List.of("--network", n2), "ping -c1 -W2 " + x).code(), n2 + " no longer knows " + x);
        assertFalse(e.docker("inspect", "-f", "{{json .NetworkSettings.Networks}}", x).ok().out().contains("\"" + n2 + "\""));
        assertTrue(inNetnsOf(x, "ip -o -4 addr show eth0").ok().out().contains("inet " + ipOn(x, n1) + "/"), "eth0 stays");
    }

    @Test
    void staticAddressOnAUserNetwork() throws Exception {
        String n1 = name("n1");
        String subnet = freeSubnet();
        e.docker("network", "create", "--subnet", subnet, n1).ok();
        String fixed = addressIn(subnet, 50);
        String s = name("static");
        e.docker("run", "-d", "--name", s, "--network", n1, "--ip", fixed, "busybox", "sleep", "600").ok();
        assertEquals(fixed + " " + fixed, e.docker("inspect", "-f", "{{with index .NetworkSettings.Networks \"" + n1
                + "\"}}{{.IPAddress}} {{.IPAMConfig.IPv4Address}}{{end}}", s).ok().out().trim());
        assertTrue(inNetnsOf(s, "ip -o -4 addr show eth0").ok().out().contains("inet " + fixed + "/24"));

        // moby 27 libnetwork/ipamapi/contract.go ErrIPAlreadyAllocated, and dockerd 20.10 (observed)
        String again = name("static-again");
        BerthDaemon.Result taken = e.docker("run", "-d", "--name", again, "--network", n1, "--ip", fixed, "busybox", "sleep", "600");
        assertEquals(125, taken.code(), taken.all());
        assertTrue(taken.err().contains("Address already in use"), taken.err());
        assertNothingOf(again);
        String other = name("dynamic");
        e.docker("run", "-d", "--name", other, "--network", n1, "busybox", "sleep", "600").ok();
        assertNotEquals(fixed, ipOn(other, n1));
    }

    // ---- other network modes ----

    @Test
    void containerHostAndNoneModes() throws Exception {
        String owner = name("owner");
        String view = "ip -o -4 addr show eth0; cat /sys/class/net/eth0/address";
        e.docker("run", "-d", "--name", owner, "busybox", "sh", "-c", view + "; echo ready; exec sleep 600").ok();
        awaitReady(owner);
        String ownersView = e.docker("logs", owner).ok().out().replace("ready\n", "");
        assertTrue(ownersView.contains("inet "), ownersView);
        assertEquals(ownersView, runSh(List.of("--network", "container:" + owner), view).ok().out(),
                "container: mode sees the other's eth0, its address and MAC");

        assertEquals("lo\n", runSh(List.of("--network", "none"), "ls /sys/class/net").ok().out(), "none has only lo");

        // the host side's links can come and go while we look (other daemons' containers): the container
        // sees every link that was there before and after its run, and none that was there at neither time
        Set<String> hostBefore = new TreeSet<>(e.host("ls /sys/class/net").ok().out().lines().toList());
        Set<String> seen = new TreeSet<>(runSh(List.of("--network", "host"), "ls /sys/class/net").ok().out().lines().toList());
        Set<String> hostAfter = new TreeSet<>(e.host("ls /sys/class/net").ok().out().lines().toList());
        Set<String> always = new TreeSet<>(hostBefore);
        always.retainAll(hostAfter);
        Set<String> ever = new TreeSet<>(hostBefore);
        ever.addAll(hostAfter);
        assertTrue(seen.containsAll(always) && ever.containsAll(seen), "host mode sees the host's links: " + seen + ", host: "
                + hostBefore + " then " + hostAfter);
        assertTrue(seen.contains(defaultBridgeDevice()), seen.toString());
    }

    @Test
    void hostnameAddHostDnsAndSearchInTheContainersFiles() throws Exception {
        List<String> flags = List.of("--hostname", "hh", "--add-host", "foo.test:10.1.2.3", "--dns", "10.9.9.9",
                "--dns-search", "example.test");
        String script = "hostname; echo ==; cat /etc/hosts; echo ==; cat /etc/resolv.conf; echo ==; ip -o -4 addr show eth0";

        String[] onBridge = runSh(flags, script).ok().out().split("==\n");
        assertEquals("hh\n", onBridge[0]);
        assertTrue(Pattern.compile("(?m)^10\\.1\\.2\\.3\\s+foo\\.test$").matcher(onBridge[1]).find(), onBridge[1]);
        String ip = address(onBridge[3]);
        assertTrue(Pattern.compile("(?m)^" + Pattern.quote(ip) + "\\s+hh$").matcher(onBridge[1]).find(), "the hostname's entry: " + onBridge[1]);
        assertTrue(Pattern.compile("(?m)^127\\.0\\.0\\.1\\s+localhost$").matcher(onBridge[1]).find(), onBridge[1]);
        assertTrue(Pattern.compile("(?m)^nameserver 10\\.9\\.9\\.9$").matcher(onBridge[2]).find(), onBridge[2]);
        assertTrue(Pattern.compile("(?m)^search example\\.test$").matcher(onBridge[2]).find(), onBridge[2]);

        String n1 = name("n1");
        e.docker("network", "create", "--subnet", freeSubnet(), n1).ok();
        List<String> onUserFlags = new ArrayList<>(flags);
        onUserFlags.addAll(List.of("--network", n1));
        String[] onUser = runSh(onUserFlags, script).ok().out().split("==\n");
        assertEquals("hh\n", onUser[0]);
        assertTrue(Pattern.compile("(?m)^10\\.1\\.2\\.3\\s+foo\\.test$").matcher(onUser[1]).find(), onUser[1]);
        assertTrue(Pattern.compile("(?m)^" + Pattern.quote(address(onUser[3])) + "\\s+hh$").matcher(onUser[1]).find(), onUser[1]);
        assertTrue(Pattern.compile("(?m)^nameserver 127\\.0\\.0\\.11$").matcher(onUser[2]).find(), "the embedded DNS: " + onUser[2]);
        assertFalse(Pattern.compile("(?m)^nameserver 10\\.9\\.9\\.9$").matcher(onUser[2]).find(), "--dns is its upstream: " + onUser[2]);
        assertTrue(Pattern.compile("(?m)^search example\\.test$").matcher(onUser[2]).find(), onUser[2]);
    }

    // ---- the host's FORWARD policy ----

    @Test
    void trafficFlowsWithAForwardPolicyOfDrop() throws Exception {
        String policy = e.host("iptables -S FORWARD | head -n 1").ok().out().trim();
        assertTrue(policy.matches("-P FORWARD (ACCEPT|DROP)"), policy);
        e.host("iptables -P FORWARD DROP").ok();
        try {
            String n1 = name("n1");
            e.docker("network", "create", "--subnet", freeSubnet(), n1).ok();
            int port = freePort();
            String web = name("web-drop");
            webServer(web, "through-drop", "--network", n1, "-p", port + ":80");
            BerthDaemon.Result r = runSh(List.of("--network", n1), "ping -c1 -W2 " + web + " >/dev/null && echo PING-OK;"
                    + " printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 " + web + " 80").ok();
            assertTrue(r.out().contains("PING-OK\n") && r.out().endsWith("\r\n\r\nthrough-drop\n"), "container to container: " + r.all());
            assertEquals("through-drop\n", httpFromHost("127.0.0.1", port).ok().out(), "the published port");
            String gateway = e.docker("inspect", "-f", "{{(index .NetworkSettings.Networks \"" + n1 + "\").Gateway}}", web).ok().out().trim();
            assertEquals("through-drop\n", httpFromHost(gateway, port).ok().out(), "the published port on " + gateway);
        } finally {
            e.host("iptables " + policy).ok();
        }
    }

}
