package io.berth.kernel.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * The rtnetlink requests berth sends and the replies it reads, as pure functions of bytes. Requests that
 * act on a link by name set ifi_index 0 and IFLA_IFNAME, which the kernel resolves itself (one round trip
 * instead of two); the few that need an index (IFLA_MASTER, addresses, AF_BRIDGE settings) get it from
 * the caller. Replies are one message each, header included, at position 0 of the buffer.
 */
final class RtMessages {

    private RtMessages() {
    }

    // ---- requests

    static MessageWriter dumpLinks(MessageWriter m) {
        return m.header(Rtnl.RTM_GETLINK, Rtnl.NLM_F_DUMP).ifinfo(Rtnl.AF_UNSPEC, 0, 0, 0);
    }

    static MessageWriter getLink(MessageWriter m, String name) {
        return m.header(Rtnl.RTM_GETLINK, Rtnl.NLM_F_ACK).ifinfo(Rtnl.AF_UNSPEC, 0, 0, 0)
                .attr(Rtnl.IFLA_IFNAME, name);
    }

    /** A new link of {@code kind} that needs no kind-specific data (a bridge); fails if the name is taken. */
    static MessageWriter newLink(MessageWriter m, String name, String kind) {
        m.header(Rtnl.RTM_NEWLINK, Rtnl.NLM_F_ACK | Rtnl.NLM_F_CREATE | Rtnl.NLM_F_EXCL)
                .ifinfo(Rtnl.AF_UNSPEC, 0, 0, 0)
                .attr(Rtnl.IFLA_IFNAME, name);
        int info = m.nest(Rtnl.IFLA_LINKINFO);
        m.attr(Rtnl.IFLA_INFO_KIND, kind);
        return m.end(info);
    }

    /**
     * A veth pair: {@code name} in the socket's namespace, {@code peerName} in the namespace open at
     * {@code peerNetnsFd} (or beside it when the fd is negative). The peer's settings travel as a whole
     * ifinfomsg plus attributes inside VETH_INFO_PEER.
     */
    static MessageWriter newVeth(MessageWriter m, String name, String peerName, int peerNetnsFd) {
        return newVeth(m, name, peerName, peerNetnsFd, 0, null, false);
    }

    /**
     * A veth pair made ready in one request: {@code name} a port of the bridge with index
     * {@code masterIndex} (0: none) and up when {@code up}, the peer with MAC {@code peerMac} (null:
     * the kernel's). The peer stays down: asking for it up when it is created in another namespace
     * fails with ENOTCONN (kernel 6.18), so its own namespace brings it up.
     */
    static MessageWriter newVeth(MessageWriter m, String name, String peerName, int peerNetnsFd, int masterIndex,
                                 byte[] peerMac, boolean up) {
        int flags = up ? Rtnl.IFF_UP : 0;
        m.header(Rtnl.RTM_NEWLINK, Rtnl.NLM_F_ACK | Rtnl.NLM_F_CREATE | Rtnl.NLM_F_EXCL)
                .ifinfo(Rtnl.AF_UNSPEC, 0, flags, flags)
                .attr(Rtnl.IFLA_IFNAME, name);
        if (masterIndex > 0) {
            m.attrU32(Rtnl.IFLA_MASTER, masterIndex);
        }
        int info = m.nest(Rtnl.IFLA_LINKINFO);
        m.attr(Rtnl.IFLA_INFO_KIND, "veth");
        int data = m.nest(Rtnl.IFLA_INFO_DATA);
        int peer = m.open(Rtnl.VETH_INFO_PEER);
        m.ifinfo(Rtnl.AF_UNSPEC, 0, 0, 0).attr(Rtnl.IFLA_IFNAME, peerName);
        if (peerMac != null) {
            m.attr(Rtnl.IFLA_ADDRESS, peerMac);
        }
        if (peerNetnsFd >= 0) {
            m.attrU32(Rtnl.IFLA_NET_NS_FD, peerNetnsFd);
        }
        return m.end(peer).end(data).end(info);
    }

    /**
     * Changes the link called {@code name}: the flags in {@code change} become those in {@code flags}
     * (both 0 to leave them); the caller appends the attributes to set.
     */
    static MessageWriter setLink(MessageWriter m, String name, int flags, int change) {
        return m.header(Rtnl.RTM_SETLINK, Rtnl.NLM_F_ACK).ifinfo(Rtnl.AF_UNSPEC, 0, flags, change)
                .attr(Rtnl.IFLA_IFNAME, name);
    }

