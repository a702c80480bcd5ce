package io.berth.storage.common;

import static io.berth.plugin.storage.LayerTars.tar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.plugin.storage.LayerFormatException;
import io.berth.plugin.storage.LayerTars;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The extractor's rules, without root: tars use the current user as owner; no device nodes. */
class LayerTarReaderTest {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    @TempDir
    Path tmp;

    private final int uid = uid();
    private final int gid = gid();

    private static int uid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int gid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private long extract(byte[] tar, Path root, WhiteoutFormat format) throws IOException {
        return LayerTarReader.extract(new ByteArrayInputStream(tar), root, format);
    }

    @Test
    void namesAreSplitAndChecked() throws Exception {
        assertEquals(List.of("a", "b"), LayerTarReader.components("x", "./a//b/"));
        assertEquals(List.of(), LayerTarReader.components("x", "./"));
        assertThrows(LayerFormatException.class, () -> LayerTarReader.components("x", "/etc/passwd"));
        assertThrows(LayerFormatException.class, () -> LayerTarReader.components("x", "a/../b"));
        assertThrows(LayerFormatException.class, () -> LayerTarReader.components("x", ".."));
    }

    @Test
    void extractsFilesDirectoriesLinksAndMetadata() throws IOException {
        Path root = Files.createDirectory(tmp.resolve("root"));
        long size = extract(tar()
                .dir("d", 0750, uid, gid)
                .file("d/f", "hello", 0640, uid, gid)
                .hardlink("d/g", "d/f")
                .symlink("d/l", "/etc/passwd")
                .file("deep/er/x", "12", 0600, uid, gid)
                .fileWithXattrs("x", "xa", Map.of("user.k", "v"))
                .bytes(), root, WhiteoutFormat.APPLY);
        assertEquals(5 + 2 + 2, size, "hard links are not counted twice");
        assertEquals("rwxr-x---", perms(root.resolve("d")));
        assertEquals("rw-r-----", perms(root.resolve("d/f")));
        assertEquals("hello", Files.readString(root.resolve("d/g")));
        assertEquals(Files.getAttribute(root.resolve("d/f"), "unix:ino"), Files.getAttribute(root.resolve("d/g"), "unix:ino"));
        assertEquals(Path.of("/etc/passwd"), Files.readSymbolicLink(root.resolve("d/l")));
        assertEquals("rwxr-xr-x", perms(root.resolve("deep")), "implicit parents are 0755");
        assertEquals(LayerTars.MTIME, Files.getLastModifiedTime(root.resolve("d")).toInstant(),
                "directory times are set after their content");
        assertEquals(LayerTars.MTIME, Files.getLastModifiedTime(root.resolve("d/f")).toInstant());
    }

    @Test
    void hostileEntriesAreRejectedNamingTheEntry() throws IOException {
        Map<String, byte[]> hostile = new TreeMap<>();
        hostile.put("../berth-tar-escape-probe", tar().file("../berth-tar-escape-probe", "x").bytes());
        hostile.put("/abs", tar().file("/abs", "x").bytes());
        hostile.put("a/escape", tar().symlink("a", tmp.toString()).file("a/escape", "x").bytes());
        hostile.put("s", tar().hardlink("s", "/etc/shadow").bytes());
        hostile.put("t", tar().hardlink("t", "missing").bytes());
        hostile.put("u", tar().dir("dd").hardlink("u", "dd").bytes());
        hostile.put("null", tar().charDevice("null", 1, 3).bytes());
        hostile.put("sda", tar().blockDevice("sda", 8, 0).bytes());
        hostile.put("dup", tar().file("dup", "1").file("dup", "2").bytes());
        hostile.put("d", tar().file("d/x", "1").file("d", "2").bytes());
        hostile.put(".wh.f", tar().file("f", "1").file(".wh.f", "").bytes());
        hostile.put("f/x", tar().file("f", "1").file("f/x", "2").bytes());
        for (Map.Entry<String, byte[]> h : hostile.entrySet()) {
            Path root = Files.createDirectory(tmp.resolve("r" + Math.abs(h.getKey().hashCode())));
            LayerFormatException e = assertThrows(LayerFormatException.class,
                    () -> extract(h.getValue(), root, WhiteoutFormat.APPLY), h.getKey());
            assertTrue(e.getMessage().contains(h.getKey()), e.getMessage());
        }
        assertFalse(Files.exists(tmp.resolve("escape")));
        assertFalse(Files.exists(tmp.getParent().resolve("berth-tar-escape-probe")));
    }

