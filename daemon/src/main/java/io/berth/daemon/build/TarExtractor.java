package io.berth.daemon.build;

import io.berth.storage.common.FsTrees;
import io.berth.storage.common.Libc;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarUtils;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * Tar archives a client hands to a build (the build context, a local ADD source), unpacked the way
 * Docker's archive.Untar does, treating the archive as hostile.
 *
 * <ul>
 * <li>Compression is recognised by its magic bytes, as Docker does: gzip, bzip2, xz, else plain tar.
 * <li>Entry names are relative to the target directory: a leading {@code /} is dropped, {@code .} and
 *     empty components are ignored, {@code ..} is applied lexically and may not leave the target
 *     directory (such an entry fails the extraction).
 * <li>An entry's parent directories are resolved with {@link ScopedPaths} inside the scope root (the
 *     context, or the container's root filesystem): symlinks there, the archive's own included, are
 *     followed but never lead out of the scope. Missing parents are created 0755 root:root.
 * <li>The entry itself is never written through: whatever is at its path is replaced, except that a
 *     directory entry over an existing directory merges into it (later entries win, as in Docker).
 * <li>Hard links must name an entry path that exists by then inside the scope and is not a directory.
 * <li>Symlink targets are stored as written. Device nodes are skipped (layers cannot carry them);
 *     FIFOs are created.
 * <li>Owner (numeric uid/gid), permission bits including set-id and sticky, and mtime come from the
 *     entry; directories get their mtime after everything in them is written.
 * <li>A truncated or malformed archive is an IOException naming the problem.
 * </ul>
 */
