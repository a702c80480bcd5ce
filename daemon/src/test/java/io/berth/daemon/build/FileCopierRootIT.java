package io.berth.daemon.build;

import static io.berth.daemon.build.TestTars.tar;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.daemon.build.FileCopier.Owner;
import io.berth.daemon.build.FileCopier.Source;
import io.berth.storage.common.FsTrees;
import io.berth.storage.common.Libc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * COPY and ADD into a root filesystem on the real filesystem, as root: owners, modes, mtimes, links,
 * destinations through the image's symlinks, archive extraction. Needs root (chown to other users).
 */
class FileCopierRootIT {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final Instant T1 = Instant.parse("2019-05-06T07:08:09Z");
    private static final Owner NOBODY = new Owner(65534, 65534);

    @TempDir
    Path tmp;

    Path ctx;
    Path rootfs;

    @BeforeEach
    void trees() throws Exception {
        ctx = Files.createDirectory(tmp.resolve("ctx"));
        rootfs = Files.createDirectory(tmp.resolve("rootfs"));
        Files.createDirectories(rootfs.resolve("etc"));
        Files.createDirectories(rootfs.resolve("srv/data"));
        Files.createSymbolicLink(rootfs.resolve("opt"), Path.of("/srv"));
        Files.createSymbolicLink(rootfs.resolve("escape"), Path.of("../../../../../../tmp-escape"));
        file(ctx.resolve("a.txt"), "a", 0640, 1234, 1234);
        file(ctx.resolve("b.sh"), "#!/bin/sh", 0755, 1234, 1234);
        Files.createDirectories(ctx.resolve("app/sub"));
        file(ctx.resolve("app/main.py"), "print()", 0644, 1234, 1234);
        file(ctx.resolve("app/sub/suid"), "s", 04755, 1234, 1234);
        Files.createSymbolicLink(ctx.resolve("app/link"), Path.of("main.py"));
        Files.createLink(ctx.resolve("app/sub/hard"), ctx.resolve("app/main.py"));
        Libc.chmod(ctx.resolve("app/sub"), 0700);
        FsTrees.setOwner(ctx.resolve("app/sub"), 1234, 1234);
        FsTrees.setTimes(ctx.resolve("app/sub"), FileTime.from(T1), FileTime.from(T1));
        Files.createSymbolicLink(ctx.resolve("alias.txt"), Path.of("a.txt"));
    }

    private static void file(Path p, String content, int mode, int uid, int gid) throws IOException {
        Files.writeString(p, content);
        FsTrees.setOwner(p, uid, gid);
        Libc.chmod(p, mode);
        FsTrees.setTimes(p, FileTime.from(T1), FileTime.from(T1));
    }

    private List<Source> sources(String... patterns) throws Exception {
        return FileCopier.match("COPY", ctx, List.of(patterns), true);
    }

    private void copy(List<Source> sources, String dest, Owner owner) throws BuildException {
        FileCopier.copy("COPY", sources, rootfs, dest, "/", owner, false);
    }

    private static Map<String, Object> attrs(Path p) throws IOException {
        return Files.readAttributes(p, "unix:mode,uid,gid,ino,lastModifiedTime", NOFOLLOW);
    }

    private static String modeOwner(Path p) throws IOException {
        Map<String, Object> a = attrs(p);
        return Integer.toOctalString((Integer) a.get("mode") & 07777) + " " + a.get("uid") + ":" + a.get("gid");
    }

    private static Instant mtime(Path p) throws IOException {
        return ((FileTime) attrs(p).get("lastModifiedTime")).toInstant();
    }

