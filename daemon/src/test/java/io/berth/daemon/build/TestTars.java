package io.berth.daemon.build;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorOutputStream;

/** Tar archives built in memory for tests; entries owned by the current user unless said otherwise. */
final class TestTars {

    static final Instant MTIME = Instant.parse("2020-01-02T03:04:05Z");
    static final int UID = id("uid");
    static final int GID = id("gid");

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes, StandardCharsets.UTF_8.name());

    private TestTars() {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    }

    static TestTars tar() {
        return new TestTars();
    }

    TestTars file(String name, String content) {
        return file(name, content, 0644);
    }

    TestTars file(String name, String content, int mode) {
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = entry(name, TarConstants.LF_NORMAL, mode);
        e.setSize(data.length);
        return put(e, data);
    }

    TestTars dir(String name, int mode) {
        return put(entry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, mode), null);
    }

    TestTars symlink(String name, String target) {
        TarArchiveEntry e = entry(name, TarConstants.LF_SYMLINK, 0777);
        e.setLinkName(target);
        return put(e, null);
    }

    TestTars hardlink(String name, String target) {
        TarArchiveEntry e = entry(name, TarConstants.LF_LINK, 0644);
        e.setLinkName(target);
        return put(e, null);
    }

    TestTars charDevice(String name, int major, int minor) {
        TarArchiveEntry e = entry(name, TarConstants.LF_CHR, 0666);
        e.setDevMajor(major);
        e.setDevMinor(minor);
        return put(e, null);
    }

    TestTars fifo(String name) {
        return put(entry(name, TarConstants.LF_FIFO, 0600), null);
    }

    /** An entry with a given owner (extraction as root keeps it). */
    TestTars ownedFile(String name, String content, int uid, int gid) {
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = entry(name, TarConstants.LF_NORMAL, 0644);
        e.setIds(uid, gid);
        e.setSize(data.length);
        return put(e, data);
    }

    byte[] bytes() {
        try {
            tar.finish();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] gzip() {
        return compress(bytes(), "gzip");
    }

    byte[] bzip2() {
        return compress(bytes(), "bzip2");
    }

    byte[] xz() {
        return compress(bytes(), "xz");
    }

    Path writeTo(Path file) throws IOException {
        Files.write(file, bytes());
        return file;
    }

    static byte[] compress(byte[] data, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream c = switch (format) {
            case "gzip" -> new GzipCompressorOutputStream(out);
            case "bzip2" -> new BZip2CompressorOutputStream(out);
            case "xz" -> new XZCompressorOutputStream(out);
            default -> throw new IllegalArgumentException(format);
        }) {
            c.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static TarArchiveEntry entry(String name, byte type, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setMode(mode);
        e.setIds(UID, GID);
        e.setModTime(Date.from(MTIME));
        return e;
    }

    private TestTars put(TarArchiveEntry e, byte[] data) {
        try {
            tar.putArchiveEntry(e);
            if (data != null) {
                tar.write(data);
            }
            tar.closeArchiveEntry();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return this;
    }

    private static int id(String which) {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:" + which);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
