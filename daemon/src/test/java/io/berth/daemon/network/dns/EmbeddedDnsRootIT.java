package io.berth.daemon.network.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The embedded DNS server as a container sees it: sockets on 127.0.0.11:53 inside a network namespace the
 * test creates, busybox nslookup run in that namespace. Names of other domains are forwarded to an
 * upstream server on the host's loopback, which the namespace cannot reach itself: the daemon's side
 * forwards. Needs root (netns, setns).
 */
class EmbeddedDnsRootIT {

    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY_CLOEXEC = 0x80000;
    private static final InetSocketAddress RESOLVER = new InetSocketAddress("127.0.0.11", 53);

    /** setns(2), for this test only: berth's own namespace code is in kernel-bridge and the native launcher. */
    private interface LibC extends Library {
        LibC C = Native.load("c", LibC.class);

        int open(String path, int flags) throws LastErrorException;

        int setns(int fd, int nstype) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private final String netns = "berthdns-" + UUID.randomUUID().toString().substring(0, 8);
    private FakeUpstream upstream;
    private EmbeddedDns dns;

    @BeforeEach
    void namespace() throws Exception {
        run("ip", "netns", "add", netns);
        run("ip", "-n", netns, "link", "set", "lo", "up");
    }

    @AfterEach
    void cleanUp() throws Exception {
        try {
            if (dns != null) {
                dns.close();
            }
            if (upstream != null) {
                upstream.close();
            }
        } finally {
            run("ip", "netns", "del", netns);
        }
        assertTrue(Files.notExists(Path.of("/run/netns", netns)), "the test's namespace is gone");
    }

    @Test
    void aContainerResolvesBerthNamesAndItsOtherNamesThroughTheDaemon() throws Exception {
        upstream = new FakeUpstream(query -> TestMessages.questionName(query).equals("other.test")
                && TestMessages.questionType(query) == TestMessages.A
                ? TestMessages.answer(query, "192.0.2.77", 60)
                : TestMessages.empty(query, 0, 0));
        FakeNames names = new FakeNames().name("web", "172.18.0.2").upstreams("c1", upstream.address());
        dns = new EmbeddedDns(names);
        Sockets sockets = openInNamespace();
        dns.serve("c1", sockets.udp(), sockets.tcp());

        String berthName = run("ip", "netns", "exec", netns, "busybox", "nslookup", "web", "127.0.0.11");
        assertTrue(berthName.contains("Address: 172.18.0.2"), berthName);

        String forwarded = run("ip", "netns", "exec", netns, "busybox", "nslookup", "other.test", "127.0.0.11");
        assertTrue(forwarded.contains("Address: 192.0.2.77"), forwarded);
        assertEquals("other.test", TestMessages.questionName(upstream.nextUdpQuery()));

        String reverse = run("ip", "netns", "exec", netns, "busybox", "nslookup", "172.18.0.2", "127.0.0.11");
        assertTrue(reverse.contains("name = web"), reverse);

        dns.stop("c1");
        ProcessResult after = exec("ip", "netns", "exec", netns, "busybox", "nslookup", "web", "127.0.0.11");
        assertTrue(after.exitCode() != 0, "nothing answers once the container is no longer served: " + after.output());
    }

    private record Sockets(DatagramChannel udp, ServerSocketChannel tcp) {
    }

    /** Binds 127.0.0.11:53 in the namespace, on a thread of its own that enters it and then ends. */
    private Sockets openInNamespace() throws Exception {
        CompletableFuture<Sockets> opened = new CompletableFuture<>();
        Thread inNamespace = new Thread(() -> {
            try {
                int fd = LibC.C.open("/run/netns/" + netns, O_RDONLY_CLOEXEC);
                try {
                    LibC.C.setns(fd, CLONE_NEWNET);
                } finally {
                    LibC.C.close(fd);
                }
                DatagramChannel udp = DatagramChannel.open(StandardProtocolFamily.INET).bind(RESOLVER);
                ServerSocketChannel tcp = ServerSocketChannel.open(StandardProtocolFamily.INET).bind(RESOLVER);
                opened.complete(new Sockets(udp, tcp));
            } catch (Throwable e) {
                opened.completeExceptionally(e);
            }
        }, "dns-test-netns");
        inNamespace.start();
        inNamespace.join();
        return opened.get();
    }

    private record ProcessResult(int exitCode, String output) {
    }

    private static String run(String... command) throws Exception {
        ProcessResult result = exec(command);
        assertEquals(0, result.exitCode(), String.join(" ", command) + ": " + result.output());
        return result.output();
    }

    private static ProcessResult exec(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish");
        }
        return new ProcessResult(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
