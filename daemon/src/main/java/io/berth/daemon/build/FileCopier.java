package io.berth.daemon.build;

import io.berth.storage.common.FsTrees;
import io.berth.storage.common.Libc;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The file operations of COPY and ADD with the rules of Docker's legacy builder (moby
 * builder/dockerfile/copy.go): which sources a Dockerfile names, a cache checksum over them, and the copy
 * into a container's root filesystem. Everything runs as root on the real filesystem, on a build thread.
 *
 * <p>Source rules ({@link #match}): a leading {@code /} or {@code ./} is dropped; a source with a
 * wildcard is matched one path component at a time with {@link PathGlob} against the entries of the
 * source root (not descending into symlinks, like Go's WalkDir), in name order; a source without one
 * must exist (symlinks followed inside the root) and may not leave the root lexically.
 *
 * <p>Copy rules ({@link #copy}):
 * <ul>
 * <li>A relative destination is relative to WORKDIR; the destination is resolved in the root filesystem
 *     with {@link ScopedPaths}, following symlinks there (including the last component).
 * <li>Several sources need a destination ending in {@code /}.
 * <li>A source is followed if it is a symlink (inside its root). A directory copies its contents into the
 *     destination, which is created (0755 root:root with its missing parents) and merged into. Inside a
 *     copied tree symlinks stay symlinks, hard links among the copied files stay hard links, and an
 *     existing entry at a copied path is replaced unless both are directories.
 * <li>A file goes into the destination under its source base name when the destination ends in {@code /}
 *     or is an existing directory, else it becomes the destination; missing parents are created 0755 and
 *     owned like the copied files.
 * <li>Copied entries keep their permission bits (set-id and sticky included), mtime and file
 *     capabilities; they are owned by the given {@link Owner}, or keep the source's owner when it is null
 *     (COPY --from without --chown). A directory destination gets the owner only if the copy created it.
 * <li>With {@code extractArchives} (ADD), a local source that is a tar archive (plain, gzip, bzip2, xz) is
 *     unpacked into the destination directory by {@link TarExtractor} instead; its entries keep the
 *     archive's owners (Docker applies --chown to extracted archives neither).
 * </ul>
 * Failures while copying are reported as Docker does, {@code failed to copy files: <reason>}.
 */
public final class FileCopier {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final String CAPABILITY_XATTR = "security.capability";
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;
    private static final int S_IFIFO = 0010000;

    private FileCopier() {}

    /**
     * One thing to copy: {@code path} relative to {@code root} (normalised, {@code "."} for the root
     * itself). {@code remote} marks a file ADD downloaded, which is never unpacked.
     */
    public record Source(Path root, String path, boolean remote) {}

    /** Who owns what COPY and ADD write: numeric ids on the host (berth maps no user namespaces). */
    public record Owner(int uid, int gid) {

        public static final Owner ROOT = new Owner(0, 0);

        private static final Pattern NUMERIC = Pattern.compile("[0-9]+");

        /**
         * The owner a {@code --chown} value names, Docker's way: {@code user[:group]}, each a number or a
         * name looked up in the root filesystem's /etc/passwd or /etc/group (resolved inside it); a user
         * without a group uses the same string for the group (so {@code --chown=1000} is 1000:1000 and
         * {@code --chown=bob} needs a group named bob). Null or empty is root.
         */
        public static Owner resolve(String chown, Path rootfs) throws BuildException {
            if (chown == null || chown.isEmpty()) {
                return ROOT;
            }
            String[] parts = chown.split(":", -1);
            if (parts.length > 2) {
                throw chownError("invalid chown string format: " + chown);
            }
            String user = parts[0];
            String group = parts.length == 1 ? parts[0] : parts[1];
            int uid = lookup(rootfs, "/etc/passwd", user, "can't find uid for user " + user + ": no such user: " + user);
            int gid = lookup(rootfs, "/etc/group", group, "can't find gid for group " + group + ": no such group: " + group);
            return new Owner(uid, gid);
        }

        /** The id of {@code name}: itself when numeric, else the third field of its line in {@code file}. */
        private static int lookup(Path rootfs, String file, String name, String notFound) throws BuildException {
            if (NUMERIC.matcher(name).matches()) {
                try {
                    return Integer.parseUnsignedInt(name);
                } catch (NumberFormatException e) {
                    throw chownError(notFound);
                }
            }
            List<String> lines;
            try {
                lines = Files.readAllLines(ScopedPaths.resolve(rootfs, file), StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw chownError(notFound.substring(0, notFound.indexOf(": ")) + ": open " + file
                        + ": no such file or directory");
            } catch (IOException e) {
                throw chownError(notFound.substring(0, notFound.indexOf(": ")) + ": " + reason(e));
            }
            for (String line : lines) {
                String[] fields = line.trim().split(":", -1);
                if (fields.length > 2 && fields[0].equals(name) && NUMERIC.matcher(fields[2]).matches()) {
                    return Integer.parseUnsignedInt(fields[2]);
                }
            }
            throw chownError(notFound);
        }

        private static BuildException chownError(String reason) {
            return new BuildException("unable to convert uid/gid chown string to host mapping: " + reason);
        }
    }

    /**
     * The sources {@code patterns} name in {@code srcRoot} (the build context when {@code fromContext},
     * else a stage's or image's root filesystem for COPY --from), in order. {@code instruction} is "COPY"
     * or "ADD", for Docker's error texts.
     */
    public static List<Source> match(String instruction, Path srcRoot, List<String> patterns, boolean fromContext)
            throws BuildException, IOException {
        List<Source> out = new ArrayList<>();
        for (String pattern : patterns) {
            String p = stripPrefix(stripPrefix(pattern, "/"), "./");
            if (PathGlob.hasWildcards(p)) {
                expand(srcRoot, ScopedPaths.components(p), 0, "", out);
                continue;
            }
            List<String> clean = ScopedPaths.clean(p);
            if (!clean.isEmpty() && clean.get(0).equals("..")) {
                throw forbidden(instruction, p);
            }
            String rel = clean.isEmpty() ? "." : String.join("/", clean);
            Path full;
            try {
                full = ScopedPaths.resolve(srcRoot, rel);
            } catch (FileSystemException e) {
                // Docker's scoped lookup fails this way when a component is not a directory or loops.
                throw forbidden(instruction, p);
            }
            if (!Files.exists(full, NOFOLLOW)) {
                String notFound = "stat " + p + ": file does not exist";
                throw new BuildException(instruction + " failed: "
                        + (fromContext ? "file not found in build context or excluded by .dockerignore: " : "")
                        + notFound);
            }
            out.add(new Source(srcRoot, rel, false));
        }
        if (out.isEmpty()) {
            throw new BuildException(instruction + " failed: no source files were specified");
        }
        return out;
    }

    private static void expand(Path root, List<String> pattern, int depth, String prefix, List<Source> out)
            throws IOException {
        Path dir = prefix.isEmpty() ? root : root.resolve(prefix);
        for (Path child : FsTrees.children(dir)) {
            String name = child.getFileName().toString();
            if (!PathGlob.matches(pattern.get(depth), name)) {
                continue;
            }
            String rel = prefix.isEmpty() ? name : prefix + "/" + name;
            if (depth == pattern.size() - 1) {
                out.add(new Source(root, rel, false));
            } else if (Files.isDirectory(child, NOFOLLOW)) {
                expand(root, pattern, depth + 1, rel, out);
            }
        }
    }

    /**
     * A content checksum of the sources, "sha256:" and hex: over each source's path and, recursively
     * for directories in name order, the relative names, types, permission bits, owners, symlink targets
     * and file contents of what would be copied (a symlinked source followed). Not over mtimes, so a
     * touched but unchanged file keeps the build cache.
     */
    public static String checksum(List<Source> sources) throws IOException {
        MessageDigest digest = io.berth.daemon.registry.Digests.newSha256();
        for (Source s : sources) {
            field(digest, "source");
            field(digest, s.path());
            hashTree(digest, ScopedPaths.resolve(s.root(), s.path()), ".");
        }
        return io.berth.daemon.registry.Digests.format(digest.digest());
    }

    private static void hashTree(MessageDigest digest, Path p, String rel) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size", NOFOLLOW);
        int mode = (Integer) a.get("mode");
        field(digest, rel);
        field(digest, Integer.toOctalString(mode));
        field(digest, a.get("uid") + ":" + a.get("gid"));
        switch (mode & S_IFMT) {
            case S_IFLNK -> field(digest, Files.readSymbolicLink(p).toString());
            case S_IFREG -> {
                field(digest, String.valueOf(a.get("size")));
                try (InputStream in = Files.newInputStream(p, NOFOLLOW)) {
                    byte[] buf = new byte[65536];
                    for (int n; (n = in.read(buf)) > 0; ) {
                        digest.update(buf, 0, n);
                    }
                }
            }
            case S_IFDIR -> {
                for (Path child : FsTrees.children(p)) {
                    hashTree(digest, child, rel + "/" + child.getFileName());
                }
            }
            default -> { }
        }
    }

    private static void field(MessageDigest digest, String value) {
        digest.update(value.getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
    }

    /**
     * Copies {@code sources} to {@code dest} (relative to {@code workdir} unless absolute) in the root
     * filesystem {@code destRoot}, by the rules above; {@code owner} null keeps the sources' owners.
     */
    public static void copy(String instruction, List<Source> sources, Path destRoot, String dest, String workdir,
            Owner owner, boolean extractArchives) throws BuildException {
        if (sources.size() > 1 && !dest.endsWith("/")) {
            throw new BuildException("When using " + instruction
                    + " with more than one source file, the destination must be a directory and end with a /");
        }
        String containerDest = containerPath(workdir, dest);
        try {
            Path target = ScopedPaths.resolve(destRoot, containerDest);
            for (Source source : sources) {
                Path src = ScopedPaths.resolve(source.root(), source.path());
                Tree tree = new Tree(owner);
                if (Files.isDirectory(src, NOFOLLOW)) {
                    tree.copyDirectory(src, target);
                } else if (extractArchives && !source.remote() && TarExtractor.isTarArchive(src)) {
                    try (InputStream in = TarExtractor.decompress(Files.newInputStream(src))) {
                        TarExtractor.extract(in, destRoot, target);
                    }
                } else {
                    boolean intoDirectory = containerDest.endsWith("/") || Files.isDirectory(target, NOFOLLOW);
                    Path file = intoDirectory ? target.resolve(baseName(source.path())) : target;
                    Dirs.create(file.getParent(), owner == null ? Owner.ROOT : owner);
                    tree.place(src, file);
                }
                tree.directories.setTimes();
            }
        } catch (IOException e) {
            throw new BuildException("failed to copy files: " + reason(e), e);
        }
    }

    /** Docker's normalizeDest: a relative destination joined to WORKDIR, a trailing slash kept. */
    static String containerPath(String workdir, String dest) {
        if (dest.startsWith("/")) {
            return dest;
        }
        List<String> joined = ScopedPaths.clean((workdir == null ? "" : workdir) + "/" + dest);
        joined.removeIf(".."::equals);
        String path = "/" + String.join("/", joined);
        return dest.endsWith("/") && !joined.isEmpty() ? path + "/" : path;
    }

    /** One copy of a file or tree: hard links seen so far, directory mtimes to set at the end. */
    private static final class Tree {
        private final Owner owner;
        private final Map<Object, Path> copiedInodes = new HashMap<>();
        private final Dirs directories = new Dirs();

        Tree(Owner owner) {
            this.owner = owner;
        }

        /** Copies what is inside {@code src} into {@code target}, creating it if need be. */
        void copyDirectory(Path src, Path target) throws IOException {
            boolean existed = Files.isDirectory(target, NOFOLLOW);
            Dirs.create(target, Owner.ROOT);
            for (Path child : FsTrees.children(src)) {
                place(child, target.resolve(child.getFileName().toString()));
            }
            if (owner != null && !existed) {
                FsTrees.setOwner(target, owner.uid(), owner.gid());
            }
        }

        /** Copies {@code src} (not followed) to {@code dst}, replacing what is there unless both are directories. */
        void place(Path src, Path dst) throws IOException {
            Map<String, Object> a = Files.readAttributes(src,
                    "unix:mode,uid,gid,ino,dev,nlink,lastModifiedTime", NOFOLLOW);
            int mode = (Integer) a.get("mode");
            int type = mode & S_IFMT;
            if (type != S_IFDIR && type != S_IFREG && type != S_IFLNK && type != S_IFIFO) {
                return; // sockets and device nodes: layers cannot carry them
            }
            boolean merge = type == S_IFDIR && Files.isDirectory(dst, NOFOLLOW);
            if (!merge) {
                FsTrees.deleteTree(dst);
            }
            if (type == S_IFREG && (Integer) a.get("nlink") > 1) {
                Object inode = List.of(a.get("dev"), a.get("ino"));
                Path first = copiedInodes.putIfAbsent(inode, dst);
                if (first != null) {
                    Files.createLink(dst, first);
                    return;
                }
            }
            switch (type) {
                case S_IFDIR -> {
                    if (!merge) {
                        Files.createDirectory(dst);
                    }
                }
                case S_IFREG -> Files.copy(src, dst, NOFOLLOW);
                case S_IFLNK -> Files.createSymbolicLink(dst, Files.readSymbolicLink(src));
                default -> Libc.mknod(dst, S_IFIFO | 0600, 0);
            }
            // Owner before mode and capabilities: chown clears set-id bits and file capabilities.
            if (owner != null) {
                FsTrees.setOwner(dst, owner.uid(), owner.gid());
            } else {
                FsTrees.setOwner(dst, (Integer) a.get("uid"), (Integer) a.get("gid"));
            }
            if (type != S_IFLNK) {
                Libc.chmod(dst, mode);
            }
            if (type == S_IFREG) {
                byte[] caps = Libc.lgetxattr(src, CAPABILITY_XATTR);
                if (caps != null) {
                    Libc.lsetxattr(dst, CAPABILITY_XATTR, caps);
                }
            }
            FileTime mtime = (FileTime) a.get("lastModifiedTime");
            if (type == S_IFDIR) {
                for (Path child : FsTrees.children(src)) {
                    place(child, dst.resolve(child.getFileName().toString()));
                }
                directories.deferTime(dst, mtime);
            } else {
                FsTrees.setTimes(dst, mtime, mtime);
            }
        }
    }

    private static String baseName(String rel) {
        return rel.substring(rel.lastIndexOf('/') + 1);
    }

    private static String stripPrefix(String s, String prefix) {
        return s.startsWith(prefix) ? s.substring(prefix.length()) : s;
    }

    private static BuildException forbidden(String instruction, String path) {
        return new BuildException(instruction + " failed: forbidden path outside the build context: " + path + " ()");
    }

    /** An IOException as the "reason" part of a Docker-style message. */
    static String reason(IOException e) {
        if (!(e instanceof FileSystemException fse) || fse.getReason() != null) {
            return e.getMessage();
        }
        String what;
        if (e instanceof NoSuchFileException) {
            what = "no such file or directory";
        } else if (e instanceof NotDirectoryException) {
            what = "not a directory";
        } else if (e instanceof FileAlreadyExistsException) {
            what = "file exists";
        } else if (e instanceof DirectoryNotEmptyException) {
            what = "directory not empty";
        } else if (e instanceof AccessDeniedException) {
            what = "permission denied";
        } else {
            what = e.getClass().getSimpleName();
        }
        return fse.getFile() + ": " + what;
    }
}
