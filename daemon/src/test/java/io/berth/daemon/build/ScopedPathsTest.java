package io.berth.daemon.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScopedPathsTest {

    @TempDir
    Path tmp;

    private Path root() throws IOException {
        Path root = Files.createDirectory(tmp.resolve("root"));
        Files.createDirectories(root.resolve("usr/lib"));
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
        return root;
    }

    @Test
    void plainPathsAndDotDotStayInside() throws Exception {
        Path root = root();
        assertEquals(root.resolve("etc/passwd"), ScopedPaths.resolve(root, "/etc/passwd"));
        assertEquals(root.resolve("etc/passwd"), ScopedPaths.resolve(root, "etc/passwd"));
        assertEquals(root.resolve("etc/passwd"), ScopedPaths.resolve(root, "/../../../etc/passwd"));
        assertEquals(root.resolve("etc"), ScopedPaths.resolve(root, "/usr/lib/../../etc/"));
        assertEquals(root, ScopedPaths.resolve(root, "/"));
        assertEquals(root, ScopedPaths.resolve(root, ".."));
        assertEquals(root.resolve("new/dir"), ScopedPaths.resolve(root, "/new/missing/../dir"));
    }

    @Test
    void absoluteLinkTargetsStartAtTheRoot() throws Exception {
        Path root = root();
        Files.createSymbolicLink(root.resolve("lib"), Path.of("/usr/lib"));
        Files.createSymbolicLink(root.resolve("escape"), Path.of("/etc"));
        Files.createSymbolicLink(root.resolve("up"), Path.of("../../../../.."));
        assertEquals(root.resolve("usr/lib/libc.so"), ScopedPaths.resolve(root, "/lib/libc.so"));
        assertEquals(root.resolve("etc/passwd"), ScopedPaths.resolve(root, "/escape/passwd"));
        assertEquals(root, ScopedPaths.resolve(root, "/up"));
        assertEquals(root.resolve("etc"), ScopedPaths.resolve(root, "/up/etc"));
    }

    @Test
    void relativeLinkTargetsAndDotDotAfterALink() throws Exception {
        Path root = root();
        Files.createSymbolicLink(root.resolve("usr/lib/current"), Path.of("../lib"));
        Files.createSymbolicLink(root.resolve("etc/libdir"), Path.of("../usr/lib"));
        Files.createSymbolicLink(root.resolve("etc/parent"), Path.of("libdir/.."));
        assertEquals(root.resolve("usr/lib"), ScopedPaths.resolve(root, "/usr/lib/current"));
        // ".." in a link target steps back over what the link before it resolved to, not over "etc".
        assertEquals(root.resolve("usr"), ScopedPaths.resolve(root, "/etc/parent"));
        // ".." in the path itself is lexical, as in Docker: /etc/libdir/../x is /etc/x.
        assertEquals(root.resolve("etc/x"), ScopedPaths.resolve(root, "/etc/libdir/../x"));
    }

    @Test
    void lastComponentFollowedOnlyWhenAsked() throws Exception {
        Path root = root();
        Files.createSymbolicLink(root.resolve("etc/link"), Path.of("/usr/lib"));
        Files.createSymbolicLink(root.resolve("dirlink"), Path.of("etc"));
        assertEquals(root.resolve("usr/lib"), ScopedPaths.resolve(root, "/etc/link"));
        assertEquals(root.resolve("etc/link"), ScopedPaths.resolve(root, "/etc/link", false));
        assertEquals(root.resolve("etc/link"), ScopedPaths.resolve(root, "/dirlink/link", false));
        assertTrue(Files.isSymbolicLink(ScopedPaths.resolve(root, "/etc/link", false)));
    }

    @Test
    void danglingLinksResolveToTheirTargetInside() throws Exception {
        Path root = root();
        Files.createSymbolicLink(root.resolve("dangling"), Path.of("/nowhere/file"));
        assertEquals(root.resolve("nowhere/file"), ScopedPaths.resolve(root, "dangling"));
    }

    @Test
    void loopsFailAfterTheLinkLimit() throws Exception {
        Path root = root();
        Files.createSymbolicLink(root.resolve("a"), Path.of("b"));
        Files.createSymbolicLink(root.resolve("b"), Path.of("/a"));
        Files.createSymbolicLink(root.resolve("self"), Path.of("self/x"));
        FileSystemException e = assertThrows(FileSystemException.class, () -> ScopedPaths.resolve(root, "/a"));
        assertTrue(e.getMessage().contains("too many levels of symbolic links"), e.getMessage());
        assertThrows(FileSystemException.class, () -> ScopedPaths.resolve(root, "self"));
    }

    @Test
    void aChainOfExactlyTheLimitResolves() throws Exception {
        Path root = root();
        for (int i = 0; i < ScopedPaths.MAX_LINKS; i++) {
            Files.createSymbolicLink(root.resolve("l" + i), Path.of(i + 1 < ScopedPaths.MAX_LINKS ? "l" + (i + 1) : "etc"));
        }
        assertEquals(root.resolve("etc/passwd"), ScopedPaths.resolve(root, "l0/passwd"));
        Files.createSymbolicLink(root.resolve("one-more"), Path.of("l0"));
        assertThrows(FileSystemException.class, () -> ScopedPaths.resolve(root, "one-more/passwd"));
    }

    @Test
    void cleanIsGoPathClean() {
        assertEquals(List.of("a", "c"), ScopedPaths.clean("./a/b/../c/"));
        assertEquals(List.of("..", "x"), ScopedPaths.clean("a/../../x"));
        assertEquals(List.of(), ScopedPaths.clean("/"));
    }
}
