package io.berth.daemon.build;

import static io.berth.daemon.build.TestTars.tar;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Unpacking client contexts (hostile ones too) and reading the Dockerfile; tars owned by the current user. */
class BuildContextTest {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    @TempDir
    Path tmp;

    private BuildContext unpack(byte[] archive) throws Exception {
        return BuildContext.unpack(new ByteArrayInputStream(archive), tmp.resolve("ctx"));
    }

    /** Every path below {@code dir}, relative, sorted. */
    private static List<String> tree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString())
                    .collect(Collectors.toCollection(TreeSet::new)).stream().toList();
        }
    }

    private static TestTars sample() {
        return tar().file("Dockerfile", "FROM scratch\n").dir("src", 0750).file("src/app.c", "int main;", 0640)
                .symlink("src/link", "app.c").symlink("abs", "/etc/passwd");
    }

    @Test
    void unpacksPlainAndCompressedArchivesWithModesTimesAndSymlinks() throws Exception {
        for (byte[] archive : List.of(sample().bytes(), sample().gzip(), sample().bzip2(), sample().xz())) {
            try (BuildContext ctx = unpack(archive)) {
                Path root = ctx.root();
                assertEquals(List.of("Dockerfile", "abs", "src", "src/app.c", "src/link"), tree(root));
                assertEquals("int main;", Files.readString(root.resolve("src/app.c")));
                assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("src/app.c"))));
                assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("src"))));
                assertEquals(TestTars.MTIME, Files.getLastModifiedTime(root.resolve("src")).toInstant());
                assertEquals(TestTars.MTIME, Files.getLastModifiedTime(root.resolve("src/app.c")).toInstant());
                assertEquals(Path.of("app.c"), Files.readSymbolicLink(root.resolve("src/link")));
                assertEquals(Path.of("/etc/passwd"), Files.readSymbolicLink(root.resolve("abs")));
                assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root)));
            }
            assertFalse(Files.exists(tmp.resolve("ctx")));
        }
    }

    /** The docker CLI ends a context with an added Dockerfile right after its data: no padding, no end blocks. */
    @Test
    void anArchiveThatStopsRightAfterAnEntrysDataEndsThere() throws Exception {
        byte[] whole = tar().file("a.txt", "aaa").file(".dockerfile.1234", "FROM busybox\n").bytes();
        int end = indexOf(whole, "FROM busybox\n".getBytes()) + "FROM busybox\n".length(); // right after the data
        try (BuildContext ctx = unpack(Arrays.copyOf(whole, end))) {
            assertEquals("FROM busybox\n", ctx.readDockerfile(".dockerfile.1234"));
            assertEquals("aaa", Files.readString(ctx.root().resolve("a.txt")));
        }
        // cut inside the Dockerfile's data: an error, nothing kept
        BuildException e = assertThrows(BuildException.class, () -> unpack(Arrays.copyOf(whole, end - 3)));
        assertTrue(e.getMessage().startsWith("failed to read the build context: "), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("ctx")));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }

    @Test
    void theDirectoryMustNotExist() throws Exception {
        Files.createDirectory(tmp.resolve("ctx"));
        assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> unpack(sample().bytes()));
    }

    @Test
    void anEmptyStreamIsAnEmptyContext() throws Exception {
        try (BuildContext ctx = unpack(new byte[0])) {
            assertEquals(List.of(), tree(ctx.root()));
            BuildException e = assertThrows(BuildException.class, () -> ctx.readDockerfile(null));
            assertEquals("Cannot locate specified Dockerfile: Dockerfile", e.getMessage());
        }
    }

    @Test
    void dotDotEntriesFailAndLeaveNothingBehind() throws Exception {
        Files.createDirectory(tmp.resolve("victim"));
        byte[] archive = tar().file("ok", "x").file("../victim/pwned", "x").bytes();
        BuildException e = assertThrows(BuildException.class, () -> unpack(archive));
        assertTrue(e.getMessage().startsWith("failed to read the build context: ../victim/pwned: path leaves"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("ctx")));
        assertEquals(List.of(), tree(tmp.resolve("victim")));
        // ".." that stays inside is cleaned away, as Docker does
        try (BuildContext ctx = unpack(tar().file("a/../b", "x").bytes())) {
            assertEquals(List.of("b"), tree(ctx.root()));
        }
    }

    @Test
    void absoluteNamesLandInsideTheContext() throws Exception {
        try (BuildContext ctx = unpack(tar().file("/etc/evil", "x").bytes())) {
            assertEquals(List.of("etc", "etc/evil"), tree(ctx.root()));
        }
    }

    @Test
    void writesThroughSymlinksStayInsideTheContext() throws Exception {
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        byte[] archive = tar()
                .symlink("out", outside.toString())
                .file("out/pwned", "1")
                .symlink("rel", "../outside")
                .file("rel/pwned2", "2")
                .bytes();
        try (BuildContext ctx = unpack(archive)) {
            assertEquals(List.of(), tree(outside));
            Path root = ctx.root();
            assertEquals("1", Files.readString(root.resolve(outside.toString().substring(1) + "/pwned")));
            assertEquals("2", Files.readString(root.resolve("outside/pwned2")));
            assertTrue(Files.isSymbolicLink(root.resolve("out")));
        }
    }

    @Test
    void aSymlinkEntryReplacesWhatIsThereInsteadOfBeingFollowed() throws Exception {
        Path outside = Files.writeString(tmp.resolve("target"), "original");
        byte[] archive = tar().symlink("f", outside.toString()).file("f", "overwritten").bytes();
        try (BuildContext ctx = unpack(archive)) {
            assertEquals("original", Files.readString(outside));
            assertEquals("overwritten", Files.readString(ctx.root().resolve("f")));
            assertFalse(Files.isSymbolicLink(ctx.root().resolve("f")));
        }
    }

    @Test
    void hardLinksMustPointAtEarlierFilesInside() throws Exception {
        Path secret = Files.writeString(tmp.resolve("secret"), "s");
        try (BuildContext ctx = unpack(tar().file("a", "content").hardlink("b", "a").bytes())) {
            assertEquals(Files.getAttribute(ctx.root().resolve("a"), "unix:ino"), Files.getAttribute(ctx.root().resolve("b"), "unix:ino"));
        }
        BuildException e = assertThrows(BuildException.class, () -> unpack(tar().hardlink("x", "../secret").bytes()));
        assertTrue(e.getMessage().contains("path leaves"), e.getMessage());
        // An absolute link name means the same entry inside the context; it does not exist there.
        assertThrows(BuildException.class, () -> unpack(tar().hardlink("x", secret.toString()).bytes()));
        // Through a symlink that points outside: resolved inside, where nothing is.
        assertThrows(BuildException.class, () -> unpack(tar().symlink("d", tmp.toString()).hardlink("x", "d/secret").bytes()));
        assertThrows(BuildException.class, () -> unpack(tar().dir("d", 0755).hardlink("x", "d").bytes()));
        assertEquals(1, (Integer) Files.getAttribute(secret, "unix:nlink"));
    }

    @Test
    void deviceNodesAreLeftOutAndFifosKept() throws Exception {
        try (BuildContext ctx = unpack(tar().charDevice("mem", 1, 1).fifo("pipe").file("f", "x").bytes())) {
            assertEquals(List.of("f", "pipe"), tree(ctx.root()));
            assertTrue(Files.readAttributes(ctx.root().resolve("pipe"), java.nio.file.attribute.BasicFileAttributes.class, NOFOLLOW).isOther());
        }
    }

    @Test
    void duplicatesLetTheLaterEntryWinAndDirectoriesMerge() throws Exception {
        byte[] archive = tar().file("f", "first").file("f", "second").dir("d", 0700).file("d/x", "x").dir("d", 0755)
                .file("g", "file").dir("g", 0755).bytes();
        try (BuildContext ctx = unpack(archive)) {
            assertEquals("second", Files.readString(ctx.root().resolve("f")));
            assertEquals(List.of("d", "d/x", "f", "g"), tree(ctx.root()));
            assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(ctx.root().resolve("d"))));
            assertTrue(Files.isDirectory(ctx.root().resolve("g")));
        }
    }

    @Test
    void truncatedOrCorruptArchivesFail() throws Exception {
        byte[] full = tar().file("big", "x".repeat(10_000)).bytes();
        byte[] truncated = Arrays.copyOf(full, 3000);
        BuildException e = assertThrows(BuildException.class, () -> unpack(truncated));
        assertTrue(e.getMessage().startsWith("failed to read the build context: "), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("ctx")));

        byte[] gz = tar().file("big", "y".repeat(10_000)).gzip();
        assertThrows(BuildException.class, () -> unpack(Arrays.copyOf(gz, gz.length / 2)));

        byte[] garbage = "this is not a tar archive, just some text that is long enough to fill a block".repeat(10).getBytes();
        assertThrows(BuildException.class, () -> unpack(garbage));
    }

    @Test
    void readsTheDockerfileByNameInsideTheContext() throws Exception {
        byte[] archive = tar().file("Dockerfile", "FROM a\n").file("sub/Dockerfile.dev", "FROM b\n")
                .symlink("linked", "sub/Dockerfile.dev").symlink("escape", "/../../Dockerfile").bytes();
        try (BuildContext ctx = unpack(archive)) {
            assertEquals("FROM a\n", ctx.readDockerfile(null));
            assertEquals("FROM a\n", ctx.readDockerfile(""));
            assertEquals("FROM b\n", ctx.readDockerfile("sub/Dockerfile.dev"));
            assertEquals("FROM b\n", ctx.readDockerfile("linked"));
            assertEquals("FROM a\n", ctx.readDockerfile("escape"));
            assertEquals("Cannot locate specified Dockerfile: nope",
                    assertThrows(BuildException.class, () -> ctx.readDockerfile("nope")).getMessage());
            assertEquals("forbidden path outside the build context: ../Dockerfile ()",
                    assertThrows(BuildException.class, () -> ctx.readDockerfile("../Dockerfile")).getMessage());
        }
    }

    @Test
    void fallsBackToLowercaseAndRejectsAnEmptyDockerfile() throws Exception {
        try (BuildContext ctx = unpack(tar().file("dockerfile", "FROM lower\n").file("empty", "").bytes())) {
            assertEquals("FROM lower\n", ctx.readDockerfile("Dockerfile"));
            assertEquals("the Dockerfile (empty) cannot be empty",
                    assertThrows(BuildException.class, () -> ctx.readDockerfile("empty")).getMessage());
        }
    }

    @Test
    void removesTheDockerfileAndDockerignoreWhenDockerignoreListsThem() throws Exception {
        byte[] listed = tar().file("Dockerfile", "FROM a\n").file(".dockerignore", "# comment\n.dockerignore\nDockerfile\n")
                .file("keep", "k").bytes();
        try (BuildContext ctx = unpack(listed)) {
            assertEquals("FROM a\n", ctx.readDockerfile(null));
            assertEquals(List.of("keep"), tree(ctx.root()));
        }
        byte[] notListed = tar().file("Dockerfile", "FROM a\n").file(".dockerignore", "*.log\n").file("keep", "k").bytes();
        try (BuildContext ctx = unpack(notListed)) {
            ctx.readDockerfile(null);
            assertEquals(List.of(".dockerignore", "Dockerfile", "keep"), tree(ctx.root()));
        }
        byte[] reincluded = tar().file("docker/Dockerfile", "FROM a\n").file(".dockerignore", "docker\n!docker/Dockerfile\n**/.dockerignore\n")
                .bytes();
        try (BuildContext ctx = unpack(reincluded)) {
            ctx.readDockerfile("docker/Dockerfile");
            assertEquals(List.of("docker", "docker/Dockerfile"), tree(ctx.root()));
        }
        byte[] parentListed = tar().file("docker/Dockerfile", "FROM a\n").file(".dockerignore", "docker\n").bytes();
        try (BuildContext ctx = unpack(parentListed)) {
            ctx.readDockerfile("docker/Dockerfile");
            assertEquals(List.of(".dockerignore", "docker"), tree(ctx.root()));
        }
    }

    @Test
    void closeDeletesEverything() throws Exception {
        BuildContext ctx = unpack(sample().bytes());
        Path root = ctx.root();
        ctx.close();
        assertFalse(Files.exists(root, NOFOLLOW));
        assertArrayEquals(new String[0], tmp.toFile().list());
    }
}
