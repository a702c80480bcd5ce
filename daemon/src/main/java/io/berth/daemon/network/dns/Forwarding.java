package io.berth.daemon.network.dns;

import static io.berth.daemon.network.dns.DnsWire.REFUSED;
import static io.berth.daemon.network.dns.DnsWire.SERVFAIL;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client query on its way through a container's upstream servers, tried in order, from the daemon's
 * own network namespace, over the transport the client used (a UDP answer with TC set is relayed as it
 * is, and the client retries over TCP). Each attempt has its share of the time budget; no answer in time,
 * an unreachable server, SERVFAIL or REFUSED moves on to the next server, as Docker does. The first other
 * answer is relayed untouched but for the id, which becomes the client's again. When no server answers,
 * the client gets SERVFAIL.
 *
 * <p>Each attempt uses a fresh socket on an ephemeral port and a random id, so answers to concurrent
 * queries (even ones with the same client id) never cross, and a stray datagram that is not an answer
 * to the question asked is ignored.
 */
final class Forwarding implements DnsLoop.Timed {

    private static final Logger LOG = LoggerFactory.getLogger(Forwarding.class);
    private static final SecureRandom IDS = new SecureRandom();

    private final DnsLoop loop;
    private final DnsQuery query;
    private final List<InetSocketAddress> upstreams;
    private final boolean overTcp;
    private final long attemptNanos;
    private Consumer<byte[]> done;
    private int nextUpstream;
    private Attempt attempt;
    private long deadline;

    /**
     * @param attemptTimeout how long to wait for each upstream server
     */
    Forwarding(DnsLoop loop, DnsQuery query, List<InetSocketAddress> upstreams, boolean overTcp, Duration attemptTimeout) {
        this.loop = loop;
        this.query = query;
        this.upstreams = List.copyOf(upstreams);
        this.overTcp = overTcp;
        this.attemptNanos = attemptTimeout.toNanos();
    }

    /** Sends the query to the first upstream; {@code done} gets the reply for the client, once, unless cancelled. */
    void start(Consumer<byte[]> done) {
        this.done = done;
        loop.watch(this);
        tryNextUpstream();
    }

    /** Gives up without a reply (the container's server stops). Idempotent. */
    void cancel() {
        done = null;
        loop.unwatch(this);
        closeAttempt();
    }

    @Override
    public long deadline() {
        return deadline;
    }

    /** The current upstream did not answer in time. */
    @Override
    public void expire() {
        LOG.debug("upstream {} did not answer {} in time", attempt, query.name().text());
        tryNextUpstream();
    }

    private void tryNextUpstream() {
        closeAttempt();
        while (nextUpstream < upstreams.size()) {
            InetSocketAddress upstream = upstreams.get(nextUpstream++);
            byte[] message = query.message().clone();
            int id = IDS.nextInt(0x10000);
            DnsWire.putU16(message, 0, id);
            try {
                attempt = overTcp ? new TcpAttempt(upstream, message, id) : new UdpAttempt(upstream, message, id);
                deadline = System.nanoTime() + attemptNanos;
                return;
            } catch (IOException e) {
                LOG.debug("cannot send {} to upstream {}", query.name().text(), upstream, e);
            }
        }
        finish(DnsReply.error(query, SERVFAIL));
    }

    /** An attempt received a message; returns false if it is not an answer to this query (it is ignored). */
    private boolean received(byte[] response, int sentId) {
        if (!query.isAnsweredBy(response, sentId)) {
            return false;
        }
        int rcode = DnsWire.rcode(response);
        if (rcode == SERVFAIL || rcode == REFUSED) {
            LOG.debug("upstream {} answered {} with rcode {}", attempt, query.name().text(), rcode);
            tryNextUpstream();
        } else {
            DnsWire.putU16(response, 0, query.id());
            finish(response);
        }
        return true;
    }

    private void failed(IOException e) {
        LOG.debug("upstream {} failed for {}", attempt, query.name().text(), e);
        tryNextUpstream();
    }

    private void finish(byte[] reply) {
        Consumer<byte[]> client = done;
        cancel();
        if (client != null) {
            client.accept(reply);
        }
    }

    private void closeAttempt() {
        if (attempt != null) {
            DnsLoop.closeQuietly(attempt);
            attempt = null;
        }
    }

    /** The exchange with one upstream server. */
    private interface Attempt extends DnsLoop.Ready, Closeable {
    }

    /** One datagram out and the first datagram that answers it back, on a socket connected to the upstream. */
    private final class UdpAttempt implements Attempt {

        private final DatagramChannel channel;
        private final InetSocketAddress upstream;
        private final int id;

        UdpAttempt(InetSocketAddress upstream, byte[] message, int id) throws IOException {
            this.upstream = upstream;
            this.id = id;
            this.channel = DatagramChannel.open();
            try {
                channel.configureBlocking(false);
                channel.connect(upstream);
                channel.write(ByteBuffer.wrap(message));
                loop.register(channel, SelectionKey.OP_READ, this);
            } catch (IOException e) {
                channel.close();
                throw e;
            }
        }

        @Override
        public void ready(SelectionKey key) {
            try {
                while (attempt == this) {
                    ByteBuffer buffer = loop.datagramBuffer();
                    if (channel.read(buffer) <= 0) {
                        return;
                    }
                    received(Arrays.copyOf(buffer.array(), buffer.position()), id);
                }
            } catch (IOException e) {
                failed(e); // e.g. PortUnreachableException: nothing listens there
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }

        @Override
        public String toString() {
            return "udp " + upstream;
        }
    }

    /** Connect, write the framed query, read one framed answer. */
    private final class TcpAttempt implements Attempt {

        private final SocketChannel channel;
        private final InetSocketAddress upstream;
        private final int id;
        private final ByteBuffer out;
        private final TcpFrames.Reader in = new TcpFrames.Reader();
        private final SelectionKey key;

        TcpAttempt(InetSocketAddress upstream, byte[] message, int id) throws IOException {
            this.upstream = upstream;
            this.id = id;
            this.out = TcpFrames.frame(message);
            this.channel = SocketChannel.open();
            try {
                channel.configureBlocking(false);
                boolean connected = channel.connect(upstream);
                key = loop.register(channel, connected ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT, this);
            } catch (IOException e) {
                channel.close();
                throw e;
            }
        }

        @Override
        public void ready(SelectionKey ready) {
            try {
                if (key.isConnectable() && !channel.finishConnect()) {
                    return;
                }
                if (out.hasRemaining()) {
                    channel.write(out);
                    key.interestOps(out.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
                    return;
                }
                byte[] response = in.next(channel);
                if (response != null && !received(response, id)) {
                    failed(new IOException("upstream sent a message that does not answer the query"));
                } else if (response == null && in.ended()) {
                    failed(new IOException("upstream closed the connection before answering"));
                }
            } catch (IOException e) {
                failed(e);
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }

        @Override
        public String toString() {
            return "tcp " + upstream;
        }
    }
}
