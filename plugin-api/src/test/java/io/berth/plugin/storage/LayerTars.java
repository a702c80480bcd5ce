package io.berth.plugin.storage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds layer tars for tests, entry by entry, in Docker's format (PAX headers, long names allowed). */
public final class LayerTars {

    /** The mtime every entry gets unless told otherwise. */
    public static final Instant MTIME = Instant.parse("2020-01-02T03:04:05Z");

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream out = new TarArchiveOutputStream(bytes, StandardCharsets.UTF_8.name());

    public LayerTars() {
        out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    public static LayerTars tar() {
        return new LayerTars();
    }

    public LayerTars dir(String name, int mode, int uid, int gid) {
        TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, true);
        return put(e, mode, uid, gid, null);
    }

    public LayerTars dir(String name) {
        return dir(name, 0755, 0, 0);
    }

    public LayerTars file(String name, String content, int mode, int uid, int gid) {
        return put(new TarArchiveEntry(name, TarConstants.LF_NORMAL, true), mode, uid, gid,
                content.getBytes(StandardCharsets.UTF_8));
    }

    public LayerTars file(String name, String content) {
        return file(name, content, 0644, 0, 0);
    }

    /** A regular file of {@code size} bytes of 'x'. */
    public LayerTars bigFile(String name, int size) {
        byte[] b = new byte[size];
        java.util.Arrays.fill(b, (byte) 'x');
        return put(new TarArchiveEntry(name, TarConstants.LF_NORMAL, true), 0644, 0, 0, b);
    }

    public LayerTars fileWithXattrs(String name, String content, Map<String, String> xattrs) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
        xattrs.forEach((k, v) -> e.addPaxHeader("SCHILY.xattr." + k, v));
        return put(e, 0644, 0, 0, content.getBytes(StandardCharsets.UTF_8));
    }

    public LayerTars symlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
        e.setLinkName(target);
        return put(e, 0777, 0, 0, null);
    }

    public LayerTars hardlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
        e.setLinkName(target);
        return put(e, 0644, 0, 0, null);
    }

    public LayerTars charDevice(String name, int major, int minor) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_CHR, true);
        e.setDevMajor(major);
        e.setDevMinor(minor);
        return put(e, 0666, 0, 0, null);
    }

    public LayerTars blockDevice(String name, int major, int minor) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_BLK, true);
        e.setDevMajor(major);
        e.setDevMinor(minor);
        return put(e, 0660, 0, 0, null);
    }

    public LayerTars fifo(String name) {
        return put(new TarArchiveEntry(name, TarConstants.LF_FIFO, true), 0644, 0, 0, null);
    }

    private LayerTars put(TarArchiveEntry e, int mode, int uid, int gid, byte[] content) {
        try {
            e.setMode(mode);
            e.setUserId(uid);
            e.setGroupId(gid);
            e.setModTime(Date.from(MTIME));
            e.setSize(content == null ? 0 : content.length);
            out.putArchiveEntry(e);
            if (content != null) {
                out.write(content);
            }
            out.closeArchiveEntry();
            return this;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    public byte[] bytes() {
        try {
            out.finish();
            out.close();
            return bytes.toByteArray();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
