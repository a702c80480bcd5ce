package io.berth.kernel.net;

import static io.berth.kernel.net.TestNamespaces.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import io.berth.kernel.KernelException;
import io.berth.kernel.Syscalls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Network namespace handles and the namespace thread, on the real kernel. */
class NetNsRootIT {

    /** 127.0.0.11:53 as /proc/net/udp prints a local address. */
    static final String DNS_ON_127_0_0_11 = "0B00007F:0035";

    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    @Test
    void createIsIdempotentKeepsTheNamespaceAndBringsLoopbackUp() throws IOException {
        Path ns = namespaces.create("a");
        assertTrue(NetNs.isNetNs(ns));
        String inode = namespaceOf(ns);
        try (Netlink netlink = Netlink.openIn(ns)) {
            assertTrue(netlink.link("lo").orElseThrow().up());
            netlink.addBridge("mark0");
        }
        NetNs.create(ns);
        assertEquals(inode, namespaceOf(ns));
        String links = ip(ns, "link");
        assertTrue(links.contains("mark0") && links.contains("lo: <LOOPBACK,UP,LOWER_UP>"), links);
        assertEquals(1, mountsAt(ns), "one mount, not one per create");
    }

    @Test
    void deleteIsIdempotentAndLeavesNothing() throws IOException {
        Path ns = namespaces.create("a");
        NetNs.delete(ns);
        NetNs.delete(ns);
        assertFalse(Files.exists(ns));
        assertFalse(NetNs.isNetNs(ns));
        assertEquals(0, mountsAt(ns));
    }

    @Test
    void aLeftOverHandleFileIsReusedAndPlainFilesAreNoNamespaces(@TempDir Path dir) throws IOException {
        Path stale = dir.resolve("netns/stale");
        Files.createDirectories(stale.getParent());
        Files.createFile(stale);
        assertFalse(NetNs.isNetNs(stale));
        assertFalse(NetNs.isNetNs(dir));
        try {
            NetNs.create(stale);
            assertTrue(NetNs.isNetNs(stale));
        } finally {
            NetNs.delete(stale);
        }
        assertFalse(Files.exists(stale));
    }

    /**
     * The handle works in a private parent and in a shared one; in a shared one it also appears in the
     * parent's peers (as /run/netns handles appear in other mount namespaces) and leaves them on delete.
     */
    @Test
    void handlesWorkInPrivateAndSharedParents(@TempDir Path dir) throws IOException {
        Path priv = dir.resolve("private");
        Path shared = dir.resolve("shared");
        Path peer = dir.resolve("peer");
        for (Path p : List.of(priv, shared, peer)) {
            Files.createDirectories(p);
        }
        try {
            Syscalls.mount("tmpfs", priv, "tmpfs", 0, null);
            Syscalls.mount(null, priv, null, Syscalls.MS_PRIVATE, null);
            Syscalls.mount("tmpfs", shared, "tmpfs", 0, null);
            Syscalls.mount(null, shared, null, Syscalls.MS_SHARED, null);
            Syscalls.mount(shared.toString(), peer, null, Syscalls.MS_BIND, null); // a peer of shared

            for (Path parent : List.of(priv, shared)) {
                Path ns = parent.resolve("ns");
                NetNs.create(ns);
                assertTrue(NetNs.isNetNs(ns), ns.toString());
                String devices = NetNs.call(ns, () -> Files.readString(Path.of("/proc/thread-self/net/dev")));
                assertTrue(devices.contains("lo:"), devices);
            }
            assertTrue(NetNs.isNetNs(peer.resolve("ns")), "the mount propagated to the peer");
            assertEquals(namespaceOf(shared.resolve("ns")), namespaceOf(peer.resolve("ns")));

            NetNs.delete(priv.resolve("ns"));
            NetNs.delete(shared.resolve("ns"));
            assertFalse(Files.exists(priv.resolve("ns")));
            assertFalse(Files.exists(peer.resolve("ns")), "the unmount propagated too");
        } finally {
            NetNs.delete(priv.resolve("ns"));
            NetNs.delete(shared.resolve("ns"));
            for (Path p : List.of(peer, shared, priv)) {
                if (mountsAt(p) > 0) {
                    Syscalls.umount2(p, Syscalls.MNT_DETACH);
                }
            }
        }
    }

