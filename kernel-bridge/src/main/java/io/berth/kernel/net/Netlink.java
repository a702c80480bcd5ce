package io.berth.kernel.net;

import io.berth.kernel.Errno;
import io.berth.kernel.KernelException;
import io.berth.kernel.Syscalls;
import java.io.IOException;
import java.net.Inet4Address;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * An rtnetlink socket in one network namespace: lists and changes links, IPv4 addresses and the default
 * route there, without forking {@code ip}. Each call is one request and its answer (plus a lookup of an
 * index where the kernel wants one), a few tens of microseconds.
 *
 * <p>Links are named by their names; a missing one fails with ENODEV and its name in the message.
 * Every failure is a {@link KernelException} whose message names the operation and the links, then the
 * errno and the kernel's own explanation when it gives one:
 * {@code "add veth vethab12 peer eth0: File exists (EEXIST)"}.
 *
 * <p>Not thread-safe: open, do a few operations, close.
 */
public final class Netlink implements AutoCloseable {

    private final NetlinkSocket socket;

    private Netlink(NetlinkSocket socket) {
        this.socket = socket;
    }

    /**
     * A socket in the calling thread's network namespace: the daemon's own (the host's), except inside
     * {@link NetNs#call}, where it is the namespace being worked in.
     */
    public static Netlink open() throws IOException {
        return new Netlink(NetlinkSocket.open());
    }

    /** A socket in the network namespace held at {@code netnsHandle}; it stays there after the call. */
    public static Netlink openIn(Path netnsHandle) throws IOException {
        return NetNs.call(netnsHandle, Netlink::open);
    }

    /** Every link of the namespace (an RTM_GETLINK dump). */
    public List<Link> links() throws IOException {
        return socket.dump(RtMessages.dumpLinks(socket.writer()), "list links", RtMessages::link);
    }

