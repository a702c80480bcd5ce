package io.berth.network.bridge;

import io.berth.kernel.net.Link;
import io.berth.kernel.net.Netlink;
import io.berth.kernel.net.Sysctl;
import io.berth.plugin.DriverContext;
import io.berth.plugin.DriverStatus;
import io.berth.plugin.network.EndpointRequest;
import io.berth.plugin.network.EndpointSpec;
import io.berth.plugin.network.NetworkAttachment;
import io.berth.plugin.network.NetworkDriver;
import io.berth.plugin.network.NetworkSpec;
import io.berth.plugin.network.PortMapping;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pf4j.Extension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bridge networks, as Docker's bridge driver makes them: a Linux bridge per network holding the
 * gateway address, a veth pair per endpoint (the container's end inside its namespace with its address,
 * MAC and default route), IP forwarding, and iptables rules for NAT, published ports and isolation
 * ({@link Firewall}). Links are made over rtnetlink (no process per container); iptables runs only when
 * a network changes or an endpoint publishes ports.
 *
 * <p>Every host object carries this daemon's mark: links their alias "berth:&lt;daemon id&gt;:...", rules
 * chains named after the daemon id; {@link #reconcile} removes marked objects nothing accounts for.
 */
@Extension
public class BridgeNetworkDriver implements NetworkDriver {

    private static final Logger LOG = LoggerFactory.getLogger(BridgeNetworkDriver.class);
    static final String BRIDGE_NAME = "com.docker.network.bridge.name";

    private String daemonId;
    private Firewall firewall;
    private PortReservations ports;
    private String unusableReason = "";
    /**
     * What the rules are made from: the networks whose bridge exists (made by {@link #createNetwork}, or
     * found at {@link #reconcile}; a network's bridge is made when it is created or first used) and the
     * endpoints of this daemon.
     */
    private final Map<String, NetworkSpec> networks = new LinkedHashMap<>();
    private final Map<String, EndpointSpec> endpoints = new LinkedHashMap<>();
    /**
     * What was made ahead in prepared namespaces, by the namespace's inode: the host end of the veth
     * pair, and an rtnetlink socket already inside (so a join does not wait to enter the namespace).
     */
    private final Map<Long, Prepared> prepared = new java.util.concurrent.ConcurrentHashMap<>();

    private record Prepared(String hostEnd, Netlink inside) {}

    /** Deletes the veths of stopped containers in the background (see {@link #leaveDeleted}). */
    private final java.util.concurrent.ExecutorService unlinker = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "berth-bridge-unlink");
        t.setDaemon(true);
        return t;
    });

    @Override
    public String name() {
        return "bridge";
    }

    @Override
    public synchronized void init(DriverContext context) throws IOException {
        daemonId = context.daemonId();
        firewall = new Firewall(daemonId, Iptables.host());
        ports = new PortReservations();
        if (!Files.isExecutable(Path.of("/usr/sbin/iptables-restore")) && !Files.isExecutable(Path.of("/sbin/iptables-restore"))) {
            unusableReason = "iptables-restore is not installed (Debian package iptables)";
        }
    }

    @Override
    public DriverStatus status() {
        return unusableReason.isEmpty()
                ? DriverStatus.usable(name(), List.of(new DriverStatus.Detail("Scope", "local"),
                        new DriverStatus.Detail("Firewall", "iptables")))
                : DriverStatus.unusable(name(), unusableReason);
    }

    @Override
    public boolean managesNetworks() {
        return true;
    }

    @Override
    public NetworkAttachment attach(EndpointRequest request) {
        throw new UnsupportedOperationException("bridge networks are joined, not attached");
    }

    @Override
    public void detach(String containerId) {}

    // ---- networks ---------------------------------------------------------------------------------

    @Override
    public synchronized void createNetwork(NetworkSpec network) throws IOException {
        if (network.equals(networks.get(network.id()))) {
            return; // made by this driver since the daemon started (reconcile rechecks after a restart)
        }
        try (Netlink nl = Netlink.open()) {
            makeBridge(nl, network, bridgeName(network));
        }
        Sysctl.set("net.ipv4.ip_forward", "1");
        Sysctl.set("net.ipv4.conf." + bridgeName(network) + ".route_localnet", "1");
        networks.put(network.id(), network);
        applyRules();
    }

    private void makeBridge(Netlink nl, NetworkSpec network, String bridge) throws IOException {
        java.util.Optional<Link> existing = nl.link(bridge);
        if (existing.isPresent() && !existing.get().kind().equals("bridge")) {
            throw new IOException("cannot create network " + network.name() + ": " + bridge + " exists and is not a bridge");
        }
        if (existing.isPresent() && !existing.get().alias().isEmpty() && !existing.get().alias().equals(mark(network))) {
            throw new IOException("cannot create network " + network.name() + ": the bridge " + bridge
                    + " belongs to something else (" + existing.get().alias() + ")");
        }
        nl.addBridge(bridge);
        nl.setAlias(bridge, mark(network));
        nl.addAddress(bridge, address(network.gateway()), network.prefixLength());
        nl.setUp(bridge);
    }

    @Override
    public synchronized void deleteNetwork(NetworkSpec network) throws IOException {
        networks.remove(network.id());
        endpoints.values().removeIf(e -> e.networkId().equals(network.id()));
        applyRules();
        try (Netlink nl = Netlink.open()) {
            String bridge = bridgeName(network);
            if (nl.link(bridge).map(l -> mark(network).equals(l.alias())).orElse(false)) {
                nl.deleteLink(bridge);
            }
        }
    }

    // ---- endpoints --------------------------------------------------------------------------------

    @Override
    public synchronized void join(NetworkSpec network, EndpointSpec endpoint, Path netns) throws IOException {
        String owner = owner(endpoint);
        for (PortMapping p : network.internal() ? List.<PortMapping>of() : endpoint.ports()) {
            ports.reserve(owner, p, endpoint.address());
        }
        String hostEnd = vethName(endpoint);
        try {
            Prepared ahead = prepared.remove(inode(netns));
            try (Netlink nl = Netlink.open()) {
                nl.deleteLink(hostEnd); // a leftover of an interrupted join
                if (ahead != null && endpoint.interfaceName().equals("eth0") && nl.link(ahead.hostEnd()).isPresent()) {
                    nl.renameAndAttach(ahead.hostEnd(), hostEnd, bridgeName(network), mark(endpoint));
                } else {
                    if (ahead != null) {
                        ahead.inside().close();
                    }
                    ahead = null;
                    nl.addVethPair(hostEnd, endpoint.interfaceName(), netns, bridgeName(network), mac(endpoint.macAddress()));
                    nl.setAlias(hostEnd, mark(endpoint));
                }
                if (!endpoint.ports().isEmpty()) {
                    nl.setHairpin(hostEnd, true);
                }
            }
            try (Netlink inside = ahead != null ? ahead.inside() : Netlink.openIn(netns)) {
                if (ahead != null) {
                    inside.setMac(endpoint.interfaceName(), mac(endpoint.macAddress()));
                }
                inside.addAddress(endpoint.interfaceName(), address(endpoint.address()), network.prefixLength());
                inside.setUp(endpoint.interfaceName());
                if (endpoint.defaultRoute() && !network.internal()) {
                    inside.addDefaultRoute(address(network.gateway()));
                }
            }
            endpoints.put(owner, endpoint);
            if (!endpoint.ports().isEmpty() && !network.internal()) {
                applyRules();
            }
        } catch (IOException | RuntimeException e) {
            leave(network, endpoint);
            throw e;
        }
    }

    /**
     * Makes the veth pair of a namespace made ahead of time: the peer inside, the host end down and
     * outside any bridge, named "vsp" and 7 random hex digits, marked as a spare. Not synchronized: it
     * runs in the background while containers start.
     */
    @Override
    public void prepare(Path netns, String interfaceName) throws IOException {
        String name = "vsp" + String.format("%07x", java.util.concurrent.ThreadLocalRandom.current().nextInt(1 << 28));
        try (Netlink nl = Netlink.open()) {
            nl.addVethPair(name, interfaceName, netns);
            nl.setAlias(name, "berth:" + daemonId + ":spare");
        }
        Prepared old = prepared.put(inode(netns), new Prepared(name, Netlink.openIn(netns)));
        if (old != null) {
            old.inside().close();
        }
    }

    /** The endpoint's host end exists with its mark, is up and sits on the network's bridge. */
    @Override
    public boolean joined(NetworkSpec network, EndpointSpec endpoint) throws IOException {
        try (Netlink nl = Netlink.open()) {
            Link veth = nl.link(vethName(endpoint)).orElse(null);
            Link bridge = nl.link(bridgeName(network)).orElse(null);
            return veth != null && bridge != null && mark(endpoint).equals(veth.alias())
                    && veth.masterIndex() == bridge.index() && veth.up();
        }
    }

    private static long inode(Path netns) throws IOException {
        return ((Number) Files.getAttribute(netns, "unix:ino")).longValue();
    }

    @Override
    public synchronized void leave(NetworkSpec network, EndpointSpec endpoint) throws IOException {
        forget(endpoint);
        try (Netlink nl = Netlink.open()) {
            nl.deleteLink(vethName(endpoint));
        }
    }

    /**
     * The container's namespace is gone, and with it (shortly, in the kernel) the veth pair: deleting
     * the host end ourselves would wait ~25 ms for the device to unregister. It is deleted in the
     * background anyway, by index, for a namespace that another container's process keeps alive.
     */
    @Override
    public synchronized void leaveDeleted(NetworkSpec network, EndpointSpec endpoint) throws IOException {
        forget(endpoint);
        try (Netlink nl = Netlink.open()) {
            nl.link(vethName(endpoint)).ifPresent(link -> unlinker.execute(() -> {
                try (Netlink background = Netlink.open()) {
                    background.deleteLink(link.index());
                } catch (IOException e) {
                    LOG.warn("deleting {} of a stopped container failed: {}", link.name(), e.getMessage());
                }
            }));
        }
    }

    /** Frees the endpoint's host ports and drops it from the rules. */
    private void forget(EndpointSpec endpoint) throws IOException {
        String owner = owner(endpoint);
        EndpointSpec known = endpoints.remove(owner);
        ports.release(owner);
        if (known != null && !known.ports().isEmpty()) {
            applyRules();
        }
    }

    @Override
    public synchronized void reconcile(List<NetworkSpec> wanted, List<EndpointSpec> live) throws IOException {
        networks.clear();
        endpoints.clear();
        ports.releaseAll();
        List<String> keep = new ArrayList<>();
        try (Netlink nl = Netlink.open()) {
            for (NetworkSpec n : wanted) {
                String bridge = bridgeName(n);
                keep.add(bridge);
                boolean used = live.stream().anyMatch(e -> e.networkId().equals(n.id()));
                if (nl.link(bridge).isEmpty() && !used) {
                    continue; // made when first used
                }
                if (nl.link(bridge).isEmpty()) {
                    LOG.info("recreating the bridge {} of network {} for its running containers", bridge, n.name());
                }
                makeBridge(nl, n, bridge);
                Sysctl.set("net.ipv4.conf." + bridge + ".route_localnet", "1");
                networks.put(n.id(), n);
            }
            for (EndpointSpec e : live) {
                NetworkSpec n = networks.get(e.networkId());
                if (n == null) {
                    continue;
                }
                endpoints.put(owner(e), e);
                keep.add(vethName(e));
                for (PortMapping p : n.internal() ? List.<PortMapping>of() : e.ports()) {
                    try {
                        ports.reserve(owner(e), p, e.address());
                    } catch (IOException x) {
                        LOG.warn("cannot hold published port {} of {} again: {}", p, e.containerId(), x.getMessage());
                    }
                }
            }
            String ours = "berth:" + daemonId + ":";
            for (Link l : nl.links()) {
                if (l.alias().startsWith(ours) && !keep.contains(l.name())) {
                    LOG.warn("removing {} {} that no network or running container of this daemon accounts for", l.kind(), l.name());
                    nl.deleteLink(l.name());
                }
            }
        }
        if (!networks.isEmpty()) {
            Sysctl.set("net.ipv4.ip_forward", "1");
        }
        applyRules();
    }

    private void applyRules() throws IOException {
        if (networks.isEmpty()) {
            firewall.removeAll();
            return;
        }
        List<BridgedNetwork> nets = networks.values().stream().map(n -> new BridgedNetwork(n, bridgeName(n))).toList();
        firewall.apply(nets, List.copyOf(endpoints.values()));
    }

    // ---- names ------------------------------------------------------------------------------------

    /** The network's bridge device: its option, else "br-" and the id's first 12 characters, as Docker names them. */
    static String bridgeName(NetworkSpec network) {
        String named = network.options().getOrDefault(BRIDGE_NAME, "");
        return named.isEmpty() ? "br-" + network.id().substring(0, 12) : named;
    }

    /** The host end of an endpoint's veth pair: "veth" and 7 hex digits of the endpoint's hash, as Docker's look. */
    static String vethName(EndpointSpec endpoint) {
        return "veth" + hash(endpoint.containerId() + "/" + endpoint.networkId()).substring(0, 7);
    }

    private String mark(NetworkSpec network) {
        return "berth:" + daemonId + ":network:" + network.id().substring(0, 12);
    }

    private String mark(EndpointSpec endpoint) {
        return "berth:" + daemonId + ":endpoint:" + endpoint.containerId().substring(0, 12);
    }

    private static String owner(EndpointSpec endpoint) {
        return endpoint.containerId() + "/" + endpoint.networkId();
    }

    private static String hash(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Inet4Address address(String text) throws IOException {
        InetAddress a = InetAddress.getByName(text);
        if (!(a instanceof Inet4Address v4) || !text.matches("[0-9.]+")) {
            throw new IOException("not an IPv4 address: " + text);
        }
        return v4;
    }

    private static byte[] mac(String text) {
        String[] parts = text.split(":");
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return b;
    }
}
