package io.berth.storage.common;

import io.berth.plugin.storage.Change;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A container's changes to its image, found in its read-write layer, listed ({@code docker diff}) and
 * written as a layer tar in Docker's format ({@code docker commit}): added and modified entries with
 * their content and metadata, deletions as AUFS {@code .wh.<name>} files, replaced directories as
 * {@code .wh..wh..opq}. The one whiteout codec on the way out, as {@link Whiteouts} is on the way in.
 */
public final class FsChanges {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    /**
     * Changes with where their content lives.
     *
     * @param changes     sorted by path
     * @param contentRoot the directory holding added and modified entries at their paths
     * @param opaqueDirs  directories (paths as in {@code changes}) that replace what lower layers had
     */
    public record ChangeSet(List<Change> changes, Path contentRoot, Set<String> opaqueDirs) {}

    private FsChanges() {
    }

    // ---------------------------------------------------------------- finding changes

    /**
     * An overlay upper directory over its lower directories (top first): a character device 0:0 is a
     * deletion, a directory with {@code trusted.overlay.opaque=y} replaces the lower one, everything else
     * is added (no lower layer has it) or modified.
     */
    public static ChangeSet overlay(Path upper, List<Path> lowersTopFirst) throws IOException {
        List<Change> out = new ArrayList<>();
        Set<String> opaque = new TreeSet<>();
        walkOverlay(upper, upper, lowersTopFirst, out, opaque);
        Collections.sort(out);
        return new ChangeSet(out, upper, opaque);
    }

    private static void walkOverlay(Path upper, Path dir, List<Path> lowers, List<Change> out, Set<String> opaque)
            throws IOException {
        for (Path p : FsTrees.children(dir)) {
            String rel = upper.relativize(p).toString();
            Map<String, Object> a = Files.readAttributes(p, "unix:mode,rdev", NOFOLLOW);
            int mode = (Integer) a.get("mode");
            boolean whiteout = (mode & 0170000) == 0020000 && ((Long) a.get("rdev")) == 0;
            if (whiteout) {
                if (existsBelow(rel, lowers)) {
                    out.add(new Change(Change.Kind.DELETED, "/" + rel));
                }
                continue;
            }
            boolean below = existsBelow(rel, lowers);
            out.add(new Change(below ? Change.Kind.MODIFIED : Change.Kind.ADDED, "/" + rel));
            if (Files.isDirectory(p, NOFOLLOW)) {
                boolean isOpaque = isOpaque(p);
                if (isOpaque && below) {
                    opaque.add("/" + rel);
                }
                walkOverlay(upper, p, isOpaque ? List.of() : lowers, out, opaque);
            }
        }
    }

    private static boolean isOpaque(Path dir) {
        try {
            byte[] v = Libc.lgetxattr(dir, "trusted.overlay.opaque");
            return v != null && v.length == 1 && v[0] == 'y';
        } catch (IOException absent) {
            return false;
        }
    }

    /** Whether the union of {@code lowers} (top first) has {@code rel}, honouring their whiteouts and opaque dirs. */
    static boolean existsBelow(String rel, List<Path> lowers) throws IOException {
        String[] parts = rel.split("/");
        for (Path lower : lowers) {
            Path cur = lower;
            boolean stopHere = false;
            for (int i = 0; i < parts.length; i++) {
                cur = cur.resolve(parts[i]);
                if (!Files.exists(cur, NOFOLLOW)) {
                    break; // not in this layer: look lower, unless an ancestor here was opaque
                }
                Map<String, Object> a = Files.readAttributes(cur, "unix:mode,rdev", NOFOLLOW);
                int mode = (Integer) a.get("mode");
                if ((mode & 0170000) == 0020000 && ((Long) a.get("rdev")) == 0) {
                    return false; // deleted here
                }
                if (i == parts.length - 1) {
                    return true;
                }
                if (!Files.isDirectory(cur, NOFOLLOW)) {
                    return false; // a file hides what lower layers have below this name
                }
                if (isOpaque(cur)) {
                    stopHere = true;
                }
            }
            if (stopHere) {
                return false;
            }
        }
        return false;
    }

