package io.berth.cli;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.tar.TarUtils;

/**
 * What {@code docker build} sends as its body, and the name of the Dockerfile in it (the
 * {@code dockerfile} parameter). A directory context becomes a tar as the docker CLI makes it: entries
 * relative and sorted, directories included, uid/gid 0, modes and whole-second mtimes kept, symlinks as
 * symlinks, hard links as links, what .dockerignore excludes left out but .dockerignore and the
 * Dockerfile always in. A Dockerfile outside the directory ({@code -f ../x}) or on stdin ({@code -f -})
 * is added as {@code .dockerfile.<random>}, and .dockerignore then names it too, as docker does.
 * {@code -} as the context is stdin: a tar (maybe compressed) sent as it is, or a lone Dockerfile.
 */
final class BuildContext {

    static final String DEFAULT_DOCKERFILE = "Dockerfile";
    private static final String DOCKERIGNORE = ".dockerignore";

    /** The context's error, as docker words it; the build stops before anything is sent. */
    static final class ContextException extends Exception {
        ContextException(String message) {
            super(message);
        }
    }

    /** A file of the context directory that goes into the tar. */
    private record Entry(Path file, String name, Map<String, Object> attrs) {
        boolean isDirectory() {
            return (Boolean) attrs.get("isDirectory");
        }

        boolean isSymbolicLink() {
            return (Boolean) attrs.get("isSymbolicLink");
        }
    }

    /** The {@code dockerfile} query parameter: the Dockerfile's path in the context; null leaves the daemon's default. */
    final String dockerfile;
    private final ApiClient.BodyWriter content;

    private BuildContext(String dockerfile, ApiClient.BodyWriter content) {
        this.dockerfile = dockerfile;
        this.content = content;
    }

    void writeTo(OutputStream out) throws IOException {
        content.writeTo(out);
    }

    /**
     * A directory context. {@code fileFlag} is -f: null for the context's Dockerfile (or "dockerfile"), a
     * path relative to the working directory, or "-" for {@code stdin}.
     */
    static BuildContext fromDirectory(String dir, String fileFlag, InputStream stdin) throws IOException, ContextException {
        Path contextDir = contextDirectory(dir);
        boolean dockerfileFromStdin = "-".equals(fileFlag);
        String relDockerfile = dockerfileFromStdin ? "-" : relativeDockerfile(contextDir, fileFlag);
        byte[] addedDockerfile = null;
        if (dockerfileFromStdin) {
            addedDockerfile = stdin.readAllBytes();
        } else if (relDockerfile.startsWith("../")) {
            addedDockerfile = Files.readAllBytes(Path.of(fileFlag));
        }
        List<Entry> entries;
        try {
            List<String> excludes = keepBuildFiles(readDockerignore(contextDir), relDockerfile, dockerfileFromStdin);
            entries = collect(contextDir, new DockerIgnore(excludes));
        } catch (IllegalArgumentException badPattern) {
            throw new ContextException(badPattern.getMessage());
        }
        if (addedDockerfile == null) {
            return new BuildContext(relDockerfile, out -> writeTar(out, entries, null, null));
        }
        String randomName = ".dockerfile." + HexFormat.of().formatHex(randomBytes(10));
        byte[] dockerfileBytes = addedDockerfile;
        return new BuildContext(randomName, out -> writeTar(out, entries, randomName, dockerfileBytes));
    }

    /**
     * The context from stdin: a tar, plain or compressed, is sent as it is (-f then names the Dockerfile in
     * it); anything else is a Dockerfile, sent in a tar of its own.
     */
    static BuildContext fromStdin(InputStream stdin, String fileFlag) throws IOException, ContextException {
        if ("-".equals(fileFlag)) {
            throw new ContextException("invalid argument: can't use stdin for both build context and dockerfile");
        }
        BufferedInputStream in = new BufferedInputStream(stdin, 1 << 16);
        in.mark(1024);
        byte[] head = in.readNBytes(1024);
        in.reset();
        if (isArchive(head)) {
            return new BuildContext(fileFlag, in::transferTo);
        }
        if (fileFlag != null) {
            throw new ContextException("unable to prepare context: "
                    + "ambiguous Dockerfile source: both stdin and flag correspond to Dockerfiles");
        }
        byte[] dockerfile = in.readAllBytes();
        return new BuildContext(DEFAULT_DOCKERFILE, out -> {
            TarArchiveOutputStream tar = tarStream(out);
            addFile(tar, DEFAULT_DOCKERFILE, 0644, FileTime.fromMillis(System.currentTimeMillis()), dockerfile);
            tar.finish();
        });
    }

    /** A tar (its first header's checksum holds) or a gzip, bzip2, xz or zstd stream, by its first bytes. */
    static boolean isArchive(byte[] head) {
        int[][] magics = {{0x1f, 0x8b, 0x08}, {'B', 'Z', 'h'}, {0xfd, '7', 'z', 'X', 'Z', 0x00}, {0x28, 0xb5, 0x2f, 0xfd}};
        for (int[] magic : magics) {
            if (head.length >= magic.length && startsWith(head, magic)) {
                return true;
            }
        }
        return head.length >= 512 && TarUtils.verifyCheckSum(java.util.Arrays.copyOf(head, 512));
    }

