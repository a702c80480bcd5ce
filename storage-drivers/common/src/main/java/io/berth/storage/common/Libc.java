package io.berth.storage.common;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The few libc calls the JDK does not offer: device nodes and fifos, extended attributes in the
 * {@code trusted.} namespace, chmod with the set-id and sticky bits, and mount for the overlay probe.
 * None of them follow a symlink at the last path component except {@link #chmod}, which callers only
 * use on paths they created and checked.
 */
public final class Libc {

    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFIFO = 0010000;
    public static final int MNT_DETACH = 2;
    public static final long MS_RDONLY = 1;
    public static final long MS_BIND = 4096;

    private interface Api extends Library {
        int mknod(String path, int mode, long dev) throws LastErrorException;

        int chmod(String path, int mode) throws LastErrorException;

        int lsetxattr(String path, String name, byte[] value, long size, int flags) throws LastErrorException;

        long lgetxattr(String path, String name, byte[] value, long size) throws LastErrorException;

        long llistxattr(String path, byte[] list, long size) throws LastErrorException;

        int mount(String source, String target, String fsType, long flags, String data) throws LastErrorException;

        int umount2(String target, int flags) throws LastErrorException;

        int utimensat(int dirfd, String path, long[] times, int flags) throws LastErrorException;
    }

    private static final class Holder {
        static final Api API = Native.load("c", Api.class);
    }

    private Libc() {}

    /** Linux's makedev(3) encoding of a device number. */
    public static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8)
                | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    public static void mknod(Path path, int typeAndMode, long dev) throws IOException {
        try {
            Holder.API.mknod(path.toString(), typeAndMode, dev);
        } catch (LastErrorException e) {
            throw failure("mknod", path, e);
        }
    }

    public static void chmod(Path path, int mode) throws IOException {
        try {
            Holder.API.chmod(path.toString(), mode & 07777);
        } catch (LastErrorException e) {
            throw failure("chmod", path, e);
        }
    }

    public static void lsetxattr(Path path, String name, byte[] value) throws IOException {
        try {
            Holder.API.lsetxattr(path.toString(), name, value, value.length, 0);
        } catch (LastErrorException e) {
            throw failure("lsetxattr " + name, path, e);
        }
    }

    /** The attribute's value, or null when the file does not have it. */
    public static byte[] lgetxattr(Path path, String name) throws IOException {
        final int enodata = 61;
        try {
            long size = Holder.API.lgetxattr(path.toString(), name, null, 0);
            byte[] buf = new byte[(int) size];
            long got = Holder.API.lgetxattr(path.toString(), name, buf, buf.length);
            return got == buf.length ? buf : java.util.Arrays.copyOf(buf, (int) got);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == enodata) {
                return null;
            }
            throw failure("lgetxattr " + name, path, e);
        }
    }

    /** The names of the file's extended attributes (not following a symlink). */
    public static java.util.List<String> llistxattr(Path path) throws IOException {
        try {
            long size = Holder.API.llistxattr(path.toString(), null, 0);
            if (size <= 0) {
                return java.util.List.of();
            }
            byte[] buf = new byte[(int) size];
            long got = Holder.API.llistxattr(path.toString(), buf, buf.length);
            java.util.List<String> names = new java.util.ArrayList<>();
            int start = 0;
            for (int i = 0; i < got; i++) {
                if (buf[i] == 0) {
                    if (i > start) {
                        names.add(new String(buf, start, i - start, java.nio.charset.StandardCharsets.UTF_8));
                    }
                    start = i + 1;
                }
            }
            return names;
        } catch (LastErrorException e) {
            throw failure("llistxattr", path, e);
        }
    }

    /**
     * Sets atime and mtime without opening the file (opening a FIFO would block) and without following
     * a symlink at the last component.
     */
    public static void lutimes(Path path, java.time.Instant atime, java.time.Instant mtime) throws IOException {
        final int atFdcwd = -100;
        final int atSymlinkNofollow = 0x100;
        long[] ts = {atime.getEpochSecond(), atime.getNano(), mtime.getEpochSecond(), mtime.getNano()};
        try {
            Holder.API.utimensat(atFdcwd, path.toString(), ts, atSymlinkNofollow);
        } catch (LastErrorException e) {
            throw failure("utimensat", path, e);
        }
    }

    public static void mount(String source, Path target, String fsType, long flags, String data) throws IOException {
        try {
            Holder.API.mount(source, target.toString(), fsType, flags, data);
        } catch (LastErrorException e) {
            throw failure("mount " + fsType, target, e);
        }
    }

    public static void umount2(Path target, int flags) throws IOException {
        try {
            Holder.API.umount2(target.toString(), flags);
        } catch (LastErrorException e) {
            throw failure("umount2", target, e);
        }
    }

    private static IOException failure(String call, Path path, LastErrorException e) {
        return new IOException(call + " " + path + ": errno " + e.getErrorCode() + " (" + e.getMessage() + ")");
    }
}
