package io.berth.kernel;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The few system calls berth's Java side makes directly (through JNA). Each failure is a
 * {@link KernelException} that names the call and its object; file descriptors are always opened
 * close-on-exec, so that no child process inherits them.
 */
public final class Syscalls {

    /** errno ESRCH: no such process. */
    public static final int ESRCH = 3;

    public static final int O_RDONLY = 0;
    public static final int O_NONBLOCK = 0x800;
    private static final int O_CLOEXEC = 0x80000;

    /** unshare(2)/setns(2) namespace type of network namespaces. */
    public static final int CLONE_NEWNET = 0x40000000;

    public static final long MS_BIND = 0x1000;
    public static final long MS_REC = 0x4000;
    public static final long MS_PRIVATE = 0x40000;
    public static final long MS_SHARED = 0x100000;
    public static final int MNT_DETACH = 2;

    /** ioctl on a namespace file: which CLONE_NEW* type it is (linux/nsfs.h). */
    public static final long NS_GET_NSTYPE = 0xb703;

    public static final int AF_NETLINK = 16;
    public static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 0x80000;
    /** recv flag: return the datagram's real length even when the buffer was too small. */
    public static final int MSG_TRUNC = 0x20;

    private interface LibC extends Library {
        int kill(int pid, int sig) throws LastErrorException;

        int open(String path, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        int mount(String source, String target, String fsType, long flags, String data) throws LastErrorException;

        int umount2(String target, int flags) throws LastErrorException;

        int unshare(int flags) throws LastErrorException;

        int setns(int fd, int nsType) throws LastErrorException;

        int ioctl(int fd, long request, long arg) throws LastErrorException;

        int socket(int domain, int type, int protocol) throws LastErrorException;

        int bind(int fd, byte[] address, int addressLength) throws LastErrorException;

        int setsockopt(int fd, int level, int option, int[] value, int valueLength) throws LastErrorException;

        long sendto(int fd, ByteBuffer buf, long length, int flags, byte[] address, int addressLength)
                throws LastErrorException;

        long recv(int fd, ByteBuffer buf, long length, int flags) throws LastErrorException;
    }

    private static final class Holder {
        static final LibC C = Native.load("c", LibC.class);
    }

    private Syscalls() {
    }

    /**
     * kill(2). Returns false when the process does not exist (ESRCH).
     *
     * @throws KernelException for any other failure (e.g. EPERM)
     */
    public static boolean kill(int pid, int signal) throws KernelException {
        if (pid <= 0) {
            throw new IllegalArgumentException("refusing kill(" + pid + ")");
        }
        try {
            Holder.C.kill(pid, signal);
            return true;
        } catch (LastErrorException e) {
            if (Errno.ESRCH.is(e.getErrorCode())) {
                return false;
            }
            throw new KernelException("kill " + pid + " with signal " + signal, e.getErrorCode());
        }
    }

    /** open(2) with O_CLOEXEC added; returns the descriptor. */
    public static int open(Path path, int flags) throws KernelException {
        try {
            return Holder.C.open(path.toString(), flags | O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new KernelException("open " + path, e.getErrorCode());
        }
    }

    /** close(2); a failure is ignored, as the descriptor is released by the kernel either way. */
    public static void close(int fd) {
        try {
            Holder.C.close(fd);
        } catch (LastErrorException ignored) {
            // EINTR or EIO on close still frees the descriptor on Linux; nothing to retry
        }
    }

    /** mount(2); {@code source}, {@code fsType} and {@code data} may be null. */
    public static void mount(String source, Path target, String fsType, long flags, String data)
            throws KernelException {
        try {
            Holder.C.mount(source, target.toString(), fsType, flags, data);
        } catch (LastErrorException e) {
            throw new KernelException("mount " + (source == null ? "" : source + " on ") + target, e.getErrorCode());
        }
    }

    public static void umount2(Path target, int flags) throws KernelException {
        try {
            Holder.C.umount2(target.toString(), flags);
        } catch (LastErrorException e) {
            throw new KernelException("umount " + target, e.getErrorCode());
        }
    }

    /** unshare(2) for the calling thread only (namespaces that are per thread, such as net). */
    public static void unshare(int nsTypes) throws KernelException {
        try {
            Holder.C.unshare(nsTypes);
        } catch (LastErrorException e) {
            throw new KernelException("unshare 0x" + Integer.toHexString(nsTypes), e.getErrorCode());
        }
    }

    /** setns(2) of the calling thread into the namespace open at {@code fd}, which must be of {@code nsType}. */
    public static void setns(int fd, int nsType) throws KernelException {
        try {
            Holder.C.setns(fd, nsType);
        } catch (LastErrorException e) {
            throw new KernelException("setns 0x" + Integer.toHexString(nsType), e.getErrorCode());
        }
    }

    /** ioctl(2) for requests that take no argument and answer with the return value. */
    public static int ioctl(int fd, long request) throws KernelException {
        try {
            return Holder.C.ioctl(fd, request, 0);
        } catch (LastErrorException e) {
            throw new KernelException("ioctl 0x" + Long.toHexString(request), e.getErrorCode());
        }
    }

    /** socket(2) with SOCK_CLOEXEC added, in the calling thread's network namespace. */
    public static int socket(int domain, int type, int protocol) throws KernelException {
        try {
            return Holder.C.socket(domain, type | SOCK_CLOEXEC, protocol);
        } catch (LastErrorException e) {
            throw new KernelException("socket " + domain + "/" + type + "/" + protocol, e.getErrorCode());
        }
    }

    public static void bind(int fd, byte[] sockaddr) throws KernelException {
        try {
            Holder.C.bind(fd, sockaddr, sockaddr.length);
        } catch (LastErrorException e) {
            throw new KernelException("bind", e.getErrorCode());
        }
    }

    /** setsockopt(2) for an int option. */
    public static void setsockopt(int fd, int level, int option, int value) throws KernelException {
        try {
            Holder.C.setsockopt(fd, level, option, new int[] {value}, Integer.BYTES);
        } catch (LastErrorException e) {
            throw new KernelException("setsockopt " + level + "/" + option, e.getErrorCode());
        }
    }

    /**
     * Sends the first {@code length} bytes of {@code buf} (a direct buffer; its position is ignored) to
     * {@code sockaddr} as one datagram, retrying on EINTR.
     */
    public static void sendto(int fd, ByteBuffer buf, int length, byte[] sockaddr) throws KernelException {
        while (true) {
            try {
                Holder.C.sendto(fd, buf, length, 0, sockaddr, sockaddr.length);
                return;
            } catch (LastErrorException e) {
                if (!Errno.EINTR.is(e.getErrorCode())) {
                    throw new KernelException("sendto", e.getErrorCode());
                }
            }
        }
    }

    /**
     * Receives one datagram into {@code buf} from its start (a direct buffer; position and limit are
     * ignored), retrying on EINTR; returns what recv(2) returns, which with {@link #MSG_TRUNC} is the
     * datagram's full length.
     */
    public static int recv(int fd, ByteBuffer buf, int flags) throws KernelException {
        while (true) {
            try {
                return (int) Holder.C.recv(fd, buf, buf.capacity(), flags);
            } catch (LastErrorException e) {
                if (!Errno.EINTR.is(e.getErrorCode())) {
                    throw new KernelException("recv", e.getErrorCode());
                }
            }
        }
    }
}