    @Test
    void repeatedDirectoriesMergeAndTheLaterMetadataWins() throws IOException {
        Path root = Files.createDirectory(tmp.resolve("root"));
        extract(tar().file("d/a", "a").dir("d", 0700, uid, gid).dir("d", 0711, uid, gid).bytes(), root,
                WhiteoutFormat.APPLY);
        assertEquals("rwx--x--x", perms(root.resolve("d")));
        assertEquals("a", Files.readString(root.resolve("d/a")));
    }

    @Test
    void applyFormatDeletesFromTheParentCopy() throws IOException {
        Path lower = Files.createDirectory(tmp.resolve("lower"));
        extract(tar()
                .file("etc/passwd", "old", 0644, uid, gid)
                .file("etc/group", "g", 0644, uid, gid)
                .file("opt/keep/a", "a", 0644, uid, gid)
                .file("opt/keep/sub/b", "b", 0644, uid, gid)
                .symlink("lib", "usr/lib")
                .file("usr/lib/x", "x", 0644, uid, gid)
                .bytes(), lower, WhiteoutFormat.APPLY);
        Path upper = tmp.resolve("upper");
        FsTrees.copyTree(lower, upper, false);
        long size = extract(tar()
                .file("etc/passwd", "new", 0644, uid, gid)
                .file("etc/.wh.group", "", 0644, uid, gid)
                .file("opt/keep/sub/c", "c", 0644, uid, gid)
                .file("opt/keep/.wh..wh..opq", "", 0644, uid, gid)
                .file("opt/keep/d", "d", 0644, uid, gid)
                .dir("lib", 0755, uid, gid)
                .file("lib/y", "y", 0644, uid, gid)
                .file(".wh..wh.plnk/123", "ignored", 0644, uid, gid)
                .bytes(), upper, WhiteoutFormat.APPLY);
        assertEquals(3 + 1 + 1 + 1, size);
        assertEquals(List.of("etc", "etc/passwd", "lib", "lib/y", "opt", "opt/keep", "opt/keep/d",
                "opt/keep/sub", "opt/keep/sub/c", "usr", "usr/lib", "usr/lib/x"), names(upper));
        assertEquals("new", Files.readString(upper.resolve("etc/passwd")));
        assertTrue(Files.isDirectory(upper.resolve("lib"), NOFOLLOW), "a directory replaces the symlink");
        assertEquals("old", Files.readString(lower.resolve("etc/passwd")), "the parent is untouched");
    }

    @Test
    void writesThroughASymlinkOfTheParentLayerAreRejected() throws IOException {
        Path lower = Files.createDirectory(tmp.resolve("lower"));
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        extract(tar().symlink("lib", outside.toString()).bytes(), lower, WhiteoutFormat.APPLY);
        assertThrows(LayerFormatException.class,
                () -> extract(tar().file("lib/evil", "x", 0644, uid, gid).bytes(), lower, WhiteoutFormat.APPLY));
        assertThrows(LayerFormatException.class,
                () -> extract(tar().file("lib/.wh.x", "", 0644, uid, gid).bytes(), lower, WhiteoutFormat.APPLY));
        assertEquals(List.of(), names(outside));
    }

    @Test
    void copyTreeAndNaiveDiff() throws IOException {
        Path a = Files.createDirectory(tmp.resolve("a"));
        extract(tar().file("f", "12345", 04750, uid, gid).symlink("l", "f").fifo("p").bytes(), a, WhiteoutFormat.APPLY);
        Path b = tmp.resolve("b");
        FsTrees.copyTree(a, b, false);
        assertEquals(04750, (Integer) Files.getAttribute(b.resolve("f"), "unix:mode") & 07777);
        assertEquals(Path.of("f"), Files.readSymbolicLink(b.resolve("l")));
        assertEquals(0010000, (Integer) Files.getAttribute(b.resolve("p"), "unix:mode", NOFOLLOW) & 0170000, "a fifo");
        assertEquals(0, FsTrees.changedBytes(b, List.of(a)));
        Files.writeString(b.resolve("new"), "abc");
        assertEquals(3, FsTrees.changedBytes(b, List.of(a)));
        assertEquals(5 + 3, FsTrees.regularFileBytes(b));
    }

    private static String perms(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, NOFOLLOW));
    }

    private static List<String> names(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }
}