    /** The link called {@code name}, or empty. */
    public Optional<Link> link(String name) throws IOException {
        try {
            return socket.get(RtMessages.getLink(socket.writer(), name), "get link " + name, RtMessages::link);
        } catch (KernelException e) {
            if (e.is(Errno.ENODEV)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Creates a bridge; one that exists already is fine, another kind of link by that name is not. */
    public void addBridge(String name) throws IOException {
        String operation = "add bridge " + name;
        try {
            socket.ack(RtMessages.newLink(socket.writer(), name, "bridge"), operation);
        } catch (KernelException e) {
            if (!e.is(Errno.EEXIST)) {
                throw e;
            }
            String kind = link(name).map(Link::kind).orElse("");
            if (!kind.equals("bridge")) {
                throw new KernelException(operation, e.errno(),
                        name + " is a " + (kind.isEmpty() ? "device" : kind) + " link, not a bridge");
            }
        }
    }

    /**
     * Creates a veth pair: {@code name} in this namespace and its peer {@code peerName} directly inside
     * the namespace held at {@code peerNetns} (so it never appears here, even for a moment). Fails with
     * EEXIST when either name is taken on its side.
     */
    public void addVethPair(String name, String peerName, Path peerNetns) throws IOException {
        addVeth("add veth " + name + " peer " + peerName, peerNetns,
                fd -> RtMessages.newVeth(socket.writer(), name, peerName, fd));
    }

    /**
     * As {@link #addVethPair(String, String, Path)}, in the same single request: {@code name} becomes a
     * port of {@code bridge} and comes up, the peer gets MAC {@code peerMac} (it stays down: bring it up
     * from its namespace). What a container's endpoint needs on the host, in one round trip, not four.
     */
    public void addVethPair(String name, String peerName, Path peerNetns, String bridge, byte[] peerMac)
            throws IOException {
        String operation = "add veth " + name + " peer " + peerName + " on " + bridge;
        if (peerMac.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, not " + peerMac.length);
        }
        int bridgeIndex = indexOf(bridge, operation);
        addVeth(operation, peerNetns, fd -> RtMessages.newVeth(socket.writer(), name, peerName, fd, bridgeIndex, peerMac, true));
    }

    /** Sends the veth request {@code request} builds for the namespace open at a file descriptor. */
    private void addVeth(String operation, Path peerNetns, java.util.function.IntFunction<MessageWriter> request)
            throws IOException {
        int netnsFd;
        try {
            netnsFd = Syscalls.open(peerNetns, Syscalls.O_RDONLY);
        } catch (KernelException e) {
            throw new KernelException(operation, e.errno(), "network namespace " + peerNetns);
        }
        try {
            socket.ack(request.apply(netnsFd), operation);
        } finally {
            Syscalls.close(netnsFd);
        }
    }

    /**
     * Puts a link made ahead of time to use, in one request: renames {@code link} (which must be down)
     * to {@code newName}, makes it a port of {@code bridge}, sets its alias and brings it up.
     */
    public void renameAndAttach(String link, String newName, String bridge, String alias) throws IOException {
        String operation = "rename " + link + " to " + newName + " on " + bridge;
        int index = indexOf(link, operation);
        int bridgeIndex = indexOf(bridge, operation);
        socket.ack(RtMessages.renameAndAttach(socket.writer(), index, newName, bridgeIndex, alias), operation);
    }

    /** Sets IFLA_IFALIAS, which berth uses to mark what it owns ({@code berth:<daemonId>:...}); "" clears it. */
    public void setAlias(String link, String alias) throws IOException {
        // sent without a NUL: the kernel stores exactly the bytes it gets and adds the terminator
        changeLink(RtMessages.setLink(socket.writer(), link, 0, 0)
                .attr(Rtnl.IFLA_IFALIAS, alias.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                "set alias of " + link, link);
    }

    /** Makes {@code link} a port of {@code bridge}. */
    public void setMaster(String link, String bridge) throws IOException {
        String operation = "set master of " + link + " to " + bridge;
        int bridgeIndex = indexOf(bridge, operation);
        changeLink(RtMessages.setLink(socket.writer(), link, 0, 0).attrU32(Rtnl.IFLA_MASTER, bridgeIndex),
                operation, link);
    }

    /** Brings the link administratively up. */
    public void setUp(String link) throws IOException {
        changeLink(RtMessages.setLink(socket.writer(), link, Rtnl.IFF_UP, Rtnl.IFF_UP), "set up " + link, link);
    }

    /** Sets the hardware address (6 bytes). */
    public void setMac(String link, byte[] mac) throws IOException {
        if (mac.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, not " + mac.length);
        }
        changeLink(RtMessages.setLink(socket.writer(), link, 0, 0).attr(Rtnl.IFLA_ADDRESS, mac),
                "set mac of " + link + " to " + RtMessages.mac(mac), link);
    }

    public void setMtu(String link, int mtu) throws IOException {
        changeLink(RtMessages.setLink(socket.writer(), link, 0, 0).attrU32(Rtnl.IFLA_MTU, mtu),
                "set mtu of " + link + " to " + mtu, link);
    }

    /**
     * Sets hairpin mode on a bridge port: the bridge may send a frame back out of the port it came in
     * by, which a container needs to reach its own published port through the host's address.
     */
    public void setHairpin(String bridgePort, boolean on) throws IOException {
        String operation = "set hairpin " + (on ? "on" : "off") + " on " + bridgePort;
        socket.ack(RtMessages.setBridgePortHairpin(socket.writer(), indexOf(bridgePort, operation), on), operation);
    }

    /** Whether {@code bridgePort} is a bridge port in hairpin mode (false for a link that is no port). */
    public boolean hairpin(String bridgePort) throws IOException {
        String operation = "get hairpin of " + bridgePort;
        return socket.get(RtMessages.getLink(socket.writer(), bridgePort), operation, RtMessages::hairpin)
                .orElse(false);
    }

    /** Adds an IPv4 address with its broadcast address; the same address already there is fine. */
    public void addAddress(String link, Inet4Address address, int prefixLength) throws IOException {
        Address wanted = new Address(address, prefixLength);
        String operation = "add address " + wanted + " to " + link;
        int index = indexOf(link, operation);
        try {
            socket.ack(RtMessages.newAddress(socket.writer(), index, address, prefixLength), operation);
        } catch (KernelException e) {
            if (!e.is(Errno.EEXIST)) {
                throw e;
            }
        }
    }

    /** The IPv4 addresses of {@code link}. */
    public List<Address> addresses(String link) throws IOException {
        String operation = "list addresses of " + link;
        int index = indexOf(link, operation);
        return socket.dump(RtMessages.dumpAddresses(socket.writer()), operation, msg -> {
            RtMessages.LinkAddress a = RtMessages.address(msg);
            return a != null && a.linkIndex() == index ? a.address() : null;
        });
    }

    /**
     * Adds {@code default via gateway} to the main table. A default route via the same gateway is fine;
     * one via another gateway fails with EEXIST, naming it.
     */
    public void addDefaultRoute(Inet4Address gateway) throws IOException {
        String operation = "add default route via " + gateway.getHostAddress();
        try {
            socket.ack(RtMessages.newDefaultRoute(socket.writer(), gateway), operation);
        } catch (KernelException e) {
            if (!e.is(Errno.EEXIST)) {
                throw e;
            }
            Optional<Inet4Address> present = defaultGateway();
            if (!present.equals(Optional.of(gateway))) {
                throw new KernelException(operation, e.errno(), "the default route is via "
                        + present.map(Inet4Address::getHostAddress).orElse("no gateway"));
            }
        }
    }

    /** The gateway of the main table's IPv4 default route, or empty. */
    public Optional<Inet4Address> defaultGateway() throws IOException {
        return socket.dump(RtMessages.dumpRoutes(socket.writer()), "list routes", RtMessages::defaultGateway)
                .stream().findFirst();
    }

    /**
     * Deletes the link (a veth takes its peer with it); a link that does not exist is fine. This waits
     * for the kernel to unregister the device, ~25 ms here; to tear a container down, deleting its
     * namespace ({@link NetNs#delete}, ~1 ms) is enough: the kernel then destroys the veth pair whose
     * end is inside, shortly after.
     */
    public void deleteLink(String name) throws IOException {
        try {
            socket.ack(RtMessages.deleteLink(socket.writer(), name), "delete link " + name);
        } catch (KernelException e) {
            if (!e.is(Errno.ENODEV)) {
                throw e;
            }
        }
    }

    /**
     * Deletes the link with this index, if it still exists: unlike a name, an index is never given to
     * another link, so a deletion done later (in the background) cannot hit a new link of the same name.
     */
    public void deleteLink(int index) throws IOException {
        try {
            socket.ack(RtMessages.deleteLink(socket.writer(), index), "delete link " + index);
        } catch (KernelException e) {
            if (!e.is(Errno.ENODEV)) {
                throw e;
            }
        }
    }

    @Override
    public void close() {
        socket.close();
    }

    /** Sends a change of the link called {@code link}; a missing link says so. */
    private void changeLink(MessageWriter request, String operation, String link) throws IOException {
        try {
            socket.ack(request, operation);
        } catch (KernelException e) {
            throw e.is(Errno.ENODEV) ? noSuchLink(operation, link) : e;
        }
    }

    private int indexOf(String link, String operation) throws IOException {
        return link(link).orElseThrow(() -> noSuchLink(operation, link)).index();
    }

    private static KernelException noSuchLink(String operation, String link) {
        return new KernelException(operation, Errno.ENODEV.number(), "no link " + link);
    }
}
