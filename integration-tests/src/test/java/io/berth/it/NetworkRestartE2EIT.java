package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Networks across daemon restarts: addresses handed out once (also after a restart, and increasing, so a
 * freed address is not handed out again at once); and after a SIGKILL of the daemon, running containers
 * keep their network (a published port answers while the daemon is down and after it is back), while a
 * container that ended while the daemon was down loses its veth, firewall rules and netns handle once the
 * daemon is back. Checked first on dockerd 20.10 with --live-restore ({@code -Dberth.it.engine=dockerd}).
 */
class NetworkRestartE2EIT extends NetworkE2E {

    @Test
    void addressesAreHandedOutOnceAcrossARestart() throws Exception {
        String n1 = name("n1");
        e.docker("network", "create", "--subnet", freeSubnet(), n1).ok();
        String a = sleeper(name("a"), n1);
        String b = sleeper(name("b"), n1);
        String onBridge = sleeper(name("c1"), "bridge");
        String ipA = ipOn(a, n1);
        String ipB = ipOn(b, n1);
        String ipBridge = ipOn(onBridge, "bridge");
        assertTrue(ipv4(ipB) > ipv4(ipA), ipA + " then " + ipB);

        e.restart();

        for (String[] c : List.of(new String[] {a, n1, ipA}, new String[] {b, n1, ipB}, new String[] {onBridge, "bridge", ipBridge})) {
            assertEquals("running", e.docker("inspect", "-f", "{{.State.Status}}", c[0]).ok().out().trim(), c[0] + " outlived the restart");
            assertEquals(c[2], ipOn(c[0], c[1]), c[0] + " keeps its address in the daemon's view");
            assertTrue(inNetnsOf(c[0], "ip -o -4 addr show eth0").ok().out().contains("inet " + c[2] + "/"), c[0] + " keeps it inside");
        }
        String c = sleeper(name("c"), n1);
        String ipC = ipOn(c, n1);
        assertFalse(Set.of(ipA, ipB).contains(ipC), ipC + " is held by a running container");
        assertTrue(ipv4(ipC) > ipv4(ipB), "addresses keep increasing: " + ipB + " then " + ipC);
        assertNotEquals(ipBridge, ipOn(sleeper(name("c2"), "bridge"), "bridge"));
        runSh(List.of("--network", n1), "ping -c1 -W2 " + a).ok();

        e.docker("rm", "-f", b).ok();
        String d = sleeper(name("d"), n1);
        assertNotEquals(ipC, ipOn(d, n1));
        if (!e.legacy()) {
            // berth's rule; Docker hands out the lowest free address (dockerd 20.10 observed, moby 27
            // libnetwork/ipams/defaultipam allocates serially only for swarm)
            assertTrue(ipv4(ipOn(d, n1)) > ipv4(ipC), "the freed " + ipB + " is not handed out at once: " + ipOn(d, n1));
        }
    }

    @Test
    void runningContainersKeepTheirNetworkThroughADaemonCrash() throws Exception {
        int port = freePort();
        String web = name("survivor");
        webServer(web, "survivor", "-p", port + ":80");
        String n1 = name("n1");
        e.docker("network", "create", "--subnet", freeSubnet(), n1).ok();
        String x = sleeper(name("x"), n1);
        String y = sleeper(name("y"), n1);
        String ipY = ipOn(y, n1);
        String pidX = e.docker("inspect", "-f", "{{.State.Pid}}", x).ok().out().trim();
        int doomedPort = freePort();
        String doomed = name("doomed");
        webServer(doomed, "doomed", "-p", doomedPort + ":80");
        String doomedIp = ipOn(doomed, "bridge");
        String doomedEnd = hostEndOf(doomed, "eth0");
        String doomedPid = e.docker("inspect", "-f", "{{.State.Pid}}", doomed).ok().out().trim();
        int handles = e.netnsHandles().size();
        String gateway = e.docker("inspect", "-f", "{{.NetworkSettings.Gateway}}", web).ok().out().trim();

        e.kill9();
        try {
            assertEquals("survivor\n", httpFromHost(gateway, port).ok().out(), gateway + ":" + port + " while the daemon is down");
            if (!e.legacy()) {
                // berth DNATs 127.0.0.1 too (route_localnet); dockerd 20.10 serves 127.0.0.1 through its
                // docker-proxy, which dies with it (observed)
                assertEquals("survivor\n", httpFromHost("127.0.0.1", port).ok().out(), "127.0.0.1:" + port + " while the daemon is down");
            }
            e.host("nsenter -t " + pidX + " -n busybox ping -c1 -W2 " + ipY).ok();
            e.host("kill -9 " + doomedPid).ok();
        } finally {
            e.startAgain();
        }

        assertEquals("survivor\n", httpFromHost("127.0.0.1", port).ok().out(), "after the daemon is back");
        assertEquals(ipY, ipOn(y, n1));
        runSh(List.of("--network", n1), "ping -c1 -W2 " + y).ok();
        inNetnsOf(x, "busybox ping -c1 -W2 " + ipY).ok();
        assertTrue(RunBasicsE2EIT.eventually(() -> e.docker("inspect", "-f", "{{.State.Status}}", doomed).out().trim().equals("exited"),
                10_000), "the container that died while the daemon was down is exited");
        assertTrue(RunBasicsE2EIT.eventually(() -> !hostLinkNames().contains(doomedEnd.substring(doomedEnd.indexOf(':') + 1)), 10_000),
                "its veth is gone: " + doomedEnd);
        assertEquals(List.of(), e.ownedRules().stream().filter(l -> l.contains(doomedIp + "/") || l.contains(doomedIp + ":")
                || l.contains("--dport " + doomedPort + " ")).toList(), "no firewall rule of it is left");
        assertNotEquals(0, httpFromHost("127.0.0.1", doomedPort).code(), "its port is no longer published");
        assertEquals(handles - 1, e.netnsHandles().size(), "its netns handle is gone: " + e.netnsHandles());
        if (!e.legacy()) {
            // like any stopped container; dockerd 20.10 (observed) keeps showing the address it had
            assertEquals("", e.docker("inspect", "-f", "{{.NetworkSettings.IPAddress}}", doomed).ok().out().trim(),
                    "the container that died while the daemon was down has no address");
        }
    }

    private static String sleeper(String name, String network) throws Exception {
        e.docker("run", "-d", "--name", name, "--network", network, "busybox", "sleep", "600").ok();
        return name;
    }
}