final class TarExtractor {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final int TAR_BLOCK = 512;
    private static final byte[] GZIP = {0x1f, (byte) 0x8b, 0x08};
    private static final byte[] BZIP2 = {'B', 'Z', 'h'};
    private static final byte[] XZ = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0x00};

    private final Path scope;
    private final String dirInScope;
    private final Dirs directories = new Dirs();

    private TarExtractor(Path scope, Path dir) {
        this.scope = scope;
        this.dirInScope = scope.relativize(dir).toString();
    }

    /** {@code in} decompressed according to its first bytes (gzip, bzip2, xz), or as it is. */
    static InputStream decompress(InputStream in) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in);
        buffered.mark(XZ.length);
        byte[] head = buffered.readNBytes(XZ.length);
        buffered.reset();
        if (startsWith(head, GZIP)) {
            return GzipCompressorInputStream.builder().setInputStream(buffered).setDecompressConcatenated(true).get();
        }
        if (startsWith(head, BZIP2)) {
            return new BZip2CompressorInputStream(buffered, true);
        }
        if (startsWith(head, XZ)) {
            return new XZCompressorInputStream(buffered, true);
        }
        return buffered;
    }

    /** Whether the file, decompressed, starts with a valid tar header (Docker's IsArchivePath). */
    static boolean isTarArchive(Path file) throws IOException {
        try (InputStream in = decompress(Files.newInputStream(file))) {
            byte[] header = in.readNBytes(TAR_BLOCK);
            return header.length == TAR_BLOCK && TarUtils.verifyCheckSum(header);
        } catch (IOException e) {
            // A file that merely starts like a compressed stream is copied, not extracted (as in Docker).
            return false;
        }
    }

    /**
     * Unpacks the decompressed tar {@code tar} into {@code dir}, a directory inside {@code scope} that
     * {@link ScopedPaths} resolved (it may not exist yet).
     */
    static void extract(InputStream tar, Path scope, Path dir) throws IOException {
        TarExtractor x = new TarExtractor(scope, dir);
        try (TarArchiveInputStream in = new TarArchiveInputStream(new NonClosing(tar), StandardCharsets.UTF_8.name())) {
            TarArchiveEntry e;
            while ((e = nextEntry(in)) != null) {
                x.entry(e, in);
            }
        } catch (IllegalArgumentException e) {
            throw new IOException("malformed tar: " + e.getMessage(), e);
        }
        x.directories.setTimes();
    }

    /**
     * The next entry, or null at the end. An archive that stops right after an entry's data, without the
     * padding and the end-of-archive blocks, ends there: the docker CLI sends such a context when it adds a
     * Dockerfile from outside the context directory (and Go's reader accepts it). An entry whose data is
     * cut short is still an error ({@link #entry} counts its bytes).
     */
    private static TarArchiveEntry nextEntry(TarArchiveInputStream in) throws IOException {
        try {
            return in.getNextEntry();
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("Truncated TAR archive")) {
                return null;
            }
            throw e;
        }
    }

    private void entry(TarArchiveEntry e, InputStream content) throws IOException {
        String name = e.getName();
        if (e.isCharacterDevice() || e.isBlockDevice()) {
            return;
        }
        List<String> path = entryPath(name, name);
        if (path.isEmpty()) {
            if (!e.isDirectory()) {
                throw new IOException(name + ": names the target directory but is not a directory");
            }
            Path dir = ScopedPaths.resolve(scope, dirInScope);
            if (!Files.isDirectory(dir, NOFOLLOW)) {
                Dirs.create(dir, FileCopier.Owner.ROOT);
                metadata(e, dir);
            }
            return;
        }
        Path parent = Dirs.create(ScopedPaths.resolve(scope, inScope(path.subList(0, path.size() - 1))),
                FileCopier.Owner.ROOT);
        Path target = parent.resolve(path.get(path.size() - 1));
        boolean merge = e.isDirectory() && Files.isDirectory(target, NOFOLLOW);
        if (!merge) {
            FsTrees.deleteTree(target);
        }
        if (e.isDirectory()) {
            if (!merge) {
                Files.createDirectory(target);
            }
        } else if (e.isSymbolicLink()) {
            Files.createSymbolicLink(target, Path.of(e.getLinkName()));
        } else if (e.isLink()) {
            Files.createLink(target, hardLinkTarget(name, e.getLinkName()));
            return;
        } else if (e.isFIFO()) {
            Libc.mknod(target, Libc.S_IFIFO | 0600, 0);
        } else if (e.isFile()) {
            try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, NOFOLLOW)) {
                long written = content.transferTo(out);
                if (written != e.getSize()) {
                    throw new IOException(name + ": truncated archive (" + written + " of " + e.getSize() + " bytes)");
                }
            }
        } else {
            throw new IOException(name + ": unsupported tar entry type '" + (char) e.getLinkFlag() + "'");
        }
        metadata(e, target);
    }

    /** The entry's path below the target directory, checked not to leave it. */
    private static List<String> entryPath(String entryName, String name) throws IOException {
        if (name.indexOf('\0') >= 0) {
            throw new IOException(entryName + ": NUL in name");
        }
        List<String> path = ScopedPaths.clean(name);
        if (!path.isEmpty() && path.get(0).equals("..")) {
            throw new IOException(entryName + ": path leaves the target directory");
        }
        return path;
    }

    private String inScope(List<String> below) {
        return dirInScope + "/" + String.join("/", below);
    }

    private Path hardLinkTarget(String entryName, String linkName) throws IOException {
        List<String> path = entryPath(entryName, linkName);
        Path existing = ScopedPaths.resolve(scope, inScope(path), false);
        if (path.isEmpty() || !Files.exists(existing, NOFOLLOW) || Files.isDirectory(existing, NOFOLLOW)) {
            throw new IOException(entryName + ": hard link to '" + linkName + "', which is not an earlier file");
        }
        return existing;
    }

    private void metadata(TarArchiveEntry e, Path target) throws IOException {
        FsTrees.setOwner(target, (int) e.getLongUserId(), (int) e.getLongGroupId());
        if (!e.isSymbolicLink()) {
            Libc.chmod(target, e.getMode());
        }
        FileTime mtime = FileTime.from(e.getLastModifiedTime().toInstant());
        if (e.isDirectory()) {
            directories.deferTime(target, mtime);
        } else {
            FsTrees.setTimes(target, mtime, mtime);
        }
    }

    private static boolean startsWith(byte[] head, byte[] magic) {
        return head.length >= magic.length && Arrays.equals(head, 0, magic.length, magic, 0, magic.length);
    }

    /** The caller owns the stream; the tar reader must not close it. */
    private static final class NonClosing extends FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {}
    }
}
