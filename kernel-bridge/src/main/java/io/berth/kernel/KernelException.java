package io.berth.kernel;

import java.io.IOException;

/**
 * A system call or netlink request the kernel refused, with its errno. The message names the operation
 * and its object first, then the error, then whatever detail the kernel or the caller adds:
 * {@code "add veth vethab12 peer eth0: File exists (EEXIST)"}.
 */
public final class KernelException extends IOException {

    private final int errno;

    /**
     * @param operation what was attempted, naming its objects ({@code "set master of veth1 to br0"})
     * @param errno the positive errno
     * @param detail extra text (the kernel's extended ack message, or a hint), or null
     */
    public KernelException(String operation, int errno, String detail) {
        super(operation + ": " + Errno.describe(errno) + (detail == null || detail.isEmpty() ? "" : ": " + detail));
        this.errno = errno;
    }

    public KernelException(String operation, int errno) {
        this(operation, errno, null);
    }

    /** The positive errno. */
    public int errno() {
        return errno;
    }

    /** Whether the kernel answered with {@code e}. */
    public boolean is(Errno e) {
        return e.is(errno);
    }
}
