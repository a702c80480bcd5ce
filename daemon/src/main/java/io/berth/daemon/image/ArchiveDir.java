package io.berth.daemon.image;

import io.berth.daemon.api.ApiException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * An image archive ({@code docker load}'s input) unpacked into a private directory under the data root,
 * treating it as hostile: only directories and regular files are written, names must stay inside
 * ({@code ..} and absolute names are refused), each name appears once, and symlinks (old docker-archives
 * link shared layer.tar files) are not created but remembered and resolved by {@link #open} inside the
 * archive only. When the archive is a plain (uncompressed) file, large entries (layers) are not copied
 * out at all: they are read in place from the archive when the loader applies them. The caller deletes
 * the directory.
 */
final class ArchiveDir {

    private static final int MAX_LINK_HOPS = 8;

    /** Entries at least this big stay in a plain archive and are read from it in place. */
    private static final long IN_PLACE = 1 << 20;

    private final Path root;
    private final Map<String, String> symlinks = new HashMap<>();
    /** Entries left in the archive file: name → {offset, size}. */
    private final Map<String, long[]> inPlace = new HashMap<>();
    private Path archive;

    private ArchiveDir(Path root) {
        this.root = root;
    }

    /** Unpacks {@code tar} into {@code root} (an empty directory). */
    static ArchiveDir unpack(InputStream tar, Path root) throws IOException {
        return unpack(tar, root, null);
    }

    /**
     * As {@link #unpack(InputStream, Path)}; {@code plainArchive}, when not null, is the uncompressed file
     * {@code tar} reads from its start, and large entries are left in it.
     */
    static ArchiveDir unpack(InputStream tar, Path root, Path plainArchive) throws IOException {
        ArchiveDir dir = new ArchiveDir(root);
        dir.archive = plainArchive;
        Set<String> seen = new HashSet<>();
        Counting counted = new Counting(tar);
        try (TarArchiveInputStream in = new TarArchiveInputStream(counted, StandardCharsets.UTF_8.name())) {
            TarArchiveEntry e;
            while ((e = next(in)) != null) {
                String name = clean(e.getName());
                if (name.isEmpty()) {
                    continue;
                }
                if (!seen.add(name) && !e.isDirectory()) {
                    throw invalid(e.getName() + ": duplicate entry");
                }
                Path target = dir.inside(name);
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else if (e.isSymbolicLink()) {
                    dir.symlinks.put(name, e.getLinkName());
                } else if (e.isFile() && !e.isLink() && plainArchive != null && e.getSize() >= IN_PLACE) {
                    // the tar reader has consumed exactly the headers: the content starts here
                    dir.inPlace.put(name, new long[] {counted.count, e.getSize()});
                } else if (e.isFile() && !e.isLink()) {
                    Files.createDirectories(target.getParent());
                    try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                        copy(in, out);
                    }
                } else {
                    throw invalid(e.getName() + ": unsupported entry type in an image archive");
                }
            }
        } catch (IllegalArgumentException e) {
            throw invalid("malformed tar: " + e.getMessage());
        }
        return dir;
    }

    /** The next entry; an archive that cannot be read (corrupt, cut short, a broken gzip stream) is the client's error. */
    private static TarArchiveEntry next(TarArchiveInputStream in) {
        try {
            return in.getNextEntry();
        } catch (IOException e) {
            throw unreadable(e);
        }
    }

    /** Copies an entry's bytes: read errors are the archive's (400), write errors the daemon's. */
    private static void copy(InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[1 << 16];
        while (true) {
            int n;
            try {
                n = in.read(buffer);
            } catch (IOException e) {
                throw unreadable(e);
            }
            if (n < 0) {
                return;
            }
            out.write(buffer, 0, n);
        }
    }

    private static ApiException unreadable(IOException e) {
        return invalid(e instanceof java.io.EOFException ? "unexpected end of the archive (truncated?)"
                : "unreadable tar: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
    }

    boolean exists(String name) {
        try {
            open(name).close();
            return true;
        } catch (IOException | ApiException e) {
            return false;
        }
    }

    /** The content of the regular file an archive name (from manifest.json or a descriptor) stands for, links followed. */
    InputStream open(String name) throws IOException {
        String entry = resolve(name);
        long[] span = inPlace.get(entry);
        if (span != null) {
            java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(archive);
            if (span[0] + span[1] > ch.size()) {
                ch.close();
                throw invalid("unexpected end of the archive (truncated?) in " + name);
            }
            ch.position(span[0]);
            return new Bounded(new java.io.BufferedInputStream(java.nio.channels.Channels.newInputStream(ch), 1 << 16), span[1]);
        }
        Path p = inside(entry);
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            throw invalid("the archive has no file " + name);
        }
        return Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS);
    }

    /** An archive name with its symlinks followed, inside the archive. */
    private String resolve(String name) {
        String current = clean(name);
        for (int hop = 0; hop <= MAX_LINK_HOPS; hop++) {
            String link = symlinks.get(current);
            if (link == null) {
                return current;
            }
            int slash = current.lastIndexOf('/');
            String base = slash < 0 ? "" : current.substring(0, slash + 1);
            current = resolveLink(link.startsWith("/") ? link.substring(1) : base + link);
        }
        throw invalid(name + ": too many symlinks");
    }

    /** A link target joined to its directory, with ".." popping components but never above the archive root. */
    private static String resolveLink(String path) {
        java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>();
        for (String c : path.split("/")) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (parts.isEmpty()) {
                    throw invalid(path + ": symlink points outside the archive");
                }
                parts.removeLast();
            } else {
                parts.addLast(c);
            }
        }
        return String.join("/", parts);
    }

    private Path inside(String name) {
        Path p = root.resolve(name).normalize();
        if (!p.startsWith(root) || p.equals(root)) {
            throw invalid(name + ": outside the archive");
        }
        return p;
    }

    /** "./a//b/" → "a/b"; refuses ".." components and NULs. */
    private static String clean(String name) {
        if (name.indexOf('\0') >= 0) {
            throw invalid("NUL in an archive name");
        }
        StringBuilder out = new StringBuilder();
        for (String c : name.split("/")) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                throw invalid(name + ": '..' in an archive name");
            }
            if (out.length() > 0) {
                out.append('/');
            }
            out.append(c);
        }
        return out.toString();
    }

    private static ApiException invalid(String message) {
        return ApiException.invalid("invalid image archive: " + message);
    }

    /** The next {@code left} bytes of a stream. */
    private static final class Bounded extends java.io.FilterInputStream {
        private long left;

        Bounded(InputStream in, long left) {
            super(in);
            this.left = left;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }

    /** Counts the bytes the tar reader takes (read or skipped): the position in a plain archive. */
    private static final class Counting extends java.io.FilterInputStream {
        long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count += skipped;
            return skipped;
        }
    }
}
