package io.berth.storage.common;

import io.berth.plugin.storage.LayerFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Extracts an uncompressed layer tar in Docker's format into a directory, treating the tar as hostile.
 *
 * <p>Rules (each violation is a {@link LayerFormatException} naming the entry; the caller discards the
 * target directory, which must be a fresh temporary one):
 * <ul>
 * <li>Names are relative to the layer root: a leading {@code /} or any {@code ..} component is
 *     rejected; {@code ./} prefixes and empty components are ignored. The root entry itself is skipped.
 * <li>No write goes through a symlink: every existing component of an entry's parent is checked with
 *     {@code NOFOLLOW_LINKS} and must be a real directory; the entry itself is created with
 *     {@code CREATE_NEW}, replacing (never following) what a lower layer left there. The target
 *     directory belongs to the daemon alone while it is extracted, so nothing races these checks.
 * <li>Hard links point only to an earlier non-directory entry of the same layer (names as above).
 * <li>Symlink targets are stored as they are (they are resolved inside the container, never by us).
 * <li>Device nodes: a character device 0:0 is overlay's whiteout form and is treated as a whiteout of
 *     its name; every other character or block device is rejected. FIFOs are allowed (Docker allows them
 *     and they grant nothing).
 * <li>Duplicates: a path may appear once. The only exception is a directory repeated as a directory
 *     (tools append them), whose later metadata wins. A name both deleted and created by the same layer
 *     is a duplicate too. (Docker lets the later entry win; a well-formed layer never needs that.)
 * <li>Metadata: owner (numeric uid/gid, chown as root), the full mode including set-id and sticky
 *     bits, mtime (directories get theirs after their content is written), and PAX xattrs
 *     ({@code SCHILY.xattr.*}) in the {@code user.} namespace and {@code security.capability};
 *     others ({@code trusted.*} would let a layer forge overlay metadata) are dropped.
 * <li>Whiteouts ({@code .wh.*}) are decoded by {@link Whiteouts} and stored through the driver's
 *     {@link WhiteoutFormat}.
 * </ul>
 */
public final class LayerTarReader {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private enum Kind { DIR, IMPLICIT_DIR, FILE, SYMLINK, FIFO, WHITEOUT }

    private final Path root;
    private final WhiteoutFormat format;
    /** What this layer put at each relative path. */
    private final Map<String, Kind> entries = new HashMap<>();
    /** Every path this layer wrote or wrote below. */
    private final Set<String> touched = new HashSet<>();
    private final List<Object[]> dirTimes = new ArrayList<>();
    private final TarSplit.Recorder split;
    private long bytes;

    private LayerTarReader(Path root, WhiteoutFormat format, TarSplit.Recorder split) {
        this.root = root;
        this.format = format;
        this.split = split;
    }

    /**
     * Extracts {@code tar} into {@code root} (an existing directory: empty, or for
     * {@link WhiteoutFormat#APPLY} a copy of the parent layer) and returns the bytes of regular-file
     * content the layer holds.
     */
    public static long extract(InputStream tar, Path root, WhiteoutFormat format) throws IOException {
        return extract(tar, root, format, null);
    }

    /**
     * As {@link #extract(InputStream, Path, WhiteoutFormat)}, and records the tar's {@link TarSplit} in
     * {@code splitFile} (when not null) so that {@link TarSplit#reassemble} gives back the same bytes.
     */
    public static long extract(InputStream tar, Path root, WhiteoutFormat format, Path splitFile) throws IOException {
        if (splitFile == null) {
            return extract(tar, new LayerTarReader(root, format, null));
        }
        try (TarSplit.Recorder recorder = new TarSplit.Recorder(tar, splitFile)) {
            long size = extract(recorder, new LayerTarReader(root, format, recorder));
            recorder.finish();
            return size;
        }
    }

