package io.berth.daemon.network.dns;

import static io.berth.daemon.network.dns.TestMessages.A;
import static io.berth.daemon.network.dns.TestMessages.AAAA;
import static io.berth.daemon.network.dns.TestMessages.MX;
import static io.berth.daemon.network.dns.TestMessages.PTR;
import static io.berth.daemon.network.dns.TestMessages.TXT;
import static io.berth.daemon.network.dns.TestMessages.answer;
import static io.berth.daemon.network.dns.TestMessages.id;
import static io.berth.daemon.network.dns.TestMessages.query;
import static io.berth.daemon.network.dns.TestMessages.read;
import static io.berth.daemon.network.dns.TestMessages.withId;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.daemon.network.dns.TestMessages.Reply;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The embedded DNS server over real sockets on 127.0.0.1 (ephemeral ports stand in for 127.0.0.11:53):
 * berth's names, forwarding to fake upstream servers, TCP, bad input, stopping.
 */
class EmbeddedDnsTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final FakeNames names = new FakeNames()
            .name("web", "172.18.0.2", "172.18.0.3")
            .name("db", "172.18.0.4");
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private EmbeddedDns dns = new EmbeddedDns(names, Duration.ofSeconds(1));

    /** One container's sockets as serve() got them. */
    private record Container(DatagramChannel udp, ServerSocketChannel tcp) {
        InetSocketAddress udpAddress() throws IOException {
            return (InetSocketAddress) udp.getLocalAddress();
        }

        InetSocketAddress tcpAddress() throws IOException {
            return (InetSocketAddress) tcp.getLocalAddress();
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        dns.close();
        for (AutoCloseable closeable : toClose) {
            closeable.close();
        }
    }

    @Test
    void answersBerthNamesAuthoritativelyWhateverTheCaseAndTrailingDot() throws Exception {
        Container c = serve("c1");
        for (String name : List.of("web", "WeB.", "WEB")) {
            byte[] q = query(0x4242, name, A);
            byte[] raw = ask(c, q);
            Reply reply = read(raw);
            assertEquals(0x4242, reply.id());
            assertTrue(reply.isResponse());
            assertEquals(0, reply.rcode());
            assertTrue(reply.authoritative());
            assertEquals(1, reply.questions());
            assertArrayEquals(Arrays.copyOfRange(q, 12, q.length), Arrays.copyOfRange(raw, 12, q.length), "question echoed as asked");
            assertEquals(Set.of("172.18.0.2", "172.18.0.3"), new HashSet<>(reply.addresses()));
            assertEquals(List.of(600, 600), reply.answers().stream().map(TestMessages.Answer::ttl).toList());
        }
    }

    @Test
    void aaaaAndMxOfABerthNameHaveNoRecordsAndAreNotForwarded() throws Exception {
        FakeUpstream upstream = upstream(q -> answer(q, "192.0.2.1", 60));
        names.upstreams("c1", upstream.address());
        Container c = serve("c1");
        for (int type : List.of(AAAA, MX)) {
            Reply reply = read(ask(c, query(7, "web", type)));
            assertEquals(0, reply.rcode());
            assertTrue(reply.authoritative());
            assertEquals(List.of(), reply.answers());
        }
        assertEquals(0, upstream.udpQueriesWaiting());
    }

    @Test
    void namesAddressesOfTheContainersNetworks() throws Exception {
        FakeUpstream upstream = upstream(q -> TestMessages.empty(q, 0, 3));
        names.upstreams("c1", upstream.address());
        Container c = serve("c1");
        Reply reply = read(ask(c, query(9, "4.0.18.172.IN-ADDR.arpa", PTR)));
        assertEquals(0, reply.rcode());
        assertEquals(1, reply.answers().size());
        assertEquals(PTR, reply.answers().get(0).type());
        assertEquals("db.", reply.answers().get(0).target());
        assertEquals(0, upstream.udpQueriesWaiting());

        Reply unknown = read(ask(c, query(10, "9.9.18.172.in-addr.arpa", PTR)));
        assertEquals(3, unknown.rcode(), "an address berth cannot name is asked upstream");
        assertEquals("9.9.18.172.in-addr.arpa", TestMessages.questionName(upstream.nextUdpQuery()));
    }

    @Test
    void forwardsOtherNamesAndRelaysTheAnswerWithTheClientsId() throws Exception {
        FakeUpstream upstream = upstream(q -> answer(q, "192.0.2.10", 77));
        names.upstreams("c1", upstream.address());
        Container c = serve("c1");
        byte[] q = query(0x1234, "example.test", A);
        byte[] raw = ask(c, q);
        byte[] seen = upstream.nextUdpQuery();
        assertArrayEquals(withId(q, id(seen)), seen, "the query goes upstream as it is but for the id");
        assertArrayEquals(withId(answer(seen, "192.0.2.10", 77), 0x1234), raw, "the answer comes back untouched but for the id");
    }

    @Test
    void forwardsTypesBerthDoesNotAnswerAndShortNames() throws Exception {
        FakeUpstream upstream = upstream(q -> answer(q, "192.0.2.11", 60));
        names.upstreams("c1", upstream.address());
        Container c = serve("c1");
        read(ask(c, query(1, "web", TXT)));
        assertEquals("web", TestMessages.questionName(upstream.nextUdpQuery()));
        assertEquals(List.of("192.0.2.11"), read(ask(c, query(2, "printer", A))).addresses());
        assertEquals("printer", TestMessages.questionName(upstream.nextUdpQuery()));
    }

    @Test
    void concurrentClientsWithTheSameIdGetTheirOwnAnswers() throws Exception {
        // An upstream that waits for both queries, then answers the second first.
        DatagramSocket upstream = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
        toClose.add(upstream);
        CompletableFuture<Void> upstreamDone = CompletableFuture.runAsync(() -> {
            try {
                List<DatagramPacket> received = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    DatagramPacket packet = new DatagramPacket(new byte[512], 512);
                    upstream.receive(packet);
                    received.add(packet);
                }
                for (int i = 1; i >= 0; i--) {
                    DatagramPacket packet = received.get(i);
                    byte[] q = Arrays.copyOf(packet.getData(), packet.getLength());
                    String address = TestMessages.questionName(q).startsWith("one") ? "192.0.2.1" : "192.0.2.2";
                    byte[] a = answer(q, address, 60);
                    upstream.send(new DatagramPacket(a, a.length, packet.getSocketAddress()));
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        names.upstreams("c1", (InetSocketAddress) upstream.getLocalSocketAddress());
        Container c = serve("c1");
        try (DatagramSocket one = client(); DatagramSocket two = client()) {
            send(one, c, query(77, "one.example", A));
            send(two, c, query(77, "two.example", A));
            Reply first = read(receive(one));
            Reply second = read(receive(two));
            assertEquals(77, first.id());
            assertEquals(77, second.id());
            assertEquals(List.of("192.0.2.1"), first.addresses());
            assertEquals(List.of("192.0.2.2"), second.addresses());
        }
        upstreamDone.get(5, TimeUnit.SECONDS);
    }

    @Test
    void anUpstreamThatDoesNotAnswerInTimeIsSkipped() throws Exception {
        FakeUpstream silent = upstream(q -> null);
        FakeUpstream answering = upstream(q -> answer(q, "192.0.2.20", 60));
        names.upstreams("c1", silent.address(), answering.address());
        Container c = serve("c1");
        long start = System.nanoTime();
        Reply reply = read(ask(c, query(5, "slow.test", A)));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(List.of("192.0.2.20"), reply.addresses());
        assertNotNull(silent.nextUdpQuery());
        assertTrue(millis >= 450, "waited for the first upstream's half of the budget, not " + millis + " ms");
    }

    @Test
    void servfailOrRefusedFromAnUpstreamMovesOnToTheNext() throws Exception {
        FakeUpstream failing = upstream(q -> TestMessages.empty(q, 0, 2));
        FakeUpstream refusing = upstream(q -> TestMessages.empty(q, 0, 5));
        FakeUpstream answering = upstream(q -> answer(q, "192.0.2.21", 60));
        names.upstreams("c1", failing.address(), refusing.address(), answering.address());
        Container c = serve("c1");
        assertEquals(List.of("192.0.2.21"), read(ask(c, query(6, "flaky.test", A))).addresses());
    }

    @Test
    void anUnreachableUpstreamIsSkippedAtOnce() throws Exception {
        InetSocketAddress nobody;
        try (DatagramSocket closed = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            nobody = (InetSocketAddress) closed.getLocalSocketAddress();
        }
        FakeUpstream answering = upstream(q -> answer(q, "192.0.2.22", 60));
        names.upstreams("c1", nobody, answering.address());
        dns.close();
        dns = new EmbeddedDns(names, Duration.ofSeconds(20));
        Container c = serve("c1");
        long start = System.nanoTime();
        assertEquals(List.of("192.0.2.22"), read(ask(c, query(6, "gone.test", A))).addresses());
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis < 5000, "port unreachable ends the attempt before its 10 s, took " + millis + " ms");
    }

    @Test
    void noUpstreamsIsServfail() throws Exception {
        Container c = serve("internal");
        Reply reply = read(ask(c, query(11, "example.test", A)));
        assertEquals(11, reply.id());
        assertEquals(2, reply.rcode());
        assertEquals(1, reply.questions());
    }

    @Test
    void noAnswerFromAnyUpstreamIsServfail() throws Exception {
        FakeUpstream silent = silentUpstreamOf("c1");
        Container c = serve("c1");
        long start = System.nanoTime();
        Reply reply = read(ask(c, query(12, "void.test", A)));
        assertEquals(2, reply.rcode());
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(900), "waited the whole 1 s budget");
    }

    @Test
    void forwardingDoesNotHoldUpOtherQueries() throws Exception {
        FakeUpstream silent = silentUpstreamOf("c1");
        Container c1 = serve("c1");
        Container c2 = serve("c2");
        try (DatagramSocket waiting = client()) {
            send(waiting, c1, query(1, "void.test", A));
            assertNotNull(silent.nextUdpQuery());
            long start = System.nanoTime();
            assertEquals(1, read(ask(c2, query(2, "db", A))).addresses().size());
            assertEquals(1, read(ask(c1, query(3, "db", A))).addresses().size());
            assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(500), "answered while a forward waits");
            assertEquals(2, read(receive(waiting)).rcode());
        }
    }

    @Test
    void answersOverTcpAndForwardsOverTcpWhatCameOverTcp() throws Exception {
        FakeUpstream upstream = new FakeUpstream(q -> TestMessages.empty(q, 0x0200, 0), q -> answer(q, "192.0.2.30", 60));
        toClose.add(upstream);
        names.upstreams("c1", upstream.address());
        Container c = serve("c1");

        assertEquals(Set.of("172.18.0.2", "172.18.0.3"), new HashSet<>(read(askTcp(c, query(1, "web", A))).addresses()));

        Reply truncated = read(ask(c, query(2, "big.test", A)));
        assertTrue(truncated.truncated(), "a truncated upstream answer reaches the client as it is");
        assertEquals(2, truncated.id());
        Reply full = read(askTcp(c, query(3, "big.test", A)));
        assertEquals(3, full.id());
        assertEquals(List.of("192.0.2.30"), full.addresses());
        assertEquals("big.test", TestMessages.questionName(upstream.nextTcpQuery()));
    }

    @Test
    void severalQueriesOnOneTcpConnection() throws Exception {
        Container c = serve("c1");
        try (Socket socket = new Socket(LOOPBACK, c.tcpAddress().getPort())) {
            socket.setSoTimeout(5000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            DataInputStream in = new DataInputStream(socket.getInputStream());
            writeFrame(out, query(1, "web", A));
            writeFrame(out, query(2, "db", A));
            Set<Integer> ids = new HashSet<>();
            ids.add(read(readFrame(in)).id());
            ids.add(read(readFrame(in)).id());
            assertEquals(Set.of(1, 2), ids);
        }
    }

    @Test
    void manyAddressesAreCutToWhatTheClientAccepts() throws Exception {
        String[] ips = new String[60];
        for (int i = 0; i < ips.length; i++) {
            ips[i] = "10.0.0." + (i + 1);
        }
        names.name("many", ips);
        Container c = serve("c1");
        byte[] small = ask(c, query(1, "many", A));
        assertTrue(small.length <= 512, "plain UDP replies fit 512 bytes, not " + small.length);
        assertTrue(read(small).truncated());
        assertTrue(read(small).answers().size() > 20);

        Reply edns = read(ask(c, TestMessages.queryWithEdns(2, "many", A, 4096)));
        assertFalse(edns.truncated());
        assertEquals(60, edns.answers().size());

        Reply tcp = read(askTcp(c, query(3, "many", A)));
        assertFalse(tcp.truncated());
        assertEquals(60, tcp.answers().size());
    }

    @Test
    void badMessagesAreDroppedOrRefusedAndTheServerGoesOn() throws Exception {
        Container c = serve("c1");
        try (DatagramSocket client = client()) {
            send(client, c, new byte[] {1, 2, 3});
            assertNoReply(client);
            send(client, c, withFlags(query(2, "web", A), 0x8000)); // a response, not a query
            assertNoReply(client);

            byte[] loop = query(3, "web", A);
            loop[12] = (byte) 0xC0; // the name is a pointer to itself
            loop[13] = 12;
            send(client, c, loop);
            Reply formErr = read(receive(client));
            assertEquals(3, formErr.id());
            assertEquals(1, formErr.rcode());

            byte[] twoQuestions = query(4, "web", A);
            twoQuestions[5] = 2;
            send(client, c, twoQuestions);
            assertEquals(1, read(receive(client)).rcode());

            send(client, c, withFlags(query(5, "web", A), 2 << 11)); // opcode STATUS
            assertEquals(4, read(receive(client)).rcode());

            send(client, c, query(6, "web", A));
            Reply good = read(receive(client));
            assertEquals(6, good.id());
            assertEquals(2, good.answers().size());
        }
        try (Socket socket = new Socket(LOOPBACK, c.tcpAddress().getPort())) {
            socket.setSoTimeout(5000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            writeFrame(out, new byte[] {9, 9});
            writeFrame(out, query(7, "db", A));
            assertEquals(7, read(readFrame(new DataInputStream(socket.getInputStream()))).id());
        }
    }

    @Test
    void aFailingNamesLookupIsServfail() throws Exception {
        dns.close();
        dns = new EmbeddedDns(new EmbeddedDns.Names() {
            @Override
            public List<Inet4Address> lookup(String containerId, String name) {
                throw new IllegalStateException("broken projection");
            }

            @Override
            public Optional<String> reverse(String containerId, Inet4Address address) {
                return Optional.empty();
            }

            @Override
            public List<InetSocketAddress> upstreams(String containerId) {
                return List.of();
            }
        });
        Container c = serve("c1");
        assertEquals(2, read(ask(c, query(1, "web", A))).rcode());
    }

    @Test
    void stopClosesTheContainersSocketsAndFreesTheirPorts() throws Exception {
        FakeUpstream silent = silentUpstreamOf("c1");
        Container c1 = serve("c1");
        Container c2 = serve("c2");
        InetSocketAddress udpAddress = c1.udpAddress();
        InetSocketAddress tcpAddress = c1.tcpAddress();
        try (DatagramSocket waiting = client(); Socket connected = new Socket(LOOPBACK, tcpAddress.getPort())) {
            send(waiting, c1, query(1, "void.test", A));
            assertNotNull(silent.nextUdpQuery());

            dns.stop("c1");

            assertFalse(c1.udp().isOpen());
            assertFalse(c1.tcp().isOpen());
            connected.setSoTimeout(5000);
            assertEquals(-1, connected.getInputStream().read(), "client connections are closed");
            new DatagramSocket(udpAddress).close(); // the ports are free again
            try (ServerSocketChannel again = ServerSocketChannel.open()) {
                again.setOption(StandardSocketOptions.SO_REUSEADDR, true); // the closed connection may linger in TIME_WAIT
                again.bind(tcpAddress);
            }
            assertNoReply(waiting);
        }
        dns.stop("c1");
        dns.stop("never-served");
        assertEquals(1, read(ask(c2, query(2, "db", A))).addresses().size(), "other containers are still served");
    }

    @Test
    void serveRefusesAContainerServedAlreadyAndAnyoneAfterClose() throws Exception {
        serve("c1");
        DatagramChannel udp = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
        ServerSocketChannel tcp = ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
        assertThrows(IllegalStateException.class, () -> dns.serve("c1", udp, tcp));
        assertFalse(udp.isOpen(), "serve owns the channels, also when it fails");

        Container c = serve("c2");
        dns.close();
        dns.close();
        assertFalse(c.udp().isOpen());
        assertFalse(c.tcp().isOpen());
        DatagramChannel udp2 = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
        ServerSocketChannel tcp2 = ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
        assertThrows(IllegalStateException.class, () -> dns.serve("c3", udp2, tcp2));
        assertFalse(tcp2.isOpen());
        dns.stop("c2");
    }

    private Container serve(String containerId) throws IOException {
        DatagramChannel udp = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
        ServerSocketChannel tcp = ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
        toClose.add(udp);
        toClose.add(tcp);
        dns.serve(containerId, udp, tcp);
        return new Container(udp, tcp);
    }

    /** An upstream that never answers, the container's only one. */
    private FakeUpstream silentUpstreamOf(String containerId) throws IOException {
        FakeUpstream silent = upstream(q -> null);
        names.upstreams(containerId, silent.address());
        return silent;
    }

    private FakeUpstream upstream(Function<byte[], byte[]> answer) throws IOException {
        FakeUpstream upstream = new FakeUpstream(answer);
        toClose.add(upstream);
        return upstream;
    }

    private static DatagramSocket client() throws IOException {
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
        socket.setSoTimeout(5000);
        return socket;
    }

    private static byte[] ask(Container c, byte[] query) throws IOException {
        try (DatagramSocket socket = client()) {
            send(socket, c, query);
            return receive(socket);
        }
    }

    private static void send(DatagramSocket socket, Container c, byte[] message) throws IOException {
        socket.send(new DatagramPacket(message, message.length, c.udpAddress()));
    }

    private static byte[] receive(DatagramSocket socket) throws IOException {
        DatagramPacket packet = new DatagramPacket(new byte[65535], 65535);
        socket.receive(packet);
        return Arrays.copyOf(packet.getData(), packet.getLength());
    }

    private static void assertNoReply(DatagramSocket socket) throws IOException {
        socket.setSoTimeout(300);
        try {
            byte[] unexpected = receive(socket);
            assertNull(unexpected, "expected no reply, got " + unexpected.length + " bytes");
        } catch (SocketTimeoutException expected) {
            // nothing came
        } finally {
            socket.setSoTimeout(5000);
        }
    }

    private static byte[] askTcp(Container c, byte[] query) throws IOException {
        try (Socket socket = new Socket(LOOPBACK, c.tcpAddress().getPort())) {
            socket.setSoTimeout(5000);
            writeFrame(new DataOutputStream(socket.getOutputStream()), query);
            return readFrame(new DataInputStream(socket.getInputStream()));
        }
    }

    private static void writeFrame(DataOutputStream out, byte[] message) throws IOException {
        out.writeShort(message.length);
        out.write(message);
        out.flush();
    }

    private static byte[] readFrame(DataInputStream in) throws IOException {
        byte[] message = new byte[in.readUnsignedShort()];
        in.readFully(message);
        return message;
    }

    private static byte[] withFlags(byte[] message, int flags) {
        byte[] copy = message.clone();
        copy[2] = (byte) (copy[2] | flags >>> 8);
        copy[3] = (byte) (copy[3] | flags);
        return copy;
    }
}
