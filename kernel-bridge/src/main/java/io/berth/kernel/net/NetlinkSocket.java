package io.berth.kernel.net;

import com.sun.jna.Memory;
import io.berth.kernel.Errno;
import io.berth.kernel.KernelException;
import io.berth.kernel.Syscalls;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A NETLINK_ROUTE socket that sends one request at a time and reads the kernel's answer: data messages,
 * then NLMSG_DONE (dumps) or NLMSG_ERROR, whose errno 0 is the ACK. The socket belongs to the network
 * namespace of the thread that opened it, for its whole life.
 */
final class NetlinkSocket implements AutoCloseable {

    /** Larger than any one datagram the kernel sends for a dump (it fills at most ~32 KiB per recv). */
    private static final int RECEIVE_BUFFER = 64 * 1024;
    private static final int SEND_BUFFER = 4096;
    private static final int DUMP_ATTEMPTS = 5;
    /** struct sockaddr_nl of the kernel: AF_NETLINK, pid 0, no groups. */
    private static final byte[] KERNEL = sockaddrNl();

    private final int fd;
    /**
     * Native memory (malloc'd, freed by {@link #close}) seen through direct buffers. Not
     * ByteBuffer.allocateDirect: that zeroes and registers each buffer, ~200 µs for 64 KiB here, more
     * than a whole request.
     */
    private final Memory memory = new Memory(SEND_BUFFER + RECEIVE_BUFFER);
    private final ByteBuffer out = memory.getByteBuffer(0, SEND_BUFFER).order(ByteOrder.nativeOrder());
    private final ByteBuffer in = memory.getByteBuffer(SEND_BUFFER, RECEIVE_BUFFER).order(ByteOrder.nativeOrder());
    private final MessageWriter writer = new MessageWriter(out);
    private int seq;
    private boolean closed;

    private NetlinkSocket(int fd) {
        this.fd = fd;
    }

    /** A socket in the calling thread's network namespace. */
    static NetlinkSocket open() throws KernelException {
        int fd = Syscalls.socket(Syscalls.AF_NETLINK, Syscalls.SOCK_RAW, Rtnl.NETLINK_ROUTE);
        try {
            Syscalls.setsockopt(fd, Rtnl.SOL_NETLINK, Rtnl.NETLINK_CAP_ACK, 1);
            Syscalls.setsockopt(fd, Rtnl.SOL_NETLINK, Rtnl.NETLINK_EXT_ACK, 1);
            Syscalls.bind(fd, KERNEL); // port id 0: the kernel picks ours
        } catch (KernelException e) {
            Syscalls.close(fd);
            throw e;
        }
        return new NetlinkSocket(fd);
    }

    /** The writer of the next request; each request starts with {@link MessageWriter#header}. */
    MessageWriter writer() {
        return writer;
    }

    /** Sends the request and waits for its ACK, ignoring any data that comes before it. */
    void ack(MessageWriter request, String operation) throws KernelException {
        exchange(request, operation, msg -> { });
    }

    /** Sends a request that the kernel answers with one message (a get with NLM_F_ACK), decoded. */
    <T> Optional<T> get(MessageWriter request, String operation, Function<ByteBuffer, T> decode)
            throws KernelException {
        List<T> found = new ArrayList<>(1);
        exchange(request, operation, msg -> found.add(decode.apply(msg)));
        return found.stream().findFirst();
    }

    /**
     * Sends a dump request and decodes every message of the answer; null results are left out. A dump
     * that the kernel marks as interrupted (the table changed while it was read) is taken again, a few
     * times, then fails with EAGAIN rather than answer with a torn table.
     */
    <T> List<T> dump(MessageWriter request, String operation, Function<ByteBuffer, T> decode)
            throws KernelException {
        for (int attempt = 1; attempt <= DUMP_ATTEMPTS; attempt++) {
            List<T> found = new ArrayList<>();
            boolean consistent = exchange(request, operation, msg -> {
                T t = decode.apply(msg);
                if (t != null) {
                    found.add(t);
                }
            });
            if (consistent) {
                return found;
            }
        }
        throw new KernelException(operation, Errno.EAGAIN.number(),
                "the table changed during each of " + DUMP_ATTEMPTS + " dumps");
    }

    /** Returns false when a dump was interrupted. */
    private boolean exchange(MessageWriter request, String operation, Consumer<ByteBuffer> onData)
            throws KernelException {
        if (request != writer) {
            throw new IllegalArgumentException("the request must be written with this socket's writer");
        }
        if (closed) {
            throw new IllegalStateException("netlink socket is closed");
        }
        int mySeq = ++seq;
        out.putInt(8, mySeq);
        Syscalls.sendto(fd, out, writer.finish(), KERNEL);
        boolean consistent = true;
        while (true) {
            int n = Syscalls.recv(fd, in, Syscalls.MSG_TRUNC);
            if (n > in.capacity()) {
                throw new KernelException(operation, Errno.EMSGSIZE.number(), "a reply of " + n + " bytes was cut");
            }
            int at = 0;
            while (at + Rtnl.NLMSG_HDRLEN <= n) {
                int length = in.getInt(at);
                if (length < Rtnl.NLMSG_HDRLEN || at + length > n) {
                    throw new KernelException(operation, Errno.EPROTO.number(), "malformed netlink reply");
                }
                ByteBuffer msg = in.slice(at, length).order(ByteOrder.nativeOrder());
                at += Attributes.align(length);
                int type = msg.getShort(4) & 0xffff;
                int flags = msg.getShort(6) & 0xffff;
                if (msg.getInt(8) != mySeq || type == Rtnl.NLMSG_NOOP) {
                    continue; // an answer to an earlier request that was abandoned midway
                }
                if ((flags & Rtnl.NLM_F_DUMP_INTR) != 0) {
                    consistent = false;
                }
                if (type == Rtnl.NLMSG_ERROR || type == Rtnl.NLMSG_DONE) {
                    int error = length >= Rtnl.NLMSG_HDRLEN + 4 ? -msg.getInt(Rtnl.NLMSG_HDRLEN) : 0;
                    if (error > 0) {
                        throw new KernelException(operation, error,
                                type == Rtnl.NLMSG_ERROR ? RtMessages.errorText(msg) : null);
                    }
                    return consistent;
                }
                onData.accept(msg);
            }
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Syscalls.close(fd);
            memory.close();
        }
    }

    private static byte[] sockaddrNl() {
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder());
        b.putShort((short) Syscalls.AF_NETLINK);
        return b.array();
    }
}
