package io.berth.kernel.net;

/**
 * The numbers of the rtnetlink protocol that berth uses, from the kernel's uapi headers (stable ABI):
 * linux/netlink.h, rtnetlink.h, if_link.h, if_addr.h, veth.h, socket.h and if.h.
 */
final class Rtnl {

    private Rtnl() {
    }

    static final int NETLINK_ROUTE = 0;
    static final int SOL_NETLINK = 270;
    /** Errors do not echo the whole request back, only its header. */
    static final int NETLINK_CAP_ACK = 10;
    /** Errors carry the kernel's explanation as text (NLMSGERR_ATTR_MSG). */
    static final int NETLINK_EXT_ACK = 11;

    // struct nlmsghdr: u32 len, u16 type, u16 flags, u32 seq, u32 pid
    static final int NLMSG_HDRLEN = 16;
    static final int NLMSG_NOOP = 1;
    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;

    static final int NLM_F_REQUEST = 0x01;
    static final int NLM_F_MULTI = 0x02;
    static final int NLM_F_ACK = 0x04;
    /** The dump changed while it was taken: take it again. */
    static final int NLM_F_DUMP_INTR = 0x10;
    static final int NLM_F_DUMP = 0x300;
    static final int NLM_F_EXCL = 0x200;
    static final int NLM_F_CREATE = 0x400;
    /** On NLMSG_ERROR: only the header of the request is echoed (NETLINK_CAP_ACK). */
    static final int NLM_F_CAPPED = 0x100;
    /** On NLMSG_ERROR: attributes follow the echoed request. */
    static final int NLM_F_ACK_TLVS = 0x200;
    static final int NLMSGERR_ATTR_MSG = 1;

    // struct nlattr: u16 len, u16 type; the type's top bits are flags
    static final int NLA_HDRLEN = 4;
    static final int NLA_F_NESTED = 0x8000;
    static final int NLA_TYPE_MASK = 0x3fff;

    static final int RTM_NEWLINK = 16;
    static final int RTM_DELLINK = 17;
    static final int RTM_GETLINK = 18;
    static final int RTM_SETLINK = 19;
    static final int RTM_NEWADDR = 20;
    static final int RTM_GETADDR = 22;
    static final int RTM_NEWROUTE = 24;
    static final int RTM_GETROUTE = 26;

    static final int AF_UNSPEC = 0;
    static final int AF_INET = 2;
    static final int AF_BRIDGE = 7;

    // struct ifinfomsg: u8 family, u8 pad, u16 type, s32 index, u32 flags, u32 change
    static final int IFINFOMSG_LEN = 16;
    static final int IFF_UP = 0x1;
    static final int IFLA_ADDRESS = 1;
    static final int IFLA_IFNAME = 3;
    static final int IFLA_MTU = 4;
    static final int IFLA_MASTER = 10;
    static final int IFLA_PROTINFO = 12;
    static final int IFLA_LINKINFO = 18;
    static final int IFLA_IFALIAS = 20;
    static final int IFLA_NET_NS_FD = 28;
    static final int IFLA_INFO_KIND = 1;
    static final int IFLA_INFO_DATA = 2;
    static final int IFLA_INFO_SLAVE_KIND = 4;
    static final int IFLA_INFO_SLAVE_DATA = 5;
    static final int VETH_INFO_PEER = 1;
    /** Bridge port attribute (in IFLA_PROTINFO of AF_BRIDGE, or IFLA_INFO_SLAVE_DATA): hairpin mode, u8. */
    static final int IFLA_BRPORT_MODE = 4;

    // struct ifaddrmsg: u8 family, u8 prefixlen, u8 flags, u8 scope, u32 index
    static final int IFADDRMSG_LEN = 8;
    static final int IFA_ADDRESS = 1;
    static final int IFA_LOCAL = 2;
    static final int IFA_BROADCAST = 4;

    // struct rtmsg: u8 family, dst_len, src_len, tos, table, protocol, scope, type; u32 flags
    static final int RTMSG_LEN = 12;
    static final int RT_TABLE_MAIN = 254;
    static final int RTPROT_BOOT = 3;
    static final int RT_SCOPE_UNIVERSE = 0;
    static final int RTN_UNICAST = 1;
    static final int RTA_GATEWAY = 5;
    static final int RTA_TABLE = 15;
}
