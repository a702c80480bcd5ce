package io.berth.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuildContextTest {

    @TempDir
    Path tmp;

    /** A tar's entries by name, in order, with their contents. */
    private record Tar(Map<String, TarArchiveEntry> entries, Map<String, String> contents, int size) {
        List<String> names() {
            return new ArrayList<>(entries.keySet());
        }
    }

    private static Tar read(byte[] tar) throws IOException {
        Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
        Map<String, String> contents = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                entries.put(e.getName(), e);
                contents.put(e.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return new Tar(entries, contents, tar.length);
    }

    private static byte[] bytes(BuildContext context) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        context.writeTo(out);
        return out.toByteArray();
    }

    private Path file(String name, String content, String mode) throws IOException {
        Path p = tmp.resolve("ctx").resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        return p;
    }

    /** A context with a .dockerignore that excludes, re-includes, and names the build files themselves. */
    private Path context() throws IOException {
        file("Dockerfile", "FROM busybox\nCOPY . /app\n", "rw-r--r--");
        file(".dockerignore", "*.md\n!README.md\nsecret\n!secret/keep.txt\nvendor/\n**/*.tmp\nDockerfile\n.dockerignore\n", "rw-r--r--");
        file("README.md", "read me", "rw-r--r--");
        file("NOTES.md", "excluded", "rw-r--r--");
        Path script = file("app.sh", "#!/bin/sh\necho hi\n", "rwxr-x---");
        Files.setLastModifiedTime(script, FileTime.fromMillis(1_700_000_000_789L));
        file("src/main.go", "package main", "rw-r--r--");
        file("src/lib/util.go", "package lib", "rw-r--r--");
        file("src/lib/scratch.tmp", "excluded", "rw-r--r--");
        file("vendor/x.go", "excluded", "rw-r--r--");
        file("secret/keep.txt", "kept", "rw-------");
        file("secret/drop.txt", "excluded", "rw-------");
        Path ctx = tmp.resolve("ctx");
        Files.createSymbolicLink(ctx.resolve("link"), Path.of("app.sh"));
        Files.createLink(ctx.resolve("hard"), script);
        return ctx;
    }

    @Test
    void directoryContextIsTheTarDockerSends() throws Exception {
        Path ctx = context();
        BuildContext context = BuildContext.fromDirectory(ctx.toString(), null, InputStream.nullInputStream());
        assertEquals("Dockerfile", context.dockerfile);
        Tar tar = read(bytes(context));
        assertEquals(List.of(".dockerignore", "Dockerfile", "README.md", "app.sh", "hard", "link", "secret/keep.txt",
                "src/", "src/lib/", "src/lib/util.go", "src/main.go"), tar.names(),
                "sorted, relative, directories included, ignored files out, the build files in, "
                        + "and an excluded directory's re-included file without the directory");

        TarArchiveEntry script = tar.entries.get("app.sh");
        assertEquals(0750, script.getMode());
        assertEquals(0, script.getLongUserId());
        assertEquals(0, script.getLongGroupId());
        assertEquals("", script.getUserName());
        assertEquals("", script.getGroupName());
        assertEquals(1_700_000_000_000L, script.getModTime().getTime(), "whole seconds");
        assertEquals("#!/bin/sh\necho hi\n", tar.contents.get("app.sh"));
        assertEquals(0600, tar.entries.get("secret/keep.txt").getMode());
        assertTrue(tar.entries.get("src/").isDirectory());

        TarArchiveEntry link = tar.entries.get("link");
        assertTrue(link.isSymbolicLink());
        assertEquals("app.sh", link.getLinkName());
        TarArchiveEntry hard = tar.entries.get("hard");
        assertTrue(hard.isLink(), "the second name of an inode is a hard link to the first");
        assertEquals("app.sh", hard.getLinkName());
        assertEquals(0, tar.size % 512);
    }

    @Test
    void dockerfileInsideTheContextIsNamedRelativeToIt() throws Exception {
        Path ctx = context();
        file("build/Dockerfile.dev", "FROM scratch\n", "rw-r--r--");
        Files.writeString(ctx.resolve(".dockerignore"), "build\n");
        BuildContext context = BuildContext.fromDirectory(ctx.toString(), ctx.resolve("build/Dockerfile.dev").toString(), null);
        assertEquals("build/Dockerfile.dev", context.dockerfile);
        Tar tar = read(bytes(context));
        assertTrue(tar.names().contains("build/Dockerfile.dev"), "kept though its directory is ignored");
        assertFalse(tar.names().contains("build/"));
    }

    @Test
    void dockerfileOutsideTheContextIsAddedUnderARandomName() throws Exception {
        Path ctx = context();
        Path outside = tmp.resolve("elsewhere/Dockerfile.prod");
        Files.createDirectories(outside.getParent());
        Files.writeString(outside, "FROM alpine\n");
        BuildContext context = BuildContext.fromDirectory(ctx.toString(), outside.toString(), null);
        assertTrue(context.dockerfile.matches("\\.dockerfile\\.[0-9a-f]{20}"), context.dockerfile);
        Tar tar = read(bytes(context));
        assertEquals("FROM alpine\n", tar.contents.get(context.dockerfile));
        assertEquals(0600, tar.entries.get(context.dockerfile).getMode());
        assertEquals(context.dockerfile, tar.names().get(tar.names().size() - 1));
        assertTrue(tar.contents.get(".dockerignore").endsWith("\n" + context.dockerfile + "\n"),
                "docker's .dockerignore names the added Dockerfile, so the daemon leaves it out of COPY");
        assertFalse(tar.names().contains("Dockerfile"), "the context's own Dockerfile is ignored: only the one -f names is kept");
    }

    @Test
    void dockerfileFromStdinIsAddedAndADockerignoreMadeForIt() throws Exception {
        Path ctx = tmp.resolve("plain");
        Files.createDirectories(ctx.resolve("src"));
        Files.writeString(ctx.resolve("src/a.txt"), "a");
        BuildContext context = BuildContext.fromDirectory(ctx.toString(), "-",
                new ByteArrayInputStream("FROM busybox\n".getBytes(StandardCharsets.UTF_8)));
        Tar tar = read(bytes(context));
        assertEquals(List.of("src/", "src/a.txt", context.dockerfile, ".dockerignore"), tar.names());
        assertEquals("FROM busybox\n", tar.contents.get(context.dockerfile));
        assertEquals(".dockerignore\n" + context.dockerfile + "\n", tar.contents.get(".dockerignore"));
    }

    @Test
    void contextErrorsAreDockers() throws Exception {
        BuildContext.ContextException e = assertThrows(BuildContext.ContextException.class,
                () -> BuildContext.fromDirectory(tmp.toString(), null, null));
        assertEquals("unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat "
                + tmp.toRealPath().resolve("Dockerfile") + ": no such file or directory", e.getMessage());
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertTrue(assertThrows(BuildContext.ContextException.class, () -> BuildContext.fromDirectory(file.toString(), null, null))
                .getMessage().startsWith("unable to prepare context: context must be a directory: "));
        Files.writeString(tmp.resolve("Dockerfile"), "FROM x");
        Files.writeString(tmp.resolve(".dockerignore"), "a[b\n");
        assertEquals("syntax error in pattern", assertThrows(BuildContext.ContextException.class,
                () -> BuildContext.fromDirectory(tmp.toString(), null, null)).getMessage());
    }

    @Test
    void stdinTarIsSentAsItIs() throws Exception {
        byte[] tar = bytes(BuildContext.fromDirectory(context().toString(), null, null));
        BuildContext fromStdin = BuildContext.fromStdin(new ByteArrayInputStream(tar), "sub/Dockerfile");
        assertEquals("sub/Dockerfile", fromStdin.dockerfile, "-f names the Dockerfile inside the archive");
        assertArrayEquals(tar, bytes(fromStdin));

        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(tar);
        }
        assertArrayEquals(gz.toByteArray(), bytes(BuildContext.fromStdin(new ByteArrayInputStream(gz.toByteArray()), null)),
                "a compressed archive too");
    }

    @Test
    void stdinDockerfileIsSentAloneInATar() throws Exception {
        byte[] dockerfile = "FROM busybox\nRUN echo hi\n".getBytes(StandardCharsets.UTF_8);
        BuildContext context = BuildContext.fromStdin(new ByteArrayInputStream(dockerfile), null);
        assertEquals("Dockerfile", context.dockerfile);
        Tar tar = read(bytes(context));
        assertEquals(List.of("Dockerfile"), tar.names());
        assertEquals("FROM busybox\nRUN echo hi\n", tar.contents.get("Dockerfile"));
        assertEquals(2048, tar.size, "header, one block of content, and the two zero blocks Go's tar ends with: no record padding");
        assertEquals("Sending build context to Docker daemon  2.048kB\r\r\n", BuildCommand.sentLine(tar.size));

        assertEquals("unable to prepare context: ambiguous Dockerfile source: both stdin and flag correspond to Dockerfiles",
                assertThrows(BuildContext.ContextException.class,
                        () -> BuildContext.fromStdin(new ByteArrayInputStream(dockerfile), "Dockerfile")).getMessage());
        assertEquals("invalid argument: can't use stdin for both build context and dockerfile",
                assertThrows(BuildContext.ContextException.class,
                        () -> BuildContext.fromStdin(new ByteArrayInputStream(dockerfile), "-")).getMessage());
    }
}
