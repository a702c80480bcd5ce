package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Base of the network end-to-end classes: one {@link NetworkEngine} per class (berthd, or dockerd in a
 * network namespace with -Dberth.it.engine=dockerd) with the busybox image, started with
 * {@code --dns <address>} pointing at an {@link UpstreamDns} the class runs on the host side (it answers
 * {@value #UPSTREAM_NAME} with {@value #UPSTREAM_ANSWER} and NXDOMAIN otherwise), so that no name a test
 * looks up leaves the machine.
 *
 * <p>After each test every container and user network is removed, and the host side is checked: the
 * daemon's firewall rules and netns handles are those from before the test, nothing is enslaved to the
 * default bridge, the veths that were on the daemon's bridges are gone, and no host address is left in a
 * removed network's subnet. A leftover fails the test.
 *
 * <p>The tests look into a container without {@code docker exec} (which berth does not serve yet): a
 * container prints what it sees as its own command ({@link #awaitReady}), or a host-side tool runs in its
 * network namespace ({@link #inNetnsOf}); names are resolved by throwaway containers on the network.
 */
@ExtendWith(NetworkE2E.PrintEngineLogOnFailure.class)
abstract class NetworkE2E {

    static final String UPSTREAM_NAME = "upstream.test";
    static final String UPSTREAM_ANSWER = "10.99.99.99";
    static final Set<String> PREDEFINED_NETWORKS = Set.of("bridge", "host", "none");

    protected static NetworkEngine e;
    /** The daemon's upstream DNS server ({@code --dns}), on {@code upstreamAddress(1)}. */
    protected static BerthDaemon.Bg upstream;
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final int SUBNET_BASE = ThreadLocalRandom.current().nextInt(200);

    private HostPicture before;

    @BeforeAll
    static void startEngine() throws Exception {
        e = NetworkEngine.start("--dns", NetworkEngine.upstreamAddress(1));
        e.docker("import", BerthDaemon.busyboxTar().toString(), "busybox:latest").ok();
        upstream = startUpstreamDns(1, UPSTREAM_NAME + "=" + UPSTREAM_ANSWER);
        // a first container on the default bridge, so that the rules berth makes for it on first use (and
        // keeps) are part of every test's "before" picture
        e.docker("run", "--rm", "busybox", "true").ok();
    }

    @AfterAll
    static void stopEngine() throws Exception {
        NetworkEngine engine = e;
        e = null;
        try (BerthDaemon.Bg dns = upstream) {
            upstream = null;
        } finally {
            if (engine != null) {
                engine.close();
            }
        }
    }

    @BeforeEach
    void pictureTheHostSide() throws Exception {
        before = HostPicture.take();
    }

    @AfterEach
    void removeWhatTheTestMadeAndCheckTheHostSide() throws Exception {
        if (e == null) {
            return;
        }
        StringBuilder left = new StringBuilder();
        List<String> networks = userNetworks();
        List<String> subnets = new ArrayList<>();
        Set<String> veths = new TreeSet<>();
        try {
            // the veths on the daemon's bridges, looked at before removing the containers and networks
            veths.addAll(linksEnslavedTo(defaultBridgeDevice()));
            for (String n : networks) {
                String subnet = subnetOf(n);
                subnets.add(subnet);
                for (String bridge : hostDevicesIn(subnet)) {
                    veths.addAll(linksEnslavedTo(bridge));
                }
            }
        } finally {
            removeAllContainers();
            for (String n : networks) {
                BerthDaemon.Result rm = e.docker("network", "rm", n);
                if (rm.code() != 0) {
                    left.append("network rm ").append(n).append(" failed: ").append(rm.err()).append('\n');
                }
            }
        }
        HostPicture after = HostPicture.take();
        if (!after.rules.equals(before.rules)) {
            left.append("firewall rules before:\n").append(String.join("\n", before.rules)).append("\nafter:\n")
                    .append(String.join("\n", after.rules)).append('\n');
        }
        if (!after.netnsHandles.equals(before.netnsHandles)) {
            left.append("netns handles before: ").append(before.netnsHandles).append(", after: ").append(after.netnsHandles)
                    .append('\n');
        }
        List<String> enslaved = linksEnslavedTo(defaultBridgeDevice());
        if (!enslaved.isEmpty()) {
            left.append("links still on the default bridge: ").append(enslaved).append('\n');
        }
        Set<String> links = hostLinkNames();
        for (String veth : veths) {
            if (links.contains(veth)) {
                left.append("veth still on the host side: ").append(veth).append('\n');
            }
        }
        for (String subnet : subnets) {
            for (String dev : hostDevicesIn(subnet)) {
                left.append("a host link still has an address in removed ").append(subnet).append(": ").append(dev).append('\n');
            }
        }
        assertEquals("", left.toString(), "left on the " + e.name() + " host side after removing the test's containers and networks");
    }

    /** What of the daemon's is on the host side at one moment. */
    record HostPicture(List<String> rules, List<String> netnsHandles) {
        static HostPicture take() throws Exception {
            // sorted: a restarted daemon may put its rules back in another order
            return new HostPicture(e.ownedRules().stream().sorted().toList(), e.netnsHandles().stream().sorted().toList());
        }
    }

    static void removeAllContainers() throws Exception {
        String ids = e.docker("ps", "-aq").ok().out().trim();
        if (!ids.isEmpty()) {
            List<String> rm = new ArrayList<>(List.of("rm", "-f"));
            rm.addAll(Arrays.asList(ids.split("\\s+")));
            e.docker(rm.toArray(String[]::new)).ok();
        }
    }

    /** Names of the networks other than bridge, host and none. */
    static List<String> userNetworks() throws Exception {
        return e.docker("network", "ls", "--format", "{{.Name}}").ok().out().lines()
                .filter(n -> !PREDEFINED_NETWORKS.contains(n)).toList();
    }

    // ---- names, subnets, addresses ----

    /** A container or network name unique in the JVM. */
    static String name(String prefix) {
        return prefix + "-" + SEQ.incrementAndGet();
    }

    /**
     * A /24 in 172.29.0.0/16 that no route on the host side touches and no network of the daemon holds
     * (the classes take them in turn from a random start, so that runs side by side rarely meet).
     */
    static String freeSubnet() throws Exception {
        String routes = e.host("ip -4 route show table all").ok().out();
        List<String> inspect = new ArrayList<>(List.of("network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}} {{end}}"));
        inspect.addAll(Arrays.asList(e.docker("network", "ls", "-q").ok().out().trim().split("\\s+")));
        String taken = e.docker(inspect.toArray(String[]::new)).ok().out();
        for (int i = 0; i < 256; i++) {
            String subnet = "172.29." + (SUBNET_BASE + SEQ.incrementAndGet()) % 256 + ".0/24";
            String net = subnet.substring(0, subnet.indexOf('/'));
            if (!routes.contains(net.substring(0, net.length() - 1)) && !taken.contains(subnet)) {
                return subnet;
            }
        }
        throw new AssertionError("no free /24 in 172.29.0.0/16 on the host side:\n" + routes);
    }

    /** The address {@code n} (1..254) of a /24 written "a.b.c.0/24". */
    static String addressIn(String subnet24, int n) {
        return subnet24.substring(0, subnet24.lastIndexOf(".0/")) + "." + n;
    }

    static boolean inSubnet(String ip, String cidr) {
        String[] parts = cidr.split("/");
        int bits = Integer.parseInt(parts[1]);
        int mask = bits == 0 ? 0 : -1 << (32 - bits);
        return (ipv4(ip) & mask) == (ipv4(parts[0]) & mask);
    }

    static int ipv4(String ip) {
        int v = 0;
        for (String octet : ip.split("\\.")) {
            v = v << 8 | Integer.parseInt(octet);
        }
        return v;
    }

    static String subnetOf(String network) throws Exception {
        return e.docker("network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}}{{end}}", network).ok().out().trim();
    }

    /** The host-side link holding an IPv4 address inside {@code subnet} (a network's bridge), if any. */
    static Optional<String> hostDeviceIn(String subnet) throws Exception {
        return hostDevicesIn(subnet).stream().findFirst();
    }

    /** The host-side links holding an IPv4 address inside {@code subnet}. */
    static List<String> hostDevicesIn(String subnet) throws Exception {
        List<String> devices = new ArrayList<>();
        for (String line : e.host("ip -o -4 addr show").ok().out().lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 3 && f[2].equals("inet") && inSubnet(f[3].substring(0, f[3].indexOf('/')), subnet)) {
                devices.add(f[1]);
            }
        }
        return devices;
    }

    /** The default bridge's device on the host side (its option com.docker.network.bridge.name). */
    static String defaultBridgeDevice() throws Exception {
        String device = e.docker("network", "inspect", "-f", "{{index .Options \"com.docker.network.bridge.name\"}}", "bridge")
                .ok().out().trim();
        assertTrue(device.matches("[\\w.-]{1,15}"), "the default bridge's device name: " + device);
        return device;
    }

    /** The first IPv4 address in {@code ip addr} output. */
    static String address(String ipAddrOutput) {
        Matcher m = Pattern.compile("inet (\\d+\\.\\d+\\.\\d+\\.\\d+)/").matcher(ipAddrOutput);
        assertTrue(m.find(), "no IPv4 address in: " + ipAddrOutput);
        return m.group(1);
    }

    /** Names of the host-side links whose master is {@code device}; none when there is no such device. */
    static List<String> linksEnslavedTo(String device) throws Exception {
        if (!hostLinkNames().contains(device)) {
            return List.of();
        }
        return e.host("ip -o link show master " + device).ok().out().lines()
                .map(l -> l.split(":\\s+")[1].replaceAll("@.*", "")).toList();
    }

    static Set<String> hostLinkNames() throws Exception {
        Set<String> names = new TreeSet<>();
        for (String l : e.host("ip -o link show").ok().out().lines().toList()) {
            names.add(l.split(":\\s+")[1].replaceAll("@.*", ""));
        }
        return names;
    }

    /**
     * The host-side end of a container's {@code eth} interface, "index:name" (found by the interface's
     * peer index, "ethN@ifINDEX" in the container's namespace).
     */
    static String hostEndOf(String container, String eth) throws Exception {
        String inside = inNetnsOf(container, "ip -o link show " + eth).ok().out();
        Matcher peer = Pattern.compile(": " + eth + "@if(\\d+):").matcher(inside);
        assertTrue(peer.find(), "the peer index of " + container + "'s " + eth + ": " + inside);
        for (String l : e.host("ip -o link show").ok().out().lines().toList()) {
            String[] f = l.split(":\\s+");
            if (f[0].trim().equals(peer.group(1))) {
                return peer.group(1) + ":" + f[1].replaceAll("@.*", "");
            }
        }
        throw new AssertionError("no host-side link with index " + peer.group(1) + " (the peer of " + container + "'s " + eth + ")");
    }

    // ---- containers ----

    /** A container's address on a network. */
    static String ipOn(String container, String network) throws Exception {
        return e.docker("inspect", "-f", "{{(index .NetworkSettings.Networks \"" + network + "\").IPAddress}}", container)
                .ok().out().trim();
    }

    /**
     * A host-side command run in a container's network namespace ({@code nsenter -n}): what the container
     * sees of its network, at any moment, without {@code docker exec}.
     */
    static BerthDaemon.Result inNetnsOf(String container, String command) throws Exception {
        String pid = e.docker("inspect", "-f", "{{.State.Pid}}", container).ok().out().trim();
        return e.host("nsenter -t " + pid + " -n " + command);
    }

    /** A throwaway container ({@code run --rm}) with the given docker flags running {@code sh -c SCRIPT}. */
    static BerthDaemon.Result runSh(List<String> flags, String script) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("run", "--rm"));
        cmd.addAll(flags);
        cmd.addAll(List.of("busybox", "sh", "-c", script));
        return e.docker(cmd.toArray(String[]::new));
    }

    /**
     * Starts a detached busybox httpd answering {@code body} on port 80, with the given docker flags, and
     * waits until it listens. Returns the container's id.
     */
    static String webServer(String name, String body, String... flags) throws Exception {
        return webServerThrough("docker", name, body, flags);
    }

    static String webServerThrough(String client, String name, String body, String... flags) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("run", "-d", "--name", name));
        cmd.addAll(Arrays.asList(flags));
        cmd.addAll(List.of("busybox", "sh", "-c", "mkdir -p /www && echo " + body + " > /www/index.html"
                + " && { httpd -f -h /www -p 80 & } && " + READY_WHEN_LISTENING.formatted("-ltn", 80) + " && wait"));
        String id = e.client(client, cmd.toArray(String[]::new)).ok().out().trim();
        awaitReady(name);
        return id;
    }

    /** Shell: waits until something listens on the port (netstat FLAGS, PORT), then prints "ready". */
    static final String READY_WHEN_LISTENING = "until netstat %s | grep -q ':%d '; do sleep 0.05; done; echo ready";

    /** Waits until a container's log holds the line "ready". */
    static void awaitReady(String container) throws Exception {
        assertTrue(RunBasicsE2EIT.eventually(() -> e.docker("logs", container).out().contains("ready\n"), 10_000),
                container + " is not ready: " + e.docker("logs", container).all());
    }

    /** An HTTP GET from the host side (curl, 5 s): the body on success. */
    static BerthDaemon.Result httpFromHost(String ip, int port) throws Exception {
        return e.host("curl -sS -m 5 http://" + ip + ":" + port + "/");
    }

    /** An HTTP GET from a throwaway container on {@code network} (busybox nc, 3 s); the response is in out. */
    static BerthDaemon.Result httpFromContainer(String network, String ip, int port) throws Exception {
        return runSh(List.of("--network", network), "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 " + ip + " " + port);
    }

    /** A TCP port free on the host side now. */
    static int freePort() throws Exception {
        String script = "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])";
        return Integer.parseInt(e.host("/usr/bin/python3 -c \"" + script + "\"").ok().out().trim());
    }

    // ---- DNS ----

    /** Starts an {@link UpstreamDns} on {@code NetworkEngine.upstreamAddress(k)} answering {@code names} (NAME=IP). */
    static BerthDaemon.Bg startUpstreamDns(int k, String... names) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), UpstreamDns.class.getName(), NetworkEngine.upstreamAddress(k)));
        cmd.addAll(Arrays.asList(names));
        BerthDaemon.Bg dns = e.hostBackground(cmd);
        if (!dns.awaitOut("ready\n", 20_000)) {
            String why = dns.out() + dns.err();
            dns.close();
            fail("the upstream DNS server on " + NetworkEngine.upstreamAddress(k) + " did not start: " + why);
        }
        return dns;
    }

    static final class PrintEngineLogOnFailure implements TestWatcher {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            NetworkEngine engine = e;
            if (engine != null) {
                System.err.println("==== " + context.getDisplayName() + " failed; " + engine.name() + " log (last 120 lines) of "
                        + engine.root() + ":\n" + engine.logTail(120) + "\n==== end of " + engine.name() + " log");
            }
        }

        @Override
        public void testAborted(ExtensionContext context, Throwable cause) {
            testFailed(context, cause);
        }

        @Override
        public void testDisabled(ExtensionContext context, Optional<String> reason) {
            // nothing
        }
    }
}
