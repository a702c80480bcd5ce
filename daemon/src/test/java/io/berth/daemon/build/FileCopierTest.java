package io.berth.daemon.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.daemon.build.FileCopier.Owner;
import io.berth.daemon.build.FileCopier.Source;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Source matching, checksums, --chown parsing and destination paths: no root needed. */
class FileCopierTest {

    @TempDir
    Path tmp;

    Path ctx;

    @BeforeEach
    void context() throws Exception {
        ctx = Files.createDirectory(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("a.txt"), "a");
        Files.writeString(ctx.resolve("b.txt"), "b");
        Files.writeString(ctx.resolve("c.md"), "c");
        Files.createDirectories(ctx.resolve("src/lib"));
        Files.writeString(ctx.resolve("src/main.c"), "main");
        Files.writeString(ctx.resolve("src/util.c"), "util");
        Files.writeString(ctx.resolve("src/lib/x.c"), "x");
        Files.createSymbolicLink(ctx.resolve("linkdir"), Path.of("src"));
        Files.createSymbolicLink(ctx.resolve("outside"), Path.of("/etc"));
    }

    private List<String> paths(List<Source> sources) {
        return sources.stream().map(Source::path).toList();
    }

    private List<String> match(String... patterns) throws Exception {
        List<Source> sources = FileCopier.match("COPY", ctx, List.of(patterns), true);
        sources.forEach(s -> assertEquals(ctx, s.root()));
        return paths(sources);
    }

    @Test
    void literalSourcesAreNormalised() throws Exception {
        assertEquals(List.of("a.txt", "src", "."), match("/a.txt", "./src/", "."));
        assertEquals(List.of("src/main.c"), match("src/lib/../main.c"));
        assertEquals(List.of("linkdir/main.c"), match("linkdir/main.c"));
    }

    @Test
    void wildcardsMatchPerComponentInNameOrder() throws Exception {
        assertEquals(List.of("a.txt", "b.txt"), match("*.txt"));
        assertEquals(List.of("src/main.c", "src/util.c"), match("src/*.c"));
        assertEquals(List.of("src/lib/x.c", "src/main.c", "src/util.c"), match("src/*.c", "src/*/x.c").stream().sorted().toList());
        assertEquals(List.of("a.txt", "b.txt", "c.md", "linkdir", "outside", "src"), match("*"));
        assertEquals(List.of("a.txt", "b.txt", "c.md"), match("[a-c].*"));
        assertEquals(List.of("a.txt", "c.md"), match("a.txt", "*.nothing", "c.md"));
        // Like Go's WalkDir, wildcards do not descend through symlinked directories.
        assertEquals(List.of("a.txt"), match("a.txt", "linkdir/*.c"));
    }

    @Test
    void dockersErrorTexts() throws Exception {
        assertEquals("COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist",
                assertThrows(BuildException.class, () -> match("missing.txt")).getMessage());
        assertEquals("COPY failed: file not found in build context or excluded by .dockerignore: stat src/nope: file does not exist",
                assertThrows(BuildException.class, () -> match("/src/nope")).getMessage());
        assertEquals("ADD failed: stat bin/sh: file does not exist",
                assertThrows(BuildException.class, () -> FileCopier.match("ADD", ctx, List.of("/bin/sh"), false)).getMessage());
        assertEquals("COPY failed: forbidden path outside the build context: ../x ()",
                assertThrows(BuildException.class, () -> match("../x")).getMessage());
        assertEquals("COPY failed: forbidden path outside the build context: src/../../x ()",
                assertThrows(BuildException.class, () -> match("src/../../x")).getMessage());
        assertEquals("COPY failed: no source files were specified",
                assertThrows(BuildException.class, () -> match("*.nothing")).getMessage());
        assertEquals("COPY failed: no source files were specified",
                assertThrows(BuildException.class, () -> match("../*")).getMessage());
    }

    @Test
    void symlinkedSourcesResolveInsideTheirRoot() throws Exception {
        // "outside" points at /etc: inside the context that is ctx/etc, which does not exist.
        BuildException e = assertThrows(BuildException.class, () -> match("outside/passwd"));
        assertEquals("COPY failed: file not found in build context or excluded by .dockerignore: stat outside/passwd: file does not exist",
                e.getMessage());
    }

    private String sum(String... paths) throws Exception {
        return FileCopier.checksum(FileCopier.match("COPY", ctx, List.of(paths), true));
    }

