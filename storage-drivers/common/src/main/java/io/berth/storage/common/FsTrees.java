package io.berth.storage.common;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * File-tree work every driver needs, none of it following symlinks: delete, copy with owners, modes,
 * times and xattrs ({@code cp -a} without hard-link detection: hard links become copies), and sizes.
 */
public final class FsTrees {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;

    private FsTrees() {}

    /** Deletes {@code path} and everything under it; never follows a symlink; a missing path is fine. */
    public static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path, NOFOLLOW)) {
            return;
        }
        if (!Files.isDirectory(path, NOFOLLOW)) {
            Files.deleteIfExists(path);
            return;
        }
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                if (exc instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw exc;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null && !(exc instanceof NoSuchFileException)) {
                    throw exc;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** The entries of a directory, sorted by name. */
    public static List<Path> children(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(out::add);
        }
        out.sort(null);
        return out;
    }

    /** Sum of the sizes of the regular files under {@code root} (hard links counted once per name). */
    public static long regularFileBytes(Path root) throws IOException {
        if (!Files.exists(root, NOFOLLOW)) {
            return 0;
        }
        long[] sum = {0};
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    sum[0] += attrs.size();
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return sum[0];
    }

    /**
     * The naive diff's size: bytes of the regular files under {@code changed} that are not the same
     * (type, size, mtime) as the file at the same path in the first of {@code bases} that has one.
     */
    public static long changedBytes(Path changed, List<Path> bases) throws IOException {
        long[] sum = {0};
        Files.walkFileTree(changed, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (!attrs.isRegularFile()) {
                    return FileVisitResult.CONTINUE;
                }
                Path rel = changed.relativize(file);
                for (Path base : bases) {
                    Path other = base.resolve(rel.toString());
                    if (Files.exists(other, NOFOLLOW)) {
                        BasicFileAttributes o = Files.readAttributes(other, BasicFileAttributes.class, NOFOLLOW);
                        if (!(o.isRegularFile() && o.size() == attrs.size()
                                && o.lastModifiedTime().equals(attrs.lastModifiedTime()))) {
                            sum[0] += attrs.size();
                        }
                        return FileVisitResult.CONTINUE;
                    }
                }
                sum[0] += attrs.size();
                return FileVisitResult.CONTINUE;
            }
        });
        return sum[0];
    }

    /**
     * Copies {@code src} to {@code dst} like {@code cp -a}. With {@code merge}, {@code dst} may exist: a
     * directory over a directory is merged, anything else at a destination path is replaced (a symlink
     * there is removed, never followed).
     */
    public static void copyTree(Path src, Path dst, boolean merge) throws IOException {
        Map<String, Object> a = Files.readAttributes(src, "unix:mode,uid,gid,rdev,lastModifiedTime,lastAccessTime", NOFOLLOW);
        int mode = (Integer) a.get("mode");
        int type = mode & S_IFMT;
        if (Files.exists(dst, NOFOLLOW)) {
            if (!merge) {
                throw new java.nio.file.FileAlreadyExistsException(dst.toString());
            }
            if (!(type == S_IFDIR && Files.isDirectory(dst, NOFOLLOW))) {
                deleteTree(dst);
            }
        }
        switch (type) {
            case S_IFDIR -> {
                if (!Files.exists(dst, NOFOLLOW)) {
                    Files.createDirectory(dst);
                }
                for (Path child : children(src)) {
                    copyTree(child, dst.resolve(child.getFileName().toString()), merge);
                }
            }
            case S_IFREG -> Files.copy(src, dst, NOFOLLOW);
            case S_IFLNK -> Files.createSymbolicLink(dst, Files.readSymbolicLink(src));
            default -> Libc.mknod(dst, mode & ~07777 | 0600, (Long) a.get("rdev"));
        }
        setOwner(dst, (Integer) a.get("uid"), (Integer) a.get("gid"));
        if (type != S_IFLNK) {
            Libc.chmod(dst, mode);
            copyXattrs(src, dst);
        }
        setTimes(dst, (FileTime) a.get("lastModifiedTime"), (FileTime) a.get("lastAccessTime"));
    }

    /** lchown. */
    public static void setOwner(Path p, int uid, int gid) throws IOException {
        Files.setAttribute(p, "unix:uid", uid, NOFOLLOW);
        Files.setAttribute(p, "unix:gid", gid, NOFOLLOW);
    }

    /** Sets the times without following a symlink and without opening the file. */
    public static void setTimes(Path p, FileTime mtime, FileTime atime) throws IOException {
        Libc.lutimes(p, atime.toInstant(), mtime.toInstant());
    }

    /** Copies the extended attributes that belong to the file's content ({@code user.*}, file capabilities). */
    static void copyXattrs(Path src, Path dst) throws IOException {
        for (String name : Libc.llistxattr(src)) {
            if (name.startsWith("user.") || name.equals("security.capability")
                    || name.equals("trusted.overlay.opaque")) {
                byte[] v = Libc.lgetxattr(src, name);
                if (v != null) {
                    Libc.lsetxattr(dst, name, v);
                }
            }
        }
    }
}
