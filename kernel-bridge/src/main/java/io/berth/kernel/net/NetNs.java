package io.berth.kernel.net;

import io.berth.kernel.Errno;
import io.berth.kernel.KernelException;
import io.berth.kernel.Syscalls;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * A network namespace held open by a bind-mounted handle file, as {@code ip netns add} does under
 * /run/netns, but at any path. The namespace lives as long as the mount (or any process or socket in
 * it); {@link #delete} unmounts the handle, and the kernel frees the namespace when nothing else holds it.
 *
 * <p>Everything that has to be inside a namespace runs on one dedicated platform thread
 * ({@link NamespaceThread}), never on the caller's: a pooled or virtual thread must never change
 * namespace. The mount itself is in the daemon's mount namespace, so the handle works from any thread,
 * whether its parent directory is a shared mount (as /run/netns is on many hosts, and then the handle
 * propagates to the peers) or a private one.
 */
public final class NetNs {

    private NetNs() {
    }

    /**
     * Creates a new network namespace with its loopback up and bind-mounts it at {@code handle}, creating
     * the parent directories. An existing namespace handle is kept as it is; a left-over plain file (a
     * handle whose mount was lost) is reused.
     */
    public static void create(Path handle) throws IOException {
        Path file = handle.toAbsolutePath();
        NamespaceThread.run(() -> {
            if (!isNetNs(file)) {
                createOnNamespaceThread(file);
            }
            return null;
        });
    }

    /**
     * Moves the namespace held at {@code from} to a new handle {@code to} (bind-mounts it there, then
     * unmounts and deletes {@code from}): a namespace made ahead of time takes its owner's name in two
     * mount calls instead of the ~1.5 ms a new namespace costs. {@code to} must not exist yet.
     */
    public static void move(Path from, Path to) throws IOException {
        if (!isNetNs(from)) {
            throw new IOException("move network namespace " + from + ": not a network namespace handle");
        }
        Files.createDirectories(to.getParent());
        Files.createFile(to);
        try {
            Syscalls.mount(from.toAbsolutePath().toString(), to.toAbsolutePath(), null, Syscalls.MS_BIND, null);
        } catch (IOException e) {
            Files.deleteIfExists(to);
            throw e;
        }
        delete(from);
    }

    /** Unmounts (MNT_DETACH) and deletes the handle; no error when it is absent. */
    public static void delete(Path handle) throws IOException {
        // a handle mounted twice (two processes creating it at once) needs two unmounts
        for (int i = 0; i < 8 && isNetNs(handle); i++) {
            Syscalls.umount2(handle, Syscalls.MNT_DETACH);
        }
        Files.deleteIfExists(handle);
    }

    /** Whether {@code handle} is a network namespace file (a bind-mounted nsfs inode of type net). */
    public static boolean isNetNs(Path handle) {
        if (!Files.isRegularFile(handle)) {
            return false; // also keeps a FIFO or device from being opened
        }
        try {
            int fd = Syscalls.open(handle, Syscalls.O_RDONLY | Syscalls.O_NONBLOCK);
            try {
                return Syscalls.ioctl(fd, Syscalls.NS_GET_NSTYPE) == Syscalls.CLONE_NEWNET;
            } finally {
                Syscalls.close(fd);
            }
        } catch (KernelException e) {
            return false; // ENOTTY: a plain file; EACCES or ENOENT: nothing we could use either
        }
    }

    /**
     * Runs {@code work} on a thread that is inside the namespace at {@code handle} (to open sockets that
     * live there, read its /proc/thread-self/net or its /proc/sys/net), and returns its result. The
     * thread returns to the daemon's namespace afterwards, or is discarded if it cannot. Sockets opened
     * by {@code work} stay in the namespace. An IOException or unchecked exception of {@code work} is
     * thrown as it is; another checked one is wrapped. Keep {@code work} short: every namespace task of
     * the daemon waits for the one thread.
     */
    public static <T> T call(Path handle, Callable<T> work) throws IOException {
        return NamespaceThread.inside(() -> enter(handle), work);
    }

    private static void enter(Path handle) throws KernelException {
        String operation = "enter network namespace " + handle;
        int fd;
        try {
            fd = Syscalls.open(handle, Syscalls.O_RDONLY);
        } catch (KernelException e) {
            throw new KernelException(operation, e.errno());
        }
        try {
            Syscalls.setns(fd, Syscalls.CLONE_NEWNET);
        } catch (KernelException e) {
            throw new KernelException(operation, e.errno(), e.is(Errno.EINVAL) ? "not a network namespace" : null);
        } finally {
            Syscalls.close(fd);
        }
    }

    /**
     * On the namespace thread: unshare a new namespace, bring its loopback up, bind-mount the thread's
     * namespace file onto the handle, and go back. Undone if any step fails: the namespace then ends
     * with the thread's departure, since nothing else holds it.
     */
    private static void createOnNamespaceThread(Path handle) throws IOException {
        Files.createDirectories(handle.getParent());
        boolean created = false;
        try {
            Files.createFile(handle);
            created = true;
        } catch (FileAlreadyExistsException e) {
            if (!Files.isRegularFile(handle)) {
                throw new IOException("create network namespace " + handle + ": something else than a file is there");
            }
        }
        try {
            NamespaceThread.inside(() -> Syscalls.unshare(Syscalls.CLONE_NEWNET), () -> {
                try (Netlink netlink = Netlink.open()) {
                    netlink.setUp("lo");
                }
                Syscalls.mount(NamespaceThread.THREAD_NETNS.toString(), handle, null, Syscalls.MS_BIND, null);
                return null;
            });
        } catch (IOException | RuntimeException e) {
            if (created) {
                Files.deleteIfExists(handle);
            }
            throw e;
        }
    }
}