    /**
     * Renames the link with index {@code index} (it must be down) to {@code newName}, makes it a port of
     * the bridge with index {@code masterIndex}, sets its alias and brings it up: one request.
     */
    static MessageWriter renameAndAttach(MessageWriter m, int index, String newName, int masterIndex, String alias) {
        return m.header(Rtnl.RTM_SETLINK, Rtnl.NLM_F_ACK).ifinfo(Rtnl.AF_UNSPEC, index, Rtnl.IFF_UP, Rtnl.IFF_UP)
                .attr(Rtnl.IFLA_IFNAME, newName).attrU32(Rtnl.IFLA_MASTER, masterIndex)
                .attr(Rtnl.IFLA_IFALIAS, alias.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Sets the hairpin mode of a bridge port (what {@code bridge link set dev X hairpin on} does). */
    static MessageWriter setBridgePortHairpin(MessageWriter m, int portIndex, boolean on) {
        m.header(Rtnl.RTM_SETLINK, Rtnl.NLM_F_ACK).ifinfo(Rtnl.AF_BRIDGE, portIndex, 0, 0);
        // the bridge reads IFLA_PROTINFO as port attributes only when it is marked nested
        int protinfo = m.nest(Rtnl.IFLA_PROTINFO);
        m.attrU8(Rtnl.IFLA_BRPORT_MODE, on ? 1 : 0);
        return m.end(protinfo);
    }

    static MessageWriter deleteLink(MessageWriter m, String name) {
        return m.header(Rtnl.RTM_DELLINK, Rtnl.NLM_F_ACK).ifinfo(Rtnl.AF_UNSPEC, 0, 0, 0)
                .attr(Rtnl.IFLA_IFNAME, name);
    }

    static MessageWriter deleteLink(MessageWriter m, int index) {
        return m.header(Rtnl.RTM_DELLINK, Rtnl.NLM_F_ACK).ifinfo(Rtnl.AF_UNSPEC, index, 0, 0);
    }

    /** An IPv4 address with its broadcast address (none for /31 and /32, which have no broadcast). */
    static MessageWriter newAddress(MessageWriter m, int linkIndex, Inet4Address address, int prefixLength) {
        m.header(Rtnl.RTM_NEWADDR, Rtnl.NLM_F_ACK | Rtnl.NLM_F_CREATE | Rtnl.NLM_F_EXCL)
                .ifaddr(Rtnl.AF_INET, prefixLength, Rtnl.RT_SCOPE_UNIVERSE, linkIndex)
                .attr(Rtnl.IFA_LOCAL, address.getAddress())
                .attr(Rtnl.IFA_ADDRESS, address.getAddress());
        if (prefixLength < 31) {
            m.attr(Rtnl.IFA_BROADCAST, broadcast(address, prefixLength).getAddress());
        }
        return m;
    }

    static MessageWriter dumpAddresses(MessageWriter m) {
        return m.header(Rtnl.RTM_GETADDR, Rtnl.NLM_F_DUMP).ifaddr(Rtnl.AF_INET, 0, 0, 0);
    }

    /** {@code default via gateway} in the main table. */
    static MessageWriter newDefaultRoute(MessageWriter m, Inet4Address gateway) {
        return m.header(Rtnl.RTM_NEWROUTE, Rtnl.NLM_F_ACK | Rtnl.NLM_F_CREATE | Rtnl.NLM_F_EXCL)
                .rtmsg(Rtnl.AF_INET, 0, Rtnl.RT_TABLE_MAIN, Rtnl.RTPROT_BOOT, Rtnl.RT_SCOPE_UNIVERSE,
                        Rtnl.RTN_UNICAST)
                .attr(Rtnl.RTA_GATEWAY, gateway.getAddress());
    }

    static MessageWriter dumpRoutes(MessageWriter m) {
        return m.header(Rtnl.RTM_GETROUTE, Rtnl.NLM_F_DUMP)
                .rtmsg(Rtnl.AF_INET, 0, 0, 0, 0, 0);
    }

    // ---- replies

    /** An RTM_NEWLINK message (a dump entry or the answer to {@link #getLink}). */
    static Link link(ByteBuffer msg) {
        int body = Rtnl.NLMSG_HDRLEN;
        Attributes a = Attributes.parse(msg, body + Rtnl.IFINFOMSG_LEN, msg.getInt(0));
        return new Link(msg.getInt(body + 4),
                a.string(Rtnl.IFLA_IFNAME, ""),
                a.nested(Rtnl.IFLA_LINKINFO).string(Rtnl.IFLA_INFO_KIND, ""),
                a.string(Rtnl.IFLA_IFALIAS, ""),
                a.u32(Rtnl.IFLA_MASTER, 0),
                (msg.getInt(body + 8) & Rtnl.IFF_UP) != 0,
                mac(a.bytes(Rtnl.IFLA_ADDRESS)),
                a.u32(Rtnl.IFLA_MTU, 0));
    }

    /** Whether the link in an RTM_NEWLINK message is a bridge port in hairpin mode. */
    static boolean hairpin(ByteBuffer msg) {
        Attributes info = Attributes.parse(msg, Rtnl.NLMSG_HDRLEN + Rtnl.IFINFOMSG_LEN, msg.getInt(0))
                .nested(Rtnl.IFLA_LINKINFO);
        return "bridge".equals(info.string(Rtnl.IFLA_INFO_SLAVE_KIND, ""))
                && info.nested(Rtnl.IFLA_INFO_SLAVE_DATA).u8(Rtnl.IFLA_BRPORT_MODE, 0) == 1;
    }

    /** An IPv4 address of the link at {@code linkIndex}. */
    record LinkAddress(int linkIndex, Address address) {
    }

    /** An RTM_NEWADDR message, or null when it is not IPv4. */
    static LinkAddress address(ByteBuffer msg) {
        int body = Rtnl.NLMSG_HDRLEN;
        if (msg.get(body) != Rtnl.AF_INET) {
            return null;
        }
        Attributes a = Attributes.parse(msg, body + Rtnl.IFADDRMSG_LEN, msg.getInt(0));
        // IFA_LOCAL is the interface's own address; IFA_ADDRESS differs from it only on point-to-point links
        byte[] ip = a.has(Rtnl.IFA_LOCAL) ? a.bytes(Rtnl.IFA_LOCAL) : a.bytes(Rtnl.IFA_ADDRESS);
        if (ip == null || ip.length != 4) {
            return null;
        }
        return new LinkAddress(msg.getInt(body + 4), new Address(inet4(ip), msg.get(body + 1) & 0xff));
    }

    /** The gateway of an RTM_NEWROUTE message that is a default route of the main table, else null. */
    static Inet4Address defaultGateway(ByteBuffer msg) {
        int body = Rtnl.NLMSG_HDRLEN;
        Attributes a = Attributes.parse(msg, body + Rtnl.RTMSG_LEN, msg.getInt(0));
        int table = a.u32(Rtnl.RTA_TABLE, msg.get(body + 4) & 0xff);
        boolean isDefault = msg.get(body) == Rtnl.AF_INET && msg.get(body + 1) == 0
                && msg.get(body + 7) == Rtnl.RTN_UNICAST && table == Rtnl.RT_TABLE_MAIN;
        byte[] gateway = a.bytes(Rtnl.RTA_GATEWAY);
        return isDefault && gateway != null && gateway.length == 4 ? inet4(gateway) : null;
    }

    /**
     * The kernel's explanation in an NLMSG_ERROR message sent with NETLINK_EXT_ACK, or null. The error
     * payload is the errno, the echoed request (only its header when NLM_F_CAPPED), then attributes.
     */
    static String errorText(ByteBuffer msg) {
        int flags = msg.getShort(6) & 0xffff;
        if ((flags & Rtnl.NLM_F_ACK_TLVS) == 0) {
            return null;
        }
        int echoed = Rtnl.NLMSG_HDRLEN + 4;
        int echoedLength = (flags & Rtnl.NLM_F_CAPPED) != 0 ? Rtnl.NLMSG_HDRLEN : msg.getInt(echoed);
        int from = echoed + Attributes.align(echoedLength);
        return Attributes.parse(msg, from, msg.getInt(0)).string(Rtnl.NLMSGERR_ATTR_MSG, null);
    }

    // ---- values

    static String mac(byte[] address) {
        if (address == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(address.length * 3);
        for (byte x : address) {
            if (b.length() > 0) {
                b.append(':');
            }
            b.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
        }
        return b.toString();
    }

    static Inet4Address broadcast(Inet4Address address, int prefixLength) {
        int ip = ByteBuffer.wrap(address.getAddress()).getInt();
        int hostBits = prefixLength == 0 ? -1 : (1 << (32 - prefixLength)) - 1;
        return inet4(ByteBuffer.allocate(4).putInt(ip | hostBits).array());
    }

    private static Inet4Address inet4(byte[] four) {
        try {
            return (Inet4Address) InetAddress.getByAddress(four);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IPv4 address: " + four.length + " bytes", e);
        }
    }
}
