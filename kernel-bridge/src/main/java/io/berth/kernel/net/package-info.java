/**
 * Container networking from Java without forking {@code ip}: network namespaces held by handle files
 * ({@link io.berth.kernel.net.NetNs}), rtnetlink requests for links, addresses and the default route
 * ({@link io.berth.kernel.net.Netlink}) and /proc/sys ({@link io.berth.kernel.net.Sysctl}).
 *
 * <p>How a container gets its network, from the daemon's side:
 * <pre>
 * NetNs.create(handle)                              the container's namespace, loopback up
 * try (Netlink host = Netlink.open()) {
 *     host.addBridge("br-1a2b")                     once per network
 *     host.addVethPair("veth1a2b3c", "eth0", handle) the peer is born inside the namespace
 *     host.setAlias("veth1a2b3c", "berth:&lt;daemonId&gt;:...")
 *     host.setMaster("veth1a2b3c", "br-1a2b")
 *     host.setUp("veth1a2b3c")
 * }
 * try (Netlink inside = Netlink.openIn(handle)) {
 *     inside.setMac("eth0", mac); inside.addAddress("eth0", ip, 16);
 *     inside.setUp("eth0"); inside.addDefaultRoute(gateway)
 * }
 * </pre>
 * About 3 ms in all on a shared 2-core machine (NetlinkRootIT prints the figure), against ~7 ms for
 * each {@code ip -n} process.
 *
 * <p>Threads: a socket lives in the namespace of the thread that created it. Only one thread of the
 * daemon ever changes namespace, the one behind {@link io.berth.kernel.net.NetNs#call}; every other
 * thread stays in the host's, so {@link io.berth.kernel.net.Netlink#open} is the host's namespace
 * everywhere except inside such a call.
 */
package io.berth.kernel.net;
