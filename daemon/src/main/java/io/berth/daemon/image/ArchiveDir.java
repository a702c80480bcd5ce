package io.berth.daemon.image;

import io.berth.daemon.api.ApiException;
import io.berth.plugin.storage.LayerFormatException;
import io.berth.plugin.storage.StagedLayer;
import io.berth.plugin.storage.StorageDriver;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

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
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

/**
 * An image archive ({@code docker load}'s input) unpacked into a private directory under the data root,
 * treating it as hostile: only directories and regular files are written, names must stay inside
 * ({@code ..} and absolute names are refused), each name appears once, and symlinks (old docker-archives
 * link shared layer.tar files) are not created but remembered and resolved by {@link #open} inside the
 * archive only. The caller deletes the directory.
 *
 * <p>Layers are unpacked as they stream by, when the storage driver can stage them: an archive's layers
 * come before the manifest that names them (and their ids depend on it), so each large entry that is a
 * plain tar is handed to {@link StorageDriver#stageLayer} while its sha256 is taken, and only what it
 * became is kept ({@link #staged}): the loader checks the digest against the manifest before it commits
 * the layer. Other entries (small files, compressed layers, every entry when the driver stages nothing)
 * are written to the directory. {@link #discardStaged} drops the staged layers the loader did not use.
 */
final class ArchiveDir {

    private static final int MAX_LINK_HOPS = 8;

    /** Entries at least this big that are plain tars are staged as layers. */
    private static final long STAGE_AT = 1 << 20;
    private static final int TAR_BLOCK = 512;

    /**
     * A plain-tar entry that was unpacked into the storage driver as it streamed by: the staged layer and
     * the sha256 of the entry's bytes, or, when the driver refused the tar, why (and no layer).
     */
    record StagedEntry(StagedLayer layer, String digest, String error) {}

    private final Path root;
    private final Map<String, String> symlinks = new HashMap<>();
    private final Map<String, StagedEntry> staged = new HashMap<>();
    private final StorageDriver storage;

    private ArchiveDir(Path root, StorageDriver storage) {
        this.root = root;
        this.storage = storage;
    }

    /**
     * Unpacks {@code tar} into {@code root} (an empty directory), staging layers in {@code storage} when
     * it can (null: write every entry to the directory). On failure nothing staged is left behind.
     */
    static ArchiveDir unpack(InputStream tar, Path root, StorageDriver storage) throws IOException {
        ArchiveDir dir = new ArchiveDir(root, storage);
        Set<String> seen = new HashSet<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(tar, StandardCharsets.UTF_8.name())) {
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
                } else if (e.isFile() && !e.isLink()) {
                    InputStream content = new BufferedInputStream(new ArchiveRead(in), 1 << 16);
                    if (storage == null || e.getSize() < STAGE_AT || !isPlainTar(content) || !dir.stage(name, content)) {
                        Files.createDirectories(target.getParent());
                        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
                                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                            content.transferTo(out);
                        }
                    }
                } else {
                    throw invalid(e.getName() + ": unsupported entry type in an image archive");
                }
            }
        } catch (IllegalArgumentException e) {
            dir.discardStaged(Set.of());
            throw invalid("malformed tar: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            dir.discardStaged(Set.of());
            throw e;
        }
        return dir;
    }

    /** Whether an entry's content starts with a ustar or GNU tar header (looked at without consuming it). */
    private static boolean isPlainTar(InputStream content) throws IOException {
        content.mark(TAR_BLOCK);
        byte[] header = content.readNBytes(TAR_BLOCK);
        content.reset();
        return header.length == TAR_BLOCK
                && new String(header, 257, 5, StandardCharsets.ISO_8859_1).equals("ustar");
    }

    /**
     * Stages {@code content} (a whole entry) as a layer and remembers it under {@code name}; false, with
     * nothing read, when the driver stages no layers.
     */
    private boolean stage(String name, InputStream content) throws IOException {
        MessageDigest sha = ImageArchiveWriter.sha256();
        DigestInputStream hashed = new DigestInputStream(content, sha);
        StagedLayer layer = null;
        String error = null;
        try {
            layer = storage.stageLayer(hashed);
            if (layer == null) {
                return false;
            }
        } catch (LayerFormatException refused) {
            error = refused.getMessage();
        }
        try {
            // the bytes after the layer's end blocks are part of its digest too
            hashed.transferTo(OutputStream.nullOutputStream());
        } catch (IOException | RuntimeException e) {
            if (layer != null) {
                storage.discardStagedLayer(layer);
            }
            throw e;
        }
        staged.put(name, new StagedEntry(layer, "sha256:" + HexFormat.of().formatHex(sha.digest()), error));
        return true;
    }

    /** The staged layer an archive name (links followed) stands for; null when that entry was not staged. */
    StagedEntry staged(String name) {
        return staged.get(resolve(name));
    }

    /** Discards every staged layer but those in {@code committed} (used up by the loader). */
    void discardStaged(Set<StagedEntry> committed) throws IOException {
        for (StagedEntry s : staged.values()) {
            if (s.layer() != null && !committed.contains(s)) {
                storage.discardStagedLayer(s.layer());
            }
        }
    }

    /** The next entry; an archive that cannot be read (corrupt, cut short, a broken gzip stream) is the client's error. */
    private static TarArchiveEntry next(TarArchiveInputStream in) {
        try {
            return in.getNextEntry();
        } catch (IOException e) {
            throw unreadable(e);
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
        if (staged.containsKey(entry)) {
            throw invalid(name + " is a layer tar, not the file expected there");
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

    /**
     * An entry's content as the tar reader gives it, with read errors turned into the client's error (a
     * corrupt, truncated or broken archive is a 400), so that they stay apart from the write errors of
     * whoever consumes the content (the daemon's).
     */
    private static final class ArchiveRead extends FilterInputStream {
        ArchiveRead(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                throw unreadable(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                throw unreadable(e);
            }
        }

        @Override
        public void close() {
            // the tar reader's stream stays open for the next entry
        }
    }
}