    private static List<String> tree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString())
                    .collect(Collectors.toCollection(TreeSet::new)).stream().toList();
        }
    }

    @Test
    void aFileBecomesTheDestinationKeepingModeAndMtimeOwnedByRoot() throws Exception {
        copy(sources("a.txt"), "/etc/renamed", Owner.ROOT);
        Path out = rootfs.resolve("etc/renamed");
        assertEquals("a", Files.readString(out));
        assertEquals("640 0:0", modeOwner(out));
        assertEquals(T1, mtime(out));
    }

    @Test
    void aFileGoesIntoAnExistingDirectoryOrADestinationEndingInSlash() throws Exception {
        copy(sources("a.txt"), "/etc", Owner.ROOT);
        assertEquals("a", Files.readString(rootfs.resolve("etc/a.txt")));
        copy(sources("b.sh"), "/new/dir/", Owner.ROOT);
        assertEquals("755 0:0", modeOwner(rootfs.resolve("new/dir/b.sh")));
        assertEquals("755 0:0", modeOwner(rootfs.resolve("new")));
        assertEquals("755 0:0", modeOwner(rootfs.resolve("new/dir")));
    }

    @Test
    void chownAppliesToTheFileAndTheParentsTheCopyCreated() throws Exception {
        copy(sources("a.txt"), "/etc/deep/er/", NOBODY);
        assertEquals("640 65534:65534", modeOwner(rootfs.resolve("etc/deep/er/a.txt")));
        assertEquals("755 65534:65534", modeOwner(rootfs.resolve("etc/deep")));
        assertEquals("755 65534:65534", modeOwner(rootfs.resolve("etc/deep/er")));
        assertEquals("755 0:0", modeOwner(rootfs.resolve("etc")), "existing directories keep their owner");
    }

    @Test
    void aDirectoryCopiesItsContentsWithLinksModesAndTimes() throws Exception {
        copy(sources("app"), "/srv/app", Owner.ROOT);
        Path app = rootfs.resolve("srv/app");
        assertEquals(List.of("link", "main.py", "sub", "sub/hard", "sub/suid"), tree(app));
        assertEquals(Path.of("main.py"), Files.readSymbolicLink(app.resolve("link")));
        assertEquals(attrs(app.resolve("main.py")).get("ino"), attrs(app.resolve("sub/hard")).get("ino"));
        assertEquals("4755 0:0", modeOwner(app.resolve("sub/suid")), "set-id bits survive the chown");
        assertEquals("700 0:0", modeOwner(app.resolve("sub")));
        assertEquals(T1, mtime(app.resolve("sub")));
        assertEquals(T1, mtime(app.resolve("sub/suid")));
        assertEquals("755 0:0", modeOwner(app), "the destination is created, not copied from the source dir");
        assertEquals(1234, attrs(ctx.resolve("app/sub/suid")).get("uid"), "the source is untouched");
    }

    @Test
    void chownOfADirectoryCopyOwnsTheNewDestinationButNotItsNewParents() throws Exception {
        copy(sources("app"), "/x/y/app", NOBODY);
        assertEquals("755 65534:65534", modeOwner(rootfs.resolve("x/y/app")));
        assertEquals("755 0:0", modeOwner(rootfs.resolve("x")));
        assertEquals("755 0:0", modeOwner(rootfs.resolve("x/y")));
        assertEquals("700 65534:65534", modeOwner(rootfs.resolve("x/y/app/sub")));
        assertEquals(65534, attrs(rootfs.resolve("x/y/app/link")).get("uid"));

        copy(sources("app"), "/srv/data", NOBODY);
        assertEquals("755 0:0", modeOwner(rootfs.resolve("srv/data")), "an existing destination keeps its owner");
    }

    @Test
    void withoutAnOwnerTheSourcesOwnersAreKept() throws Exception {
        copy(sources("app", "a.txt"), "/keep/", null);
        assertEquals("640 1234:1234", modeOwner(rootfs.resolve("keep/a.txt")));
        assertEquals("4755 1234:1234", modeOwner(rootfs.resolve("keep/sub/suid")));
        assertEquals("755 0:0", modeOwner(rootfs.resolve("keep")));
    }

    @Test
    void severalSourcesNeedADestinationEndingInSlash() throws Exception {
        BuildException e = assertThrows(BuildException.class, () -> copy(sources("*.txt", "b.sh"), "/etc", Owner.ROOT));
        assertEquals("When using COPY with more than one source file, the destination must be a directory and end with a /",
                e.getMessage());
        copy(sources("a.txt", "b.sh"), "/etc/", Owner.ROOT);
        assertEquals("a", Files.readString(rootfs.resolve("etc/a.txt")));
        assertEquals("#!/bin/sh", Files.readString(rootfs.resolve("etc/b.sh")));
        // A wildcard that matches one file is one source.
        copy(sources("*.sh"), "/etc/only", Owner.ROOT);
        assertEquals("#!/bin/sh", Files.readString(rootfs.resolve("etc/only")));
    }

    @Test
    void relativeDestinationsAreRelativeToWorkdir() throws Exception {
        FileCopier.copy("COPY", sources("a.txt"), rootfs, "sub/", "/srv", Owner.ROOT, false);
        FileCopier.copy("COPY", sources("b.sh"), rootfs, ".", "/srv/data", Owner.ROOT, false);
        assertEquals("a", Files.readString(rootfs.resolve("srv/sub/a.txt")));
        assertEquals("#!/bin/sh", Files.readString(rootfs.resolve("srv/data/b.sh")));
    }

    @Test
    void destinationsFollowTheImagesSymlinksWithoutLeavingIt() throws Exception {
        copy(sources("a.txt"), "/opt/data/", Owner.ROOT);
        assertEquals("a", Files.readString(rootfs.resolve("srv/data/a.txt")));
        copy(sources("app"), "/escape/", Owner.ROOT);
        assertTrue(Files.exists(rootfs.resolve("tmp-escape/main.py")));
        assertFalse(Files.exists(tmp.getRoot().resolve("tmp-escape")));
    }

    @Test
    void anExistingFileOrSymlinkAtTheTargetIsReplacedNotFollowed() throws Exception {
        Path victim = Files.writeString(tmp.resolve("victim"), "host file");
        Files.createDirectories(rootfs.resolve("dst"));
        Files.createSymbolicLink(rootfs.resolve("dst/a.txt"), victim);
        Files.writeString(rootfs.resolve("dst/b.sh"), "old");
        copy(sources("a.txt", "b.sh"), "/dst/", Owner.ROOT);
        assertEquals("host file", Files.readString(victim));
        assertFalse(Files.isSymbolicLink(rootfs.resolve("dst/a.txt")));
        assertEquals("a", Files.readString(rootfs.resolve("dst/a.txt")));
        assertEquals("#!/bin/sh", Files.readString(rootfs.resolve("dst/b.sh")));
    }

    @Test
    void directoriesMergeAndReplaceNonDirectories() throws Exception {
        Files.createDirectories(rootfs.resolve("srv/app"));
        Files.writeString(rootfs.resolve("srv/app/existing"), "stays");
        Files.createSymbolicLink(rootfs.resolve("srv/app/sub"), Path.of("/etc"));
        Files.writeString(rootfs.resolve("srv/app/main.py"), "old");
        copy(sources("app"), "/srv/app", Owner.ROOT);
        assertEquals("stays", Files.readString(rootfs.resolve("srv/app/existing")));
        assertEquals("print()", Files.readString(rootfs.resolve("srv/app/main.py")));
        assertTrue(Files.isDirectory(rootfs.resolve("srv/app/sub"), NOFOLLOW), "a symlink where a directory goes is replaced");
        assertEquals(List.of(), tree(rootfs.resolve("etc")));
    }

    @Test
    void aSymlinkSourceIsFollowedAndNamedAfterTheLink() throws Exception {
        copy(sources("alias.txt"), "/etc/", Owner.ROOT);
        Path out = rootfs.resolve("etc/alias.txt");
        assertFalse(Files.isSymbolicLink(out));
        assertEquals("a", Files.readString(out));
    }

    @Test
    void copyFromAnImageResolvesSourcesInsideIt() throws Exception {
        Path image = Files.createDirectories(tmp.resolve("image/usr/share"));
        file(image.resolve("file"), "from image", 0600, 7, 8);
        Files.createSymbolicLink(tmp.resolve("image/data"), Path.of("/usr/share"));
        List<Source> from = FileCopier.match("COPY", tmp.resolve("image"), List.of("/data/file"), false);
        copy(from, "/got", null);
        assertEquals("from image", Files.readString(rootfs.resolve("got")));
        assertEquals("600 7:8", modeOwner(rootfs.resolve("got")));
    }

    @Test
    void fileCapabilitiesAreCopied() throws Exception {
        // VFS_CAP_REVISION_2 with the effective flag, CAP_NET_RAW (13) permitted.
        byte[] caps = {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        try {
            Libc.lsetxattr(ctx.resolve("b.sh"), "security.capability", caps);
        } catch (IOException e) {
            Assumptions.abort("this filesystem takes no file capabilities: " + e.getMessage());
        }
        copy(sources("b.sh"), "/bin/ping", NOBODY);
        byte[] copied = Libc.lgetxattr(rootfs.resolve("bin/ping"), "security.capability");
        assertNotNull(copied);
        assertArrayEquals(caps, copied);
    }

    // ADD

    private void add(List<Source> sources, String dest, Owner owner) throws BuildException {
        FileCopier.copy("ADD", sources, rootfs, dest, "/", owner, true);
    }

    @Test
    void addExtractsLocalArchivesWithTheirOwnersMergingAndOverwriting() throws Exception {
        Files.createDirectories(rootfs.resolve("srv/app/lib"));
        Files.writeString(rootfs.resolve("srv/app/lib/old"), "kept");
        Files.writeString(rootfs.resolve("srv/app/conf"), "old");
        byte[] archive = tar().dir("lib", 0750).ownedFile("lib/new.so", "elf", 42, 43).ownedFile("conf", "new", 5, 6)
                .symlink("cur", "lib").gzip();
        Files.write(ctx.resolve("app.tar.gz"), archive);
        add(FileCopier.match("ADD", ctx, List.of("app.tar.gz"), true), "/opt/app", NOBODY);
        Path app = rootfs.resolve("srv/app");
        assertEquals(List.of("conf", "cur", "lib", "lib/new.so", "lib/old"), tree(app));
        assertEquals("new", Files.readString(app.resolve("conf")));
        assertEquals("644 5:6", modeOwner(app.resolve("conf")), "extracted files keep the archive's owners");
        assertEquals("644 42:43", modeOwner(app.resolve("lib/new.so")));
        assertEquals("kept", Files.readString(app.resolve("lib/old")));
        assertEquals("750 " + TestTars.UID + ":" + TestTars.GID, modeOwner(app.resolve("lib")));
        assertEquals(TestTars.MTIME, mtime(app.resolve("lib")));
    }

    @Test
    void addExtractsEveryCompressionAndCreatesTheDestination() throws Exception {
        TestTars t = tar().file("x", "plain");
        Files.write(ctx.resolve("p.tar"), t.bytes());
        Files.write(ctx.resolve("b.tar.bz2"), tar().file("y", "bz").bzip2());
        Files.write(ctx.resolve("x.tar.xz"), tar().file("z", "xz").xz());
        add(FileCopier.match("ADD", ctx, List.of("*.tar*"), true), "/new/", Owner.ROOT);
        assertEquals(List.of("x", "y", "z"), tree(rootfs.resolve("new")));
        assertEquals("755 0:0", modeOwner(rootfs.resolve("new")));
    }

    @Test
    void addCopiesWhatIsNotATarAndNeverExtractsDownloadsOrCopy() throws Exception {
        byte[] gzippedText = TestTars.compress("not a tar".getBytes(), "gzip");
        Files.write(ctx.resolve("notes.gz"), gzippedText);
        Files.write(ctx.resolve("real.tar"), tar().file("inside", "i").bytes());
        add(FileCopier.match("ADD", ctx, List.of("notes.gz"), true), "/d/", Owner.ROOT);
        assertArrayEquals(gzippedText, Files.readAllBytes(rootfs.resolve("d/notes.gz")));

        FileCopier.copy("ADD", List.of(new Source(ctx, "real.tar", true)), rootfs, "/dl/", "/", Owner.ROOT, true);
        assertTrue(Files.isRegularFile(rootfs.resolve("dl/real.tar")), "a downloaded archive is copied");
        copy(sources("real.tar"), "/c/", Owner.ROOT);
        assertTrue(Files.isRegularFile(rootfs.resolve("c/real.tar")), "COPY never extracts");
    }

    @Test
    void hostileArchivesStayInsideTheRootFilesystem() throws Exception {
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Files.write(ctx.resolve("evil.tar"), tar().symlink("link", outside.toString()).file("link/pwned", "1")
                .symlink("up", "../../../../../../..").file("up/pwned2", "2").file("/abs", "3").bytes());
        add(FileCopier.match("ADD", ctx, List.of("evil.tar"), true), "/e", Owner.ROOT);
        assertEquals(List.of(), tree(outside));
        assertEquals("1", Files.readString(rootfs.resolve(outside.toString().substring(1) + "/pwned")));
        assertEquals("2", Files.readString(rootfs.resolve("pwned2")));
        assertEquals("3", Files.readString(rootfs.resolve("e/abs")));

        Files.write(ctx.resolve("dotdot.tar"), tar().file("../../x", "1").bytes());
        BuildException e = assertThrows(BuildException.class,
                () -> add(FileCopier.match("ADD", ctx, List.of("dotdot.tar"), true), "/e", Owner.ROOT));
        assertEquals("failed to copy files: ../../x: path leaves the target directory", e.getMessage());
    }
}