    private static long extract(InputStream tar, LayerTarReader r) throws IOException {
        try (TarArchiveInputStream in = new TarArchiveInputStream(new NonClosing(tar), StandardCharsets.UTF_8.name())) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                r.entry(e, in);
            }
        } catch (LayerFormatException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new LayerFormatException("malformed tar: " + e.getMessage());
        }
        r.finishDirectories();
        return r.bytes;
    }

    /** Splits and checks an entry name; an empty list is the layer root. */
    static List<String> components(String entryName, String name) throws LayerFormatException {
        if (name.indexOf('\0') >= 0) {
            throw new LayerFormatException(entryName + ": NUL in name");
        }
        if (name.startsWith("/")) {
            throw new LayerFormatException(entryName + ": absolute path");
        }
        List<String> out = new ArrayList<>();
        for (String c : name.split("/")) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                throw new LayerFormatException(entryName + ": '..' in path");
            }
            out.add(c);
        }
        return out;
    }

    private void entry(TarArchiveEntry e, InputStream in) throws IOException {
        String name = e.getName();
        List<String> comps = components(name, name);
        if (comps.isEmpty()) {
            if (e.isDirectory()) {
                return;
            }
            throw new LayerFormatException(name + ": names the layer root but is not a directory");
        }
        for (int i = 0; i < comps.size() - 1; i++) {
            if (Whiteouts.isMetaDirectory(comps.get(i))) {
                return;
            }
        }
        String base = comps.get(comps.size() - 1);
        String rel = String.join("/", comps);
        String parentRel = String.join("/", comps.subList(0, comps.size() - 1));
        Whiteouts.Kind kind = Whiteouts.classify(name, base);
        if (kind instanceof Whiteouts.Meta) {
            return;
        }
        if (!(kind instanceof Whiteouts.Plain)) {
            Path dir = parentDirectory(name, comps.subList(0, comps.size() - 1));
            if (kind instanceof Whiteouts.Opaque) {
                format.opaque(dir, p -> touched.contains(root.relativize(p).toString()));
            } else {
                String target = ((Whiteouts.Whiteout) kind).target();
                whiteout(name, dir, parentRel.isEmpty() ? target : parentRel + "/" + target, target);
            }
            return;
        }
        if (e.isCharacterDevice() && e.getDevMajor() == 0 && e.getDevMinor() == 0) {
            whiteout(name, parentDirectory(name, comps.subList(0, comps.size() - 1)), rel, base);
            return;
        }
        if (e.isCharacterDevice() || e.isBlockDevice()) {
            throw new LayerFormatException(name + ": device node " + e.getDevMajor() + ":" + e.getDevMinor()
                    + " not allowed in a layer");
        }
        Kind newKind;
        if (e.isDirectory()) {
            newKind = Kind.DIR;
        } else if (e.isSymbolicLink()) {
            newKind = Kind.SYMLINK;
        } else if (e.isLink()) {
            newKind = Kind.FILE;
        } else if (e.isFIFO()) {
            newKind = Kind.FIFO;
        } else if (e.isFile()) {
            newKind = Kind.FILE;
        } else {
            throw new LayerFormatException(name + ": unsupported tar entry type '" + (char) e.getLinkFlag() + "'");
        }
        Kind old = entries.get(rel);
        boolean mergeDir = false;
        if (old != null) {
            if ((old == Kind.DIR || old == Kind.IMPLICIT_DIR) && newKind == Kind.DIR) {
                mergeDir = true;
            } else {
                throw new LayerFormatException(name + ": duplicate entry");
            }
        } else if (touched.contains(rel) && newKind != Kind.DIR) {
            throw new LayerFormatException(name + ": replaces a directory this layer already wrote into");
        }
        Path dir = parentDirectory(name, comps.subList(0, comps.size() - 1));
        Path target = dir.resolve(base);
        if (!mergeDir && Files.exists(target, NOFOLLOW)) {
            // Left by a lower layer (the APPLY form works on a copy of the parent).
            if (!(newKind == Kind.DIR && Files.isDirectory(target, NOFOLLOW))) {
                FsTrees.deleteTree(target);
            }
        }
        switch (newKind) {
            case DIR -> {
                if (!Files.isDirectory(target, NOFOLLOW)) {
                    Files.createDirectory(target);
                }
            }
            case SYMLINK -> Files.createSymbolicLink(target, Path.of(e.getLinkName()));
            case FIFO -> Libc.mknod(target, Libc.S_IFIFO | 0600, 0);
            default -> {
                if (e.isLink()) {
                    hardLink(name, e.getLinkName(), target);
                    entries.put(rel, Kind.FILE);
                    touch(rel);
                    return;
                }
                try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                    if (split != null) {
                        split.beginContent(rel);
                    }
                    bytes += in.transferTo(out);
                    if (split != null) {
                        split.endContent();
                    }
                }
            }
        }
        entries.put(rel, newKind);
        touch(rel);
        metadata(name, e, target, newKind);
    }

    private void whiteout(String name, Path dir, String targetRel, String targetName) throws IOException {
        if (entries.containsKey(targetRel) || touched.contains(targetRel)) {
            throw new LayerFormatException(name + ": deletes a path the same layer creates (duplicate entry)");
        }
        format.whiteout(dir, targetName);
        entries.put(targetRel, Kind.WHITEOUT);
        touch(targetRel);
    }

    private void hardLink(String name, String linkName, Path link) throws IOException {
        List<String> comps = components(name, linkName);
        String rel = String.join("/", comps);
        Kind k = entries.get(rel);
        if (comps.isEmpty() || k == null || k == Kind.WHITEOUT || k == Kind.DIR || k == Kind.IMPLICIT_DIR) {
            throw new LayerFormatException(name + ": hard link to '" + linkName
                    + "', which is not an earlier file of this layer");
        }
        Path existing = parentDirectory(name, comps.subList(0, comps.size() - 1)).resolve(comps.get(comps.size() - 1));
        Files.createLink(link, existing);
    }

    /** Walks to the parent directory, creating missing ones (0755, root) and refusing symlinks. */
    private Path parentDirectory(String name, List<String> comps) throws IOException {
        Path cur = root;
        StringBuilder rel = new StringBuilder();
        for (String c : comps) {
            if (rel.length() > 0) {
                rel.append('/');
            }
            rel.append(c);
            cur = cur.resolve(c);
            if (Files.isSymbolicLink(cur)) {
                throw new LayerFormatException(name + ": path goes through symlink '" + rel + "'");
            }
            if (!Files.exists(cur, NOFOLLOW)) {
                Files.createDirectory(cur);
                Libc.chmod(cur, 0755);
                entries.put(rel.toString(), Kind.IMPLICIT_DIR);
            } else if (!Files.isDirectory(cur, NOFOLLOW)) {
                throw new LayerFormatException(name + ": parent '" + rel + "' is not a directory");
            }
        }
        return cur;
    }

    private void touch(String rel) {
        String r = rel;
        while (touched.add(r)) {
            int slash = r.lastIndexOf('/');
            if (slash < 0) {
                break;
            }
            r = r.substring(0, slash);
        }
    }

    private void metadata(String name, TarArchiveEntry e, Path target, Kind kind) throws IOException {
        FsTrees.setOwner(target, (int) e.getLongUserId(), (int) e.getLongGroupId());
        if (kind != Kind.SYMLINK) {
            Libc.chmod(target, e.getMode());
            for (Map.Entry<String, String> h : e.getExtraPaxHeaders().entrySet()) {
                if (!h.getKey().startsWith("SCHILY.xattr.")) {
                    continue;
                }
                String attr = h.getKey().substring("SCHILY.xattr.".length());
                byte[] value = h.getValue().getBytes(StandardCharsets.UTF_8);
                if (attr.startsWith("user.")) {
                    Libc.lsetxattr(target, attr, value);
                } else if (attr.equals("security.capability")) {
                    try {
                        Libc.lsetxattr(target, attr, value);
                    } catch (IOException ignored) {
                        // commons-compress hands PAX values over as UTF-8 text: binary capability sets
                        // may arrive damaged, and the kernel refuses them. The file stays without caps.
                    }
                }
            }
        }
        FileTime mtime = FileTime.from(e.getLastModifiedTime().toInstant());
        if (kind == Kind.DIR) {
            dirTimes.add(new Object[] {target, mtime});
        } else {
            FsTrees.setTimes(target, mtime, mtime);
        }
    }

    private void finishDirectories() throws IOException {
        for (int i = dirTimes.size() - 1; i >= 0; i--) {
            Path p = (Path) dirTimes.get(i)[0];
            FileTime t = (FileTime) dirTimes.get(i)[1];
            if (Files.isDirectory(p, NOFOLLOW)) {
                FsTrees.setTimes(p, t, t);
            }
        }
    }

    /** The caller owns the stream; the tar reader must not close it. */
    private static final class NonClosing extends java.io.FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {}
    }
}
