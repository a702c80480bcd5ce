package io.berth.daemon.network.dns;

import static io.berth.daemon.network.dns.DnsWire.FLAG_QR;
import static io.berth.daemon.network.dns.DnsWire.FORMERR;
import static io.berth.daemon.network.dns.DnsWire.HEADER_LENGTH;
import static io.berth.daemon.network.dns.DnsWire.MAX_MESSAGE;
import static io.berth.daemon.network.dns.DnsWire.NOTIMP;
import static io.berth.daemon.network.dns.DnsWire.OPCODE_MASK;
import static io.berth.daemon.network.dns.DnsWire.REFUSED;
import static io.berth.daemon.network.dns.DnsWire.SERVFAIL;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Berth's embedded DNS server, Docker's 127.0.0.11: containers on user-defined networks have it as
 * their only nameserver. The daemon opens a UDP socket and a TCP server socket on 127.0.0.11:53 inside
 * each such container's network namespace and hands them to {@link #serve}; one thread, "berth-dns",
 * serves every container's sockets.
 *
 * <p>What it answers:
 * <ul>
 * <li>A for a berth name (see {@link Names#lookup}): its addresses, authoritative, TTL 600 s, shuffled;
 * as many as fit in the client's UDP size (512 bytes, or more with EDNS), with TC set if some did not;</li>
 * <li>AAAA or MX for a berth name: NOERROR without records (berth is IPv4-only), never forwarded;</li>
 * <li>PTR for an address {@link Names#reverse} can name;</li>
 * <li>everything else, short unqualified names included, is forwarded as it is to the container's
 * {@link Names#upstreams}, in order, from the daemon's namespace, over the client's transport; the first
 * answer that is not SERVFAIL or REFUSED is relayed with the client's id. Each upstream gets an equal
 * share of {@link #FORWARD_BUDGET} (at most {@link #MAX_UPSTREAMS} are tried). No upstreams (internal
 * networks), or no usable answer, gives SERVFAIL, as Docker does; more than {@link #MAX_FORWARDS}
 * queries in flight give REFUSED.</li>
 * </ul>
 * Messages shorter than a header and responses (QR set) are dropped; opcodes other than QUERY get
 * NOTIMP; a query whose question cannot be read, or that has more than one question, gets FORMERR.
 * Nothing a client or an upstream sends can stop the server.
 */
public final class EmbeddedDns implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDns.class);

    /** The time a forwarded query has to find an answer across all the upstreams it tries. */
    static final Duration FORWARD_BUDGET = Duration.ofSeconds(4);
    /** How many of a container's upstreams are tried, like resolv.conf's three nameservers. */
    static final int MAX_UPSTREAMS = 3;
    /** Forwarded queries in flight at once, across containers; each holds a socket. */
    static final int MAX_FORWARDS = 256;
    /** Open TCP connections per container; more are closed at once. */
    static final int MAX_TCP_CLIENTS = 32;
    /** Datagrams or connections taken per readiness, so that one busy container cannot starve the others. */
    private static final int ARRIVALS_PER_TURN = 32;

    /**
     * What the daemon knows about names. Called on the DNS thread: every method must be fast and must
     * not block (reads of in-memory state only). An exception is answered SERVFAIL.
     */
    public interface Names {

        /**
         * The IPv4 addresses {@code name} has for this container: container names, network aliases and
         * short ids of containers on the networks it shares. Matching is case-insensitive and ignores a
         * trailing dot. Empty when the name is not berth's.
         */
        List<Inet4Address> lookup(String containerId, String name);

        /** The name for a reverse (PTR) lookup of an address on one of the container's networks. */
        Optional<String> reverse(String containerId, Inet4Address address);

        /**
         * Where to forward other names for this container: its --dns servers, else the daemon's (the
         * host's) resolv.conf servers. Loopback addresses are fine: they are queried from the daemon's
         * namespace, i.e. the host's. Empty for containers only on internal networks.
         */
        List<InetSocketAddress> upstreams(String containerId);
    }

    private final Names names;
    private final LocalAnswers localAnswers;
    private final Duration forwardBudget;
    private final DnsLoop loop = new DnsLoop("berth-dns");
    /** Containers being served, by id; touched on the DNS thread only, as is everything below. */
    private final Map<String, Served> served = new HashMap<>();
    private int forwardsInFlight;

    public EmbeddedDns(Names names) {
        this(names, FORWARD_BUDGET);
    }

    /** With another forwarding budget, for tests. */
    EmbeddedDns(Names names, Duration forwardBudget) {
        this.names = names;
        this.localAnswers = new LocalAnswers(names);
        this.forwardBudget = forwardBudget;
    }

    /**
     * Starts serving a container's sockets: {@code udp} bound (127.0.0.11:53 in the container's
     * namespace) and {@code tcp} bound and listening on the same address. They may be blocking or not;
     * they are switched to non-blocking. From this call on they belong to this server: {@link #stop},
     * {@link #close}, or a failure of this call closes them.
     *
     * @throws IllegalStateException if the container is already served, or this server is closed
     */
    public void serve(String containerId, DatagramChannel udp, ServerSocketChannel tcp) throws IOException {
        boolean started = false;
        try {
            udp.configureBlocking(false);
            tcp.configureBlocking(false);
            loop.call(() -> {
                if (served.containsKey(containerId)) {
                    throw new IllegalStateException("the embedded DNS server already serves container " + containerId);
                }
                served.put(containerId, new Served(containerId, udp, tcp));
                return null;
            });
            started = true;
        } finally {
            if (!started) {
                DnsLoop.closeQuietly(udp);
                DnsLoop.closeQuietly(tcp);
            }
        }
    }

    /**
     * Stops serving a container: closes its sockets and client connections and drops its forwarded
     * queries unanswered. When this returns the sockets are closed in the kernel too (the port is free
     * and they no longer hold the namespace). Idempotent; a no-op once the server is closed.
     */
    public void stop(String containerId) {
        onLoop(() -> {
            Served container = served.remove(containerId);
            if (container != null) {
                container.close();
                loop.releaseClosed();
            }
        });
    }

    /** Stops serving every container and ends the DNS thread. Idempotent. */
    @Override
    public void close() {
        onLoop(() -> {
            for (Served container : served.values()) {
                container.close();
            }
            served.clear();
            loop.releaseClosed();
        });
        loop.close();
    }

    private interface LoopTask {
        void run() throws IOException;
    }

    /** Runs a task on the DNS thread unless it has ended. */
    private void onLoop(LoopTask task) {
        try {
            loop.call(() -> {
                task.run();
                return null;
            });
        } catch (IllegalStateException e) {
            LOG.debug("the embedded DNS server is closed already", e);
        } catch (IOException e) {
            LOG.warn("embedded DNS: releasing closed sockets failed", e);
        }
    }

    /**
     * Answers or forwards one message from a container's client; returns whether a reply will be sent.
     */
    private boolean handle(Served container, byte[] message, ReplyTo client) {
        if (message.length < HEADER_LENGTH || (DnsWire.flags(message) & FLAG_QR) != 0) {
            LOG.debug("dropping a {}-byte message that is no query, for container {}", message.length, container.id);
            return false;
        }
        if ((DnsWire.flags(message) & OPCODE_MASK) != 0) {
            client.send(DnsReply.headerOnly(message, NOTIMP));
            return true;
        }
        DnsQuery query;
        try {
            query = DnsQuery.parse(message);
        } catch (DnsFormatException e) {
            LOG.debug("malformed query for container {}: {}", container.id, e.getMessage());
            client.send(DnsReply.headerOnly(message, FORMERR));
            return true;
        }
        byte[] local;
        try {
            local = localAnswers.reply(container.id, query, client.overTcp() ? MAX_MESSAGE : query.udpLimit());
        } catch (RuntimeException e) {
            LOG.warn("embedded DNS: looking up {} for container {} failed", query.name().text(), container.id, e);
            local = DnsReply.error(query, SERVFAIL);
        }
        if (local != null) {
            client.send(local);
        } else {
            forward(container, query, client);
        }
        return true;
    }

    private void forward(Served container, DnsQuery query, ReplyTo client) {
        List<InetSocketAddress> upstreams;
        try {
            upstreams = names.upstreams(container.id);
        } catch (RuntimeException e) {
            LOG.warn("embedded DNS: finding the upstreams of container {} failed", container.id, e);
            upstreams = List.of();
        }
        if (upstreams.isEmpty()) {
            client.send(DnsReply.error(query, SERVFAIL));
            return;
        }
        if (forwardsInFlight >= MAX_FORWARDS) {
            client.send(DnsReply.error(query, REFUSED));
            return;
        }
        List<InetSocketAddress> tried = upstreams.subList(0, Math.min(MAX_UPSTREAMS, upstreams.size()));
        Forwarding forwarding = new Forwarding(loop, query, tried, client.overTcp(), forwardBudget.dividedBy(tried.size()));
        container.forwards.add(forwarding);
        forwardsInFlight++;
        forwarding.start(reply -> {
            container.forwards.remove(forwarding);
            forwardsInFlight--;
            client.send(reply);
        });
    }

    /** A container's sockets, its clients' TCP connections and its queries in flight upstream. */
    private final class Served {

        final String id;
        final DatagramChannel udp;
        final ServerSocketChannel tcp;
        final Set<TcpClient> tcpClients = new HashSet<>();
        final Set<Forwarding> forwards = new HashSet<>();

        Served(String id, DatagramChannel udp, ServerSocketChannel tcp) throws IOException {
            this.id = id;
            this.udp = udp;
            this.tcp = tcp;
            loop.register(udp, SelectionKey.OP_READ, key -> receive());
            loop.register(tcp, SelectionKey.OP_ACCEPT, key -> accept());
        }

        private void receive() {
            for (int i = 0; i < ARRIVALS_PER_TURN; i++) {
                ByteBuffer buffer = loop.datagramBuffer();
                SocketAddress from;
                try {
                    from = udp.receive(buffer);
                } catch (IOException e) {
                    LOG.debug("receiving on the DNS socket of container {} failed", id, e);
                    return;
                }
                if (from == null) {
                    return;
                }
                handle(this, Arrays.copyOf(buffer.array(), buffer.position()), new UdpClient(udp, from));
            }
        }

        private void accept() {
            for (int i = 0; i < ARRIVALS_PER_TURN; i++) {
                SocketChannel connection;
                try {
                    connection = tcp.accept();
                } catch (IOException e) {
                    LOG.debug("accepting on the DNS socket of container {} failed", id, e);
                    return;
                }
                if (connection == null) {
                    return;
                }
                if (tcpClients.size() >= MAX_TCP_CLIENTS) {
                    LOG.debug("container {} has {} DNS connections open; closing a new one", id, tcpClients.size());
                    DnsLoop.closeQuietly(connection);
                    continue;
                }
                try {
                    tcpClients.add(new TcpClient(loop, connection, (message, client) -> handle(this, message, client),
                            tcpClients::remove));
                } catch (IOException e) {
                    LOG.debug("cannot serve a DNS connection of container {}", id, e);
                    DnsLoop.closeQuietly(connection);
                }
            }
        }

        void close() {
            for (Forwarding forwarding : forwards) {
                forwarding.cancel();
            }
            forwardsInFlight -= forwards.size();
            forwards.clear();
            for (TcpClient client : new ArrayList<>(tcpClients)) {
                client.close();
            }
            DnsLoop.closeQuietly(udp);
            DnsLoop.closeQuietly(tcp);
        }
    }

    /** A UDP client: the reply is one datagram back to where the query came from. */
    private record UdpClient(DatagramChannel channel, SocketAddress address) implements ReplyTo {

        @Override
        public void send(byte[] reply) {
            try {
                channel.send(ByteBuffer.wrap(reply), address);
            } catch (IOException e) {
                LOG.debug("sending a DNS reply to {} failed", address, e);
            }
        }

        @Override
        public boolean overTcp() {
            return false;
        }
    }
}