    private static boolean startsWith(byte[] head, int[] magic) {
        for (int i = 0; i < magic.length; i++) {
            if ((head[i] & 0xff) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    /** The directory, absolute and with its symlinks resolved. */
    private static Path contextDirectory(String dir) throws IOException, ContextException {
        Path abs = Path.of(dir).toAbsolutePath().normalize();
        Path real;
        try {
            real = abs.toRealPath();
        } catch (NoSuchFileException e) {
            throw new ContextException("unable to prepare context: unable to evaluate symlinks in context path: lstat "
                    + e.getFile() + ": no such file or directory");
        }
        if (!Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) {
            throw new ContextException("unable to prepare context: context must be a directory: " + real);
        }
        return real;
    }

    /**
     * The Dockerfile's path relative to the context ("../…" when outside it): -f is relative to the working
     * directory; without -f it is the context's "Dockerfile", or "dockerfile" when only that exists.
     */
    private static String relativeDockerfile(Path contextDir, String fileFlag) throws IOException, ContextException {
        Path dockerfile;
        if (fileFlag == null || fileFlag.isEmpty()) {
            dockerfile = contextDir.resolve(DEFAULT_DOCKERFILE);
            Path lowercase = contextDir.resolve("dockerfile");
            if (!Files.exists(dockerfile, LinkOption.NOFOLLOW_LINKS) && Files.exists(lowercase, LinkOption.NOFOLLOW_LINKS)) {
                dockerfile = lowercase;
            }
        } else {
            dockerfile = Path.of(fileFlag).toAbsolutePath().normalize();
        }
        Path real;
        try {
            real = dockerfile.toRealPath();
        } catch (NoSuchFileException e) {
            throw new ContextException("unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat "
                    + e.getFile() + ": no such file or directory");
        }
        return contextDir.relativize(real).toString();
    }

    private static List<String> readDockerignore(Path contextDir) throws IOException {
        Path file = contextDir.resolve(DOCKERIGNORE);
        if (!Files.exists(file)) {
            return new ArrayList<>();
        }
        return DockerIgnore.parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    /**
     * docker's TrimBuildFilesFromExcludes: the daemon needs .dockerignore and the Dockerfile, so patterns
     * that exclude them get an exception after them (not for a Dockerfile from stdin, which is added).
     */
    static List<String> keepBuildFiles(List<String> excludes, String relDockerfile, boolean dockerfileFromStdin) {
        List<String> kept = new ArrayList<>(excludes);
        if (new DockerIgnore(kept).excludes(DOCKERIGNORE)) {
            kept.add("!" + DOCKERIGNORE);
        }
        if (!dockerfileFromStdin && new DockerIgnore(kept).excludes(relDockerfile)) {
            kept.add("!" + relDockerfile);
        }
        return kept;
    }

    /**
     * The entries of the tar, in the docker CLI's order (a walk in name order) and checked readable first,
     * so that an unreadable file stops the build before anything is sent. An excluded directory is walked
     * only when an exception may re-include something under it, and is itself left out.
     */
    private static List<Entry> collect(Path contextDir, DockerIgnore ignore) throws IOException, ContextException {
        List<Entry> entries = new ArrayList<>();
        collect(contextDir, "", DockerIgnore.TOP, ignore, entries);
        return entries;
    }

    private static void collect(Path dir, String relDir, DockerIgnore.Match dirMatch, DockerIgnore ignore, List<Entry> entries)
            throws IOException, ContextException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> list = Files.newDirectoryStream(dir)) {
            list.forEach(children::add);
        } catch (AccessDeniedException e) {
            throw new ContextException("error checking context: can't stat '" + dir + "'");
        }
        children.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        for (Path child : children) {
            String name = relDir.isEmpty() ? child.getFileName().toString() : relDir + "/" + child.getFileName();
            Map<String, Object> attrs = Files.readAttributes(child,
                    "unix:mode,ino,dev,nlink,size,lastModifiedTime,isDirectory,isSymbolicLink,isRegularFile,isOther",
                    LinkOption.NOFOLLOW_LINKS);
            Entry entry = new Entry(child, name, attrs);
            DockerIgnore.Match match = ignore.match(name, dirMatch);
            if (match.excluded) {
                if (entry.isDirectory() && ignore.hasExceptions() && ignore.mayReinclude(name)) {
                    collect(child, name, match, ignore, entries);
                }
                continue;
            }
            if ((Boolean) attrs.get("isOther") && !isFifoOrDevice(attrs)) {
                continue; // a socket: tar has no entry for it (docker logs and skips it)
            }
            if ((Boolean) attrs.get("isRegularFile") && !Files.isReadable(child)) {
                throw new ContextException("error checking context: no permission to read from '" + child + "'");
            }
            entries.add(entry);
            if (entry.isDirectory()) {
                collect(child, name, match, ignore, entries);
            }
        }
    }

    private static boolean isFifoOrDevice(Map<String, Object> attrs) {
        int type = (Integer) attrs.get("mode") & 0170000;
        return type == 0010000 || type == 0020000 || type == 0060000;
    }

    private static void writeTar(OutputStream out, List<Entry> entries, String addedName, byte[] addedDockerfile)
            throws IOException {
        TarArchiveOutputStream tar = tarStream(out);
        Map<String, String> firstNameOfInode = new HashMap<>();
        boolean wroteDockerignore = false;
        for (Entry e : entries) {
            int mode = (Integer) e.attrs.get("mode") & 07777;
            FileTime mtime = (FileTime) e.attrs.get("lastModifiedTime");
            if (addedName != null && e.name.equals(DOCKERIGNORE) && !e.isDirectory() && !e.isSymbolicLink()) {
                byte[] patterns = Files.readAllBytes(e.file);
                addFile(tar, DOCKERIGNORE, mode, mtime, withAddedDockerfile(patterns, addedName));
                wroteDockerignore = true;
                continue;
            }
            TarArchiveEntry t;
            boolean withContent = false;
            if (e.isDirectory()) {
                t = new TarArchiveEntry(e.name + "/", TarConstants.LF_DIR);
            } else if (e.isSymbolicLink()) {
                t = new TarArchiveEntry(e.name, TarConstants.LF_SYMLINK);
                t.setLinkName(Files.readSymbolicLink(e.file).toString());
            } else if ((Boolean) e.attrs.get("isOther")) {
                t = special(e);
            } else {
                String inode = e.attrs.get("dev") + ":" + e.attrs.get("ino");
                String earlier = (Integer) e.attrs.get("nlink") > 1 ? firstNameOfInode.putIfAbsent(inode, e.name) : null;
                if (earlier != null) {
                    t = new TarArchiveEntry(e.name, TarConstants.LF_LINK);
                    t.setLinkName(earlier);
                } else {
                    t = new TarArchiveEntry(e.name, TarConstants.LF_NORMAL);
                    t.setSize((Long) e.attrs.get("size"));
                    withContent = true;
                }
            }
            putEntry(tar, t, mode, mtime);
            if (withContent) {
                try (InputStream in = Files.newInputStream(e.file)) {
                    copyExactly(in, tar, t.getSize(), e.file);
                }
            }
            tar.closeArchiveEntry();
        }
        if (addedName != null) {
            FileTime now = FileTime.fromMillis(System.currentTimeMillis());
            addFile(tar, addedName, 0600, now, addedDockerfile);
            if (!wroteDockerignore) {
                addFile(tar, DOCKERIGNORE, 0600, now, withAddedDockerfile(DOCKERIGNORE.getBytes(StandardCharsets.UTF_8), addedName));
            }
        }
        tar.finish();
    }

    /** A fifo or device node, with its major and minor numbers. */
    private static TarArchiveEntry special(Entry e) throws IOException {
        int type = (Integer) e.attrs.get("mode") & 0170000;
        byte flag = type == 0010000 ? TarConstants.LF_FIFO : type == 0020000 ? TarConstants.LF_CHR : TarConstants.LF_BLK;
        TarArchiveEntry t = new TarArchiveEntry(e.name, flag);
        long rdev = (Long) Files.getAttribute(e.file, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
        t.setDevMajor((int) (((rdev >> 32) & 0xfffff000L) | ((rdev >> 8) & 0xfff)));
        t.setDevMinor((int) (((rdev >> 12) & 0xffffff00L) | (rdev & 0xff)));
        return t;
    }

    /** .dockerignore as docker rewrites it when it adds a Dockerfile: its text, then the added name on a line. */
    private static byte[] withAddedDockerfile(byte[] patterns, String addedName) {
        byte[] line = ("\n" + addedName + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] all = java.util.Arrays.copyOf(patterns, patterns.length + line.length);
        System.arraycopy(line, 0, all, patterns.length, line.length);
        return all;
    }

    private static TarArchiveOutputStream tarStream(OutputStream out) {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new NonClosing(out), StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        return tar;
    }

    private static void addFile(TarArchiveOutputStream tar, String name, int mode, FileTime mtime, byte[] content) throws IOException {
        TarArchiveEntry t = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
        t.setSize(content.length);
        putEntry(tar, t, mode, mtime);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    /** Owned by root (uid/gid 0, no user or group names), the mode's permission bits, whole seconds. */
    private static void putEntry(TarArchiveOutputStream tar, TarArchiveEntry t, int mode, FileTime mtime) throws IOException {
        t.setMode(mode);
        t.setUserId(0);
        t.setGroupId(0);
        t.setUserName("");
        t.setGroupName("");
        t.setModTime(FileTime.fromMillis(mtime.toMillis() / 1000 * 1000));
        tar.putArchiveEntry(t);
    }

    /** The file's bytes as its header promised: a file that changed size under us fails the build. */
    private static void copyExactly(InputStream in, OutputStream out, long size, Path file) throws IOException {
        byte[] buf = new byte[1 << 16];
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new IOException(file + " changed while it was sent: it is shorter than " + size + " bytes");
            }
            out.write(buf, 0, n);
            left -= n;
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    /** The request body stays open after the tar's end: closing it is the HTTP client's business. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
