package io.berth.kernel.net;

/**
 * One network interface as an RTM_GETLINK dump shows it.
 *
 * @param index the interface index, unique within its network namespace
 * @param name the interface name ({@code eth0}, {@code br-1a2b})
 * @param kind the rtnetlink kind ({@code "veth"}, {@code "bridge"}); {@code ""} for physical devices and loopback
 * @param alias IFLA_IFALIAS, which berth uses to mark what it owns; {@code ""} when unset
 * @param masterIndex the index of the bridge this interface is a port of; 0 for none
 * @param up whether the interface is administratively up (IFF_UP), whatever its carrier
 * @param mac the hardware address as lowercase {@code aa:bb:cc:dd:ee:ff}; {@code ""} when it has none
 * @param mtu the MTU in bytes
 */
public record Link(int index, String name, String kind, String alias, int masterIndex, boolean up, String mac,
                   int mtu) {
}