    @Test
    void checksumCoversContentModesNamesAndLinksButNotMtimes() throws Exception {
        String before = sum("src", "a.txt");
        assertTrue(before.matches("sha256:[0-9a-f]{64}"), before);
        assertEquals(before, sum("src", "a.txt"));

        Files.setLastModifiedTime(ctx.resolve("src/lib/x.c"), FileTime.from(Instant.parse("2001-01-01T00:00:00Z")));
        Files.setLastModifiedTime(ctx.resolve("src"), FileTime.from(Instant.parse("2001-01-01T00:00:00Z")));
        assertEquals(before, sum("src", "a.txt"), "a touched file keeps the cache");

        Files.writeString(ctx.resolve("src/lib/x.c"), "y");
        String contentChanged = sum("src", "a.txt");
        assertNotEquals(before, contentChanged);

        Files.setPosixFilePermissions(ctx.resolve("src/lib/x.c"), PosixFilePermissions.fromString("rwxr-xr-x"));
        String modeChanged = sum("src", "a.txt");
        assertNotEquals(contentChanged, modeChanged);

        Files.createSymbolicLink(ctx.resolve("src/l"), Path.of("one"));
        String linkAdded = sum("src", "a.txt");
        assertNotEquals(modeChanged, linkAdded);
        Files.delete(ctx.resolve("src/l"));
        Files.createSymbolicLink(ctx.resolve("src/l"), Path.of("two"));
        assertNotEquals(linkAdded, sum("src", "a.txt"));

        assertNotEquals(sum("a.txt", "b.txt"), sum("b.txt", "a.txt"), "order matters: it decides what wins");
        Files.writeString(ctx.resolve("ab"), "ab");
        Files.writeString(ctx.resolve("a"), "");
        Files.writeString(ctx.resolve("b"), "ab");
        assertNotEquals(sum("ab"), sum("a"), "names and content are delimited");
    }

    @Test
    void checksumFollowsASymlinkedSource() throws Exception {
        assertEquals(FileCopier.checksum(List.of(new Source(ctx, "src", false))).length(), 71);
        String viaLink = FileCopier.checksum(List.of(new Source(ctx, "linkdir", false)));
        Files.writeString(ctx.resolve("src/main.c"), "changed");
        assertNotEquals(viaLink, FileCopier.checksum(List.of(new Source(ctx, "linkdir", false))));
    }

    private Path rootfs() throws Exception {
        Path rootfs = Files.createDirectories(tmp.resolve("rootfs/etc"));
        Files.writeString(rootfs.resolve("passwd"), """
                root:x:0:0:root:/root:/bin/sh
                bob:x:1000:1000::/home/bob:/bin/sh
                alice:x:1001:100::/home/alice:/bin/sh
                """);
        Files.writeString(rootfs.resolve("group"), """
                root:x:0:
                users:x:100:
                bob:x:1000:
                staff:x:50:alice
                """);
        return tmp.resolve("rootfs");
    }

    @Test
    void chownNumbersNamesAndDockersGroupRule() throws Exception {
        Path rootfs = rootfs();
        assertEquals(Owner.ROOT, Owner.resolve(null, rootfs));
        assertEquals(Owner.ROOT, Owner.resolve("", rootfs));
        assertEquals(new Owner(1234, 1234), Owner.resolve("1234", rootfs));
        assertEquals(new Owner(1234, 99), Owner.resolve("1234:99", rootfs));
        assertEquals(new Owner(1000, 1000), Owner.resolve("bob", rootfs));
        assertEquals(new Owner(1001, 50), Owner.resolve("alice:staff", rootfs));
        assertEquals(new Owner(1000, 100), Owner.resolve("bob:100", rootfs));
        assertEquals(new Owner(7, 100), Owner.resolve("7:users", rootfs));
    }

    @Test
    void chownErrorsUseDockersText() throws Exception {
        Path rootfs = rootfs();
        assertEquals("unable to convert uid/gid chown string to host mapping: can't find uid for user x: no such user: x",
                assertThrows(BuildException.class, () -> Owner.resolve("x", rootfs)).getMessage());
        // alice's primary group is 100, but Docker looks up a group named like the user.
        assertEquals("unable to convert uid/gid chown string to host mapping: can't find gid for group alice: no such group: alice",
                assertThrows(BuildException.class, () -> Owner.resolve("alice", rootfs)).getMessage());
        assertEquals("unable to convert uid/gid chown string to host mapping: invalid chown string format: a:b:c",
                assertThrows(BuildException.class, () -> Owner.resolve("a:b:c", rootfs)).getMessage());
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        assertEquals("unable to convert uid/gid chown string to host mapping: can't find uid for user bob: open /etc/passwd: no such file or directory",
                assertThrows(BuildException.class, () -> Owner.resolve("bob", empty)).getMessage());
        assertEquals(new Owner(5, 6), Owner.resolve("5:6", empty), "numbers need no files");
    }

    @Test
    void chownReadsPasswdThroughSymlinksInsideTheRootfs() throws Exception {
        Path rootfs = rootfs();
        Files.move(rootfs.resolve("etc/passwd"), rootfs.resolve("etc/passwd.real"));
        Files.createSymbolicLink(rootfs.resolve("etc/passwd"), Path.of("/etc/passwd.real"));
        assertEquals(new Owner(1000, 1000), Owner.resolve("bob", rootfs));
    }

    @Test
    void destinationsAreRelativeToWorkdirAndKeepTheirSlash() {
        assertEquals("/app/", FileCopier.containerPath("/app", "./"));
        assertEquals("/app", FileCopier.containerPath("/app", "."));
        assertEquals("/app/x/", FileCopier.containerPath("/app", "x/"));
        assertEquals("/x", FileCopier.containerPath("", "x"));
        assertEquals("/x", FileCopier.containerPath(null, "x"));
        assertEquals("/", FileCopier.containerPath("/", "../.."));
        assertEquals("/abs/./path/", FileCopier.containerPath("/app", "/abs/./path/"));
    }
}