    @Test
    void socketsOpenedInCallStayInTheNamespaceAndAreNotSeenOnTheHost() throws Exception {
        Path ns = namespaces.create("dns");
        InetSocketAddress dns = new InetSocketAddress("127.0.0.11", 53);
        // IPv4 sockets: the JDK's default is an IPv6 one, listed in udp6
        try (DatagramChannel server = NetNs.call(ns, () -> DatagramChannel.open(StandardProtocolFamily.INET).bind(dns));
             DatagramChannel client = NetNs.call(ns, () -> DatagramChannel.open(StandardProtocolFamily.INET))) {
            String inside = NetNs.call(ns, () -> Files.readString(Path.of("/proc/thread-self/net/udp")));
            assertTrue(inside.contains(DNS_ON_127_0_0_11), inside);
            assertFalse(Files.readString(Path.of("/proc/thread-self/net/udp")).contains(DNS_ON_127_0_0_11),
                    "127.0.0.11:53 is not bound on the host");
            String ss = TestNamespaces.run(List.of("ip", "netns", "exec", ns.getFileName().toString(), "ss", "-uln"));
            assertTrue(ss.contains("127.0.0.11:53"), ss);

            // the sockets are used from this (host) thread, after the namespace thread went back
            client.send(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)), dns);
            ByteBuffer got = ByteBuffer.allocate(16);
            server.receive(got);
            assertEquals("ping", new String(got.array(), 0, got.position(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void callEntersTheNamespaceAndTheThreadComesBack() throws IOException {
        Path a = namespaces.create("a");
        Path b = namespaces.create("b");
        String hostNs = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        assertEquals(hostNs, NamespaceThread.run(NetNsRootIT::threadNamespace));

        assertEquals(namespaceOf(a), NetNs.call(a, NetNsRootIT::threadNamespace));
        // a call inside a call runs inline on the same thread and returns to the outer namespace
        List<String> nested = NetNs.call(a, () -> List.of(
                NetNs.call(b, NetNsRootIT::threadNamespace), threadNamespace(), Thread.currentThread().getName()));
        assertEquals(namespaceOf(b), nested.get(0));
        assertEquals(namespaceOf(a), nested.get(1));
        assertTrue(nested.get(2).startsWith("berth-netns-"), nested.get(2));
        assertEquals(hostNs, NamespaceThread.run(NetNsRootIT::threadNamespace));
        assertNotEquals(hostNs, namespaceOf(a));
    }

    @Test
    void callFailuresAreThrownAndLeaveTheThreadUsable(@TempDir Path dir) throws IOException {
        Path ns = namespaces.create("a");
        Path missing = dir.resolve("missing");
        IOException gone = assertThrows(IOException.class, () -> NetNs.call(missing, () -> 1));
        assertEquals("enter network namespace " + missing + ": No such file or directory (ENOENT)", gone.getMessage());
        Path plain = Files.createFile(dir.resolve("plain"));
        IOException notNs = assertThrows(IOException.class, () -> NetNs.call(plain, () -> 1));
        assertEquals("enter network namespace " + plain + ": Invalid argument (EINVAL): not a network namespace",
                notNs.getMessage());

        IOException mine = new IOException("work failed");
        assertSame(mine, assertThrows(IOException.class, () -> NetNs.call(ns, () -> {
            throw mine;
        })));
        IllegalStateException unchecked = new IllegalStateException("bug");
        assertSame(unchecked, assertThrows(IllegalStateException.class, () -> NetNs.call(ns, () -> {
            throw unchecked;
        })));
        Exception checked = new Exception("other");
        assertSame(checked, assertThrows(IOException.class, () -> NetNs.call(ns, () -> {
            throw checked;
        })).getCause());
        assertEquals(namespaceOf(ns), NetNs.call(ns, NetNsRootIT::threadNamespace));
    }

    /**
     * Work that leaves the thread unable to go back (it drops CAP_SYS_ADMIN, which setns needs, from its
     * own capabilities) gets the thread discarded; the next call runs on a fresh one, in the host.
     */
    @Test
    void aThreadThatCannotReturnIsDiscarded() throws IOException {
        Path ns = namespaces.create("a");
        String hostNs = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        Thread stranded = NamespaceThread.run(Thread::currentThread);
        KernelException e = assertThrows(KernelException.class, () -> NetNs.call(ns, () -> {
            ThreadCapabilities.dropSysAdmin();
            return null;
        }));
        assertEquals("return " + stranded.getName() + " to its network namespace: Operation not permitted (EPERM): "
                + "the thread is discarded", e.getMessage());
        Thread next = NamespaceThread.run(Thread::currentThread);
        assertNotSame(stranded, next);
        assertEquals(hostNs, NamespaceThread.run(NetNsRootIT::threadNamespace));
        assertEquals(namespaceOf(ns), NetNs.call(ns, NetNsRootIT::threadNamespace));
        try {
            stranded.join(5_000);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        assertFalse(stranded.isAlive(), "the stranded thread ended");
    }

    /** capget/capset of the calling thread only (capabilities are per thread on Linux). */
    private static final class ThreadCapabilities {
        private static final int VERSION_3 = 0x20080522;
        private static final int CAP_SYS_ADMIN = 21;

        private interface Caps extends Library {
            int capget(int[] header, int[] data) throws LastErrorException;

            int capset(int[] header, int[] data) throws LastErrorException;
        }

        static void dropSysAdmin() {
            Caps caps = Native.load("c", Caps.class);
            int[] data = new int[6]; // two {effective, permitted, inheritable} words
            caps.capget(new int[] {VERSION_3, 0}, data);
            data[0] &= ~(1 << CAP_SYS_ADMIN);
            caps.capset(new int[] {VERSION_3, 0}, data);
        }
    }

    /** "net:[4026532...]" of the calling thread. */
    static String threadNamespace() throws IOException {
        return Files.readSymbolicLink(NamespaceThread.THREAD_NETNS).toString();
    }

    /** "net:[inode]" of a handle, as /proc shows namespaces. */
    static String namespaceOf(Path handle) throws IOException {
        return "net:[" + Files.getAttribute(handle, "unix:ino") + "]";
    }

    static long mountsAt(Path path) throws IOException {
        String target = " " + path.toAbsolutePath() + " ";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> l.contains(target)).count();
    }
}
