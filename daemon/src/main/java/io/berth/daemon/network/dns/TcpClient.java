package io.berth.daemon.network.dns;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's TCP connection to a container's DNS server. Clients may send several queries without
 * waiting (RFC 7766); each reply goes back as soon as it is ready, in whatever order. The connection
 * closes when the client has closed its side and every query is answered, when it has been idle for
 * {@link #IDLE_SECONDS} with nothing outstanding, or when it fails.
 */
final class TcpClient implements DnsLoop.Ready, DnsLoop.Timed, ReplyTo {

    private static final Logger LOG = LoggerFactory.getLogger(TcpClient.class);
    static final int IDLE_SECONDS = 10;
    /** Messages read per readiness, so that one busy client cannot starve the others. */
    private static final int MESSAGES_PER_TURN = 16;

    /** Answers or forwards a query; returns whether a reply will be sent (malformed ones are dropped). */
    interface Queries {
        boolean handle(byte[] message, ReplyTo replyTo);
    }

    private final DnsLoop loop;
    private final SocketChannel channel;
    private final SelectionKey key;
    private final Queries queries;
    private final Consumer<TcpClient> onClose;
    private final TcpFrames.Reader in = new TcpFrames.Reader();
    private final Queue<ByteBuffer> out = new ArrayDeque<>();
    private int unanswered;
    private boolean open = true;
    private long deadline;

    /** Starts reading queries from an accepted connection; {@code onClose} is told when it closes. */
    TcpClient(DnsLoop loop, SocketChannel channel, Queries queries, Consumer<TcpClient> onClose) throws IOException {
        this.loop = loop;
        this.channel = channel;
        this.queries = queries;
        this.onClose = onClose;
        channel.configureBlocking(false);
        this.key = loop.register(channel, SelectionKey.OP_READ, this);
        loop.watch(this);
        touch();
    }

    @Override
    public void ready(SelectionKey key) {
        try {
            if (key.isWritable()) {
                flush();
            }
            if (open && key.isReadable()) {
                read();
            }
        } catch (IOException e) {
            LOG.debug("DNS client connection {} failed", channel, e);
            close();
        }
    }

    @Override
    public void send(byte[] reply) {
        if (!open) {
            return;
        }
        unanswered--;
        out.add(TcpFrames.frame(reply));
        try {
            flush();
        } catch (IOException e) {
            LOG.debug("writing to DNS client connection {} failed", channel, e);
            close();
        }
    }

    @Override
    public boolean overTcp() {
        return true;
    }

    @Override
    public long deadline() {
        return deadline;
    }

    @Override
    public void expire() {
        if (unanswered > 0) {
            touch();
        } else {
            close();
        }
    }

    /** Closes the connection without answering what is outstanding. Idempotent. */
    void close() {
        if (!open) {
            return;
        }
        open = false;
        loop.unwatch(this);
        DnsLoop.closeQuietly(channel);
        onClose.accept(this);
    }

    private void read() throws IOException {
        for (int i = 0; i < MESSAGES_PER_TURN && open; i++) {
            byte[] message = in.next(channel);
            if (message == null) {
                break;
            }
            touch();
            unanswered++;
            if (!queries.handle(message, this)) {
                unanswered--;
            }
        }
        if (open && in.ended()) {
            updateInterest();
            closeIfDone();
        }
    }

    private void flush() throws IOException {
        while (!out.isEmpty()) {
            ByteBuffer next = out.peek();
            channel.write(next);
            if (next.hasRemaining()) {
                break;
            }
            out.remove();
        }
        touch();
        updateInterest();
        closeIfDone();
    }

    private void updateInterest() {
        if (open) {
            key.interestOps((in.ended() ? 0 : SelectionKey.OP_READ) | (out.isEmpty() ? 0 : SelectionKey.OP_WRITE));
        }
    }

    private void closeIfDone() {
        if (in.ended() && out.isEmpty() && unanswered <= 0) {
            close();
        }
    }

    private void touch() {
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(IDLE_SECONDS);
    }
}
