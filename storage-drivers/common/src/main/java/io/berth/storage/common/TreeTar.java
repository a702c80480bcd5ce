package io.berth.storage.common;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;

/**
 * Directory trees as tar, the way Docker writes them: numeric owners, full modes, mtimes, symlinks,
 * FIFOs, hard links (the first path of an inode carries the content), PAX long names and the
 * {@code user.*} and {@code security.capability} xattrs. Sockets and device nodes are left out.
 */
public final class TreeTar {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private TreeTar() {
    }

    static TarArchiveOutputStream open(OutputStream out) {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        return tar;
    }

    /** Writes everything below {@code root} (not the root itself), in name order, and finishes the tar. */
    public static void writeTree(Path root, OutputStream out) throws IOException {
        TarArchiveOutputStream tar = open(out);
        writeChildren(tar, root, root, new HashMap<>());
        tar.finish();
    }

    private static void writeChildren(TarArchiveOutputStream tar, Path root, Path dir, Map<Long, String> firstByInode)
            throws IOException {
        for (Path p : FsTrees.children(dir)) {
            writeEntry(tar, p, root.relativize(p).toString(), firstByInode);
            if (Files.isDirectory(p, NOFOLLOW)) {
                writeChildren(tar, root, p, firstByInode);
            }
        }
    }

    static void writeEntry(TarArchiveOutputStream tar, Path p, String rel, Map<Long, String> firstByInode)
            throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,ino,nlink,lastModifiedTime", NOFOLLOW);
        int mode = (Integer) a.get("mode");
        int type = mode & 0170000;
        TarArchiveEntry e;
        boolean content = false;
        if (type == 0040000) {
            e = new TarArchiveEntry(rel + "/", TarConstants.LF_DIR, true);
        } else if (type == 0120000) {
            e = new TarArchiveEntry(rel, TarConstants.LF_SYMLINK, true);
            e.setLinkName(Files.readSymbolicLink(p).toString());
        } else if (type == 0010000) {
            e = new TarArchiveEntry(rel, TarConstants.LF_FIFO, true);
        } else if (type == 0100000) {
            long inode = (Long) a.get("ino");
            String first = (Integer) a.get("nlink") > 1 ? firstByInode.putIfAbsent(inode, rel) : null;
            if (first != null) {
                e = new TarArchiveEntry(rel, TarConstants.LF_LINK, true);
                e.setLinkName(first);
            } else {
                e = new TarArchiveEntry(rel, TarConstants.LF_NORMAL, true);
                e.setSize((Long) a.get("size"));
                content = true;
            }
        } else {
            return; // sockets and device nodes do not go into layers
        }
        e.setMode(mode);
        e.setIds((Integer) a.get("uid"), (Integer) a.get("gid"));
        e.setModTime(((FileTime) a.get("lastModifiedTime")).toMillis());
        if (type != 0120000) {
            for (String attr : Libc.llistxattr(p)) {
                if (attr.startsWith("user.") || attr.equals("security.capability")) {
                    e.addPaxHeader("SCHILY.xattr." + attr,
                            new String(Libc.lgetxattr(p, attr), StandardCharsets.ISO_8859_1));
                }
            }
        }
        tar.putArchiveEntry(e);
        if (content) {
            try (InputStream in = Files.newInputStream(p, NOFOLLOW)) {
                long copied = in.transferTo(tar);
                if (copied != e.getSize()) {
                    throw new IOException(rel + " changed size while it was read");
                }
            }
        }
        tar.closeArchiveEntry();
    }
}