    /**
     * The naive diff ({@code vfs}): {@code changed} against {@code base} (null: an empty base). An entry
     * is modified when its type, mode, owner, size, mtime or link target differ; a directory also when
     * anything below it changed. A deleted directory is listed alone. Paths in {@code ignored} (relative,
     * such as the init layer's files) are neither listed nor written.
     */
    public static ChangeSet compare(Path changed, Path base, Set<String> ignored) throws IOException {
        List<Change> out = new ArrayList<>();
        compareDir(changed, base, changed, base, ignored, out);
        Collections.sort(out);
        return new ChangeSet(out, changed, Set.of());
    }

    /** Returns whether anything below {@code dir} changed. */
    private static boolean compareDir(Path changedRoot, Path baseRoot, Path dir, Path baseDir, Set<String> ignored,
                                      List<Change> out) throws IOException {
        boolean any = false;
        Set<String> names = new TreeSet<>();
        for (Path p : FsTrees.children(dir)) {
            names.add(p.getFileName().toString());
        }
        if (baseDir != null && Files.isDirectory(baseDir, NOFOLLOW)) {
            for (Path p : FsTrees.children(baseDir)) {
                names.add(p.getFileName().toString());
            }
        }
        for (String name : names) {
            Path p = dir.resolve(name);
            String rel = changedRoot.relativize(p).toString();
            if (ignored.contains(rel)) {
                continue;
            }
            Path b = baseDir == null ? null : baseDir.resolve(name);
            boolean inChanged = Files.exists(p, NOFOLLOW);
            boolean inBase = b != null && Files.exists(b, NOFOLLOW);
            if (!inChanged) {
                out.add(new Change(Change.Kind.DELETED, "/" + rel));
                any = true;
                continue;
            }
            boolean isDir = Files.isDirectory(p, NOFOLLOW);
            boolean baseIsDir = inBase && Files.isDirectory(b, NOFOLLOW);
            if (!inBase || isDir != baseIsDir) {
                out.add(new Change(Change.Kind.ADDED, "/" + rel));
                if (isDir) {
                    compareDir(changedRoot, baseRoot, p, null, ignored, out);
                }
                any = true;
                continue;
            }
            boolean differs = !sameEntry(p, b, isDir);
            int at = out.size();
            boolean below = isDir && compareDir(changedRoot, baseRoot, p, b, ignored, out);
            if (differs || below) {
                out.add(at, new Change(Change.Kind.MODIFIED, "/" + rel));
                any = true;
            }
        }
        return any;
    }

    private static boolean sameEntry(Path a, Path b, boolean dir) throws IOException {
        Map<String, Object> x = Files.readAttributes(a, "unix:mode,uid,gid,size,lastModifiedTime", NOFOLLOW);
        Map<String, Object> y = Files.readAttributes(b, "unix:mode,uid,gid,size,lastModifiedTime", NOFOLLOW);
        if (!x.get("mode").equals(y.get("mode")) || !x.get("uid").equals(y.get("uid")) || !x.get("gid").equals(y.get("gid"))) {
            return false;
        }
        if (dir) {
            return true;
        }
        if (!x.get("size").equals(y.get("size")) || !x.get("lastModifiedTime").equals(y.get("lastModifiedTime"))) {
            return false;
        }
        return !Files.isSymbolicLink(a) || Files.readSymbolicLink(a).equals(Files.readSymbolicLink(b));
    }

    // ---------------------------------------------------------------- writing them as a layer

    /** Writes {@code set} as an uncompressed layer tar in Docker's format. */
    public static void writeLayer(ChangeSet set, OutputStream out) throws IOException {
        TarArchiveOutputStream tar = TreeTar.open(out);
        Map<Long, String> firstByInode = new HashMap<>();
        for (Change c : set.changes()) {
            String rel = c.path().substring(1);
            if (c.kind() == Change.Kind.DELETED) {
                int slash = rel.lastIndexOf('/');
                String whiteout = (slash < 0 ? "" : rel.substring(0, slash + 1)) + Whiteouts.PREFIX + rel.substring(slash + 1);
                TarArchiveEntry e = new TarArchiveEntry(whiteout, TarConstants.LF_NORMAL, true);
                e.setMode(0100644);
                e.setModTime(0);
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
                continue;
            }
            TreeTar.writeEntry(tar, set.contentRoot().resolve(rel), rel, firstByInode);
            if (set.opaqueDirs().contains(c.path())) {
                TarArchiveEntry e = new TarArchiveEntry(rel + "/" + Whiteouts.OPAQUE, TarConstants.LF_NORMAL, true);
                e.setMode(0100644);
                e.setModTime(0);
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
            }
        }
        tar.finish();
    }
}
