package io.berth.plugin.storage;

import static io.berth.plugin.storage.LayerTars.tar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.berth.plugin.DriverContext;
import io.berth.plugin.DriverStatus;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract every {@link StorageDriver} passes. A driver's test extends it, names itself
 * {@code *RootIT} and implements {@link #newDriver()}: the suite needs root (it mounts what
 * {@link StorageDriver#rootfs} returns to look at the union), and it fails rather than skips without it.
 *
 * <p>Every test gets its own driver home under a fresh temp directory; mounts are made in the same
 * directory and are all undone, and the directory deleted, even when a test fails.
 */
@Timeout(120)
public abstract class StorageDriverContract {

    static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    /** A new, uninitialised driver; the suite calls {@link StorageDriver#init} itself. */
    protected abstract StorageDriver newDriver();

    Path base;
    Path home;
    final List<Path> mounts = new ArrayList<>();
    int mountCount;
    protected StorageDriver driver;

    @BeforeEach
    void setUpContract() throws IOException {
        assertEquals(0, (int) (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid"),
                "the storage driver contract mounts file systems and must run as root");
        base = Files.createTempDirectory("berth-storage-contract-");
        home = Files.createDirectory(base.resolve("home"));
        driver = start(home);
    }

    @AfterEach
    void tearDownContract() throws IOException {
        IOException failure = null;
        for (Path m : List.copyOf(mounts)) {
            try {
                umount(m);
            } catch (IOException e) {
                try {
                    run("umount", "-l", m.toString());
                    mounts.remove(m);
                } catch (IOException e2) {
                    failure = e2;
                }
            }
        }
        if (base != null) {
            deleteTree(base);
        }
        if (failure != null) {
            throw failure;
        }
    }

    StorageDriver start(Path driverHome) throws IOException {
        StorageDriver d = newDriver();
        Path run = driverHome.resolveSibling(driverHome.getFileName() + "-run");
        Files.createDirectories(run);
        d.init(new DriverContext(driverHome, run, base.resolve("libexec"), "contract"));
        return d;
    }

    // ---------------------------------------------------------------- the layers used by most tests

    static final String BASE = "base0123";
    static final String CHILD = "child4567";

    static byte[] baseLayer() {
        return tar()
                .dir("etc")
                .file("etc/passwd", "root:x:0:0")
                .fileWithXattrs("etc/attr", "attr", Map.of("user.berth", "yes"))
                .dir("bin")
                .file("bin/sh", "#!sh", 0755, 0, 0)
                .hardlink("bin/sh2", "bin/sh")
                .symlink("bin/ln", "sh")
                .dir("opt")
                .dir("opt/keep", 0750, 1000, 1000)
                .file("opt/keep/a", "a")
                .file("opt/keep/b", "b", 0600, 1000, 1000)
                .dir("var")
                .file("var/gone.txt", "bye")
                .file("usr/bin/su", "su", 04755, 0, 0)
                .dir("tmp", 01777, 0, 0)
                .dir("run")
                .fifo("run/fifo")
                .bytes();
    }

    static final long BASE_SIZE = "root:x:0:0".length() + "attr".length() + "#!sh".length() + 1 + 1
            + "bye".length() + "su".length();

    static byte[] childLayer() {
        return tar()
                .dir("etc")
                .file("etc/passwd", "root:x:0:0:new")
                .file("etc/hostname", "box")
                .dir("bin")
                .file("bin/.wh.ln", "")
                .dir("opt")
                .dir("opt/keep", 0750, 1000, 1000)
                .file("opt/keep/.wh..wh..opq", "")
                .file("opt/keep/c", "c")
                .dir("var")
                .file("var/.wh.gone.txt", "")
                .bytes();
    }

    static final long CHILD_SIZE = "root:x:0:0:new".length() + "box".length() + 1;

    static final List<InitEntry> INIT = List.of(
            InitEntry.file("/etc/hosts", "127.0.0.1 localhost\n".getBytes(StandardCharsets.UTF_8)),
            InitEntry.dir("/proc"),
            InitEntry.dir("/dev/pts"),
            InitEntry.file("/.dockerenv", new byte[0]));

    /** What a container on base + child with {@link #INIT} shows. */
    static Map<String, String> expectedUnion() {
        Map<String, String> m = new TreeMap<>();
        m.put(".dockerenv", "f 644 0:0 ");
        m.put("bin", "d 755 0:0");
        m.put("bin/sh", "f 755 0:0 #!sh");
        m.put("bin/sh2", "f 755 0:0 #!sh");
        m.put("dev", "d 755 0:0");
        m.put("dev/pts", "d 755 0:0");
        m.put("etc", "d 755 0:0");
        m.put("etc/attr", "f 644 0:0 attr");
        m.put("etc/hostname", "f 644 0:0 box");
        m.put("etc/hosts", "f 644 0:0 127.0.0.1 localhost\n");
        m.put("etc/passwd", "f 644 0:0 root:x:0:0:new");
        m.put("opt", "d 755 0:0");
        m.put("opt/keep", "d 750 1000:1000");
        m.put("opt/keep/c", "f 644 0:0 c");
        m.put("proc", "d 755 0:0");
        m.put("run", "d 755 0:0");
        m.put("run/fifo", "p 644 0:0");
        m.put("tmp", "d 1777 0:0");
        m.put("usr", "d 755 0:0");
        m.put("usr/bin", "d 755 0:0");
        m.put("usr/bin/su", "f 4755 0:0 su");
        m.put("var", "d 755 0:0");
        return m;
    }

    /** Layer tars that must be refused, by what is wrong with them; {@code probe} is the name an escape would write. */
    static Map<String, byte[]> hostileLayers(String probe, Path tmpProbe) {
        Map<String, byte[]> hostile = new TreeMap<>();
        hostile.put("dotdot", tar().file("../" + probe, "x").bytes());
        hostile.put("deep dotdot", tar().dir("a").file("a/../../../../../../" + probe, "x").bytes());
        hostile.put("absolute", tar().file(tmpProbe.toString(), "x").bytes());
        hostile.put("symlink to /etc then a file under it",
                tar().symlink("a", "/etc").file("a/" + probe, "x").bytes());
        hostile.put("relative symlink out then a file under it",
                tar().symlink("up", "../../../../../../../..").file("up/tmp/" + probe, "x").bytes());
        hostile.put("symlink then a directory under it",
                tar().symlink("a", "/tmp").dir("a/" + probe).bytes());
        hostile.put("hardlink to /etc/shadow", tar().hardlink("shadow", "/etc/shadow").bytes());
        hostile.put("hardlink up to /etc/shadow",
                tar().hardlink("shadow", "../../../../../../../../etc/shadow").bytes());
        hostile.put("hardlink through a symlink",
                tar().symlink("e", "/etc").hardlink("shadow", "e/shadow").bytes());
        hostile.put("hardlink to a file of a lower layer", tar().hardlink("pw", "etc/passwd").bytes());
        hostile.put("char device 1:3", tar().charDevice("null", 1, 3).bytes());
        hostile.put("block device 8:0", tar().blockDevice("sda", 8, 0).bytes());
        hostile.put("duplicate file", tar().file("f", "one").file("f", "two").bytes());
        hostile.put("deleted and created", tar().file("f", "one").file(".wh.f", "").bytes());
        hostile.put("whiteout of nothing", tar().file("etc/.wh..", "").bytes());
        return hostile;
    }

    // ---------------------------------------------------------------- tests

    @Test
    void nameAndStatus() {
        assertFalse(driver.name().isBlank());
        DriverStatus s = driver.status();
        assertEquals(driver.name(), s.name());
        assertTrue(s.usable(), () -> "driver should be usable on this host: " + s.reason());
        assertEquals(s, driver.status(), "the probe result is stable");
    }

    @Test
    void baseAndChildLayersJoinWithWhiteouts() throws IOException {
        assertEquals(BASE_SIZE, apply(BASE, null, baseLayer()));
        assertEquals(CHILD_SIZE, apply(CHILD, BASE, childLayer()));
        assertTrue(driver.layerExists(BASE));
        assertTrue(driver.layerExists(CHILD));

        driver.createContainerLayers("c1", List.of(BASE, CHILD), INIT);
        Path mnt = mount(driver.rootfs("c1"));
        try {
            assertEquals(expectedUnion(), tree(mnt));
            assertEquals(LayerTars.MTIME, Files.getLastModifiedTime(mnt.resolve("etc/passwd"), NOFOLLOW).toInstant());
            assertEquals(LayerTars.MTIME, Files.getLastModifiedTime(mnt.resolve("opt/keep"), NOFOLLOW).toInstant());
            UserDefinedFileAttributeView x = Files.getFileAttributeView(mnt.resolve("etc/attr"),
                    UserDefinedFileAttributeView.class);
            ByteBuffer buf = ByteBuffer.allocate(16);
            x.read("berth", buf);
            assertEquals("yes", new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
        } finally {
            umount(mnt);
        }

        // the base alone still shows what the child deleted
        driver.createContainerLayers("c2", List.of(BASE), List.of());
        Path mnt2 = mount(driver.rootfs("c2"));
        try {
            Map<String, String> t = tree(mnt2);
            assertEquals("l -> sh", t.get("bin/ln"));
            assertEquals("f 644 0:0 bye", t.get("var/gone.txt"));
            assertEquals("f 600 1000:1000 b", t.get("opt/keep/b"));
            assertEquals("f 644 0:0 root:x:0:0", t.get("etc/passwd"));
            assertFalse(t.containsKey("etc/hosts"));
        } finally {
            umount(mnt2);
        }
    }

    @Test
    void exportedLayersAreTheAppliedTarsByteForByte() throws IOException {
        // long (PAX) names, a whiteout, an opaque dir, a hard link, a big file, and tar's trailing padding
        byte[] big = tar().dir("deep").bigFile("deep/" + "n".repeat(150) + "/big", 300_000)
                .file("deep/.wh.x", "").bytes();
        apply(BASE, null, baseLayer());
        apply(CHILD, BASE, childLayer());
        apply("big", CHILD, big);
        for (Map.Entry<String, byte[]> layer : Map.of(BASE, baseLayer(), CHILD, childLayer(), "big", big).entrySet()) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            driver.exportLayer(layer.getKey(), out);
            org.junit.jupiter.api.Assertions.assertArrayEquals(layer.getValue(), out.toByteArray(), layer.getKey());
        }
        assertThrows(IOException.class, () -> driver.exportLayer("missing", new java.io.ByteArrayOutputStream()));
    }

    @Test
    void applyLayerIsIdempotent() throws IOException {
        assertEquals(BASE_SIZE, apply(BASE, null, baseLayer()));
        InputStream unreadable = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("the stream of an existing layer must not be read");
            }
        };
        assertEquals(BASE_SIZE, driver.applyLayer(BASE, null, unreadable));
        assertEquals(Set.of(BASE), driver.layers());
    }

    @Test
    void hostileLayersAreRejectedAndLeaveNothing() throws IOException {
        apply(BASE, null, baseLayer());
        String probe = "berth-escape-" + UUID.randomUUID();
        Path etcProbe = Path.of("/etc", probe);
        Path tmpProbe = Path.of("/tmp", probe);
        long shadowLinks = linkCount(Path.of("/etc/shadow"));
        Map<String, byte[]> hostile = hostileLayers(probe, tmpProbe);
        try {
            for (Map.Entry<String, byte[]> h : hostile.entrySet()) {
                for (String parent : new String[] {null, BASE}) {
                    String what = h.getKey() + (parent == null ? " (base layer)" : " (child layer)");
                    Set<String> before = listing(home);
                    assertThrows(LayerFormatException.class,
                            () -> driver.applyLayer("bad", parent, new ByteArrayInputStream(h.getValue())), what);
                    assertFalse(driver.layerExists("bad"), what);
                    assertEquals(Set.of(BASE), driver.layers(), what);
                    assertEquals(before, listing(home), what + ": leftovers");
                    assertFalse(Files.exists(etcProbe, NOFOLLOW), what + ": wrote into /etc");
                    assertFalse(Files.exists(tmpProbe, NOFOLLOW), what + ": wrote into /tmp");
                    for (Path p = home; p != null; p = p.getParent()) {
                        assertFalse(Files.exists(p.resolve(probe), NOFOLLOW), what + ": wrote into " + p);
                    }
                    assertEquals(shadowLinks, linkCount(Path.of("/etc/shadow")), what + ": linked /etc/shadow");
                }
            }
        } finally {
            Files.deleteIfExists(etcProbe);
            Files.deleteIfExists(tmpProbe);
            for (Path p = home; p != null; p = p.getParent()) {
                Files.deleteIfExists(p.resolve(probe));
            }
        }
        // the good layer is untouched
        driver.createContainerLayers("c1", List.of(BASE), List.of());
        Path mnt = mount(driver.rootfs("c1"));
        try {
            assertEquals("f 644 0:0 root:x:0:0", tree(mnt).get("etc/passwd"));
        } finally {
            umount(mnt);
        }
    }

    @Test
    void truncatedTarFailsAndLeavesNothing() throws IOException {
        byte[] whole = tar().bigFile("big", 100_000).bytes();
        byte[] cut = java.util.Arrays.copyOf(whole, 50_000);
        Set<String> before = listing(home);
        assertThrows(IOException.class, () -> driver.applyLayer(BASE, null, new ByteArrayInputStream(cut)));
        assertFalse(driver.layerExists(BASE));
        assertEquals(before, listing(home));
    }

    @Test
    void containerWritesLandInTheReadWriteLayerAndVanishWithIt() throws IOException {
        apply(BASE, null, baseLayer());
        apply(CHILD, BASE, childLayer());
        driver.createContainerLayers("c1", List.of(BASE, CHILD), INIT);
        driver.createContainerLayers("c1", List.of(BASE, CHILD), INIT); // idempotent
        driver.createContainerLayers("c2", List.of(BASE, CHILD), INIT);
        assertEquals(Set.of("c1", "c2"), driver.containers());
        long empty = driver.containerLayerSize("c1");
        assertEquals(0, empty, "a new container's read-write layer holds no file content");

        Path mnt = mount(driver.rootfs("c1"));
        try {
            Files.writeString(mnt.resolve("hello.txt"), "hello");
            Files.delete(mnt.resolve("etc/hostname"));
            Files.writeString(mnt.resolve("etc/passwd"), "changed!");
        } finally {
            umount(mnt);
        }
        assertTrue(driver.containerLayerSize("c1") >= "hello".length() + "changed!".length(),
                "size counts the written files");
        assertEquals(0, driver.containerLayerSize("c2"));

        Path again = mount(driver.rootfs("c1"));
        try {
            Map<String, String> t = tree(again);
            assertEquals("f 644 0:0 hello", t.get("hello.txt"));
            assertFalse(t.containsKey("etc/hostname"));
            assertEquals("f 644 0:0 changed!", t.get("etc/passwd"));
        } finally {
            umount(again);
        }
        Path other = mount(driver.rootfs("c2"));
        try {
            assertEquals(expectedUnion(), tree(other), "another container sees the image unchanged");
        } finally {
            umount(other);
        }

        driver.removeContainerLayers("c1");
        driver.removeContainerLayers("c1"); // a missing one is fine
        assertEquals(Set.of("c2"), driver.containers());
        assertThrows(IOException.class, () -> driver.rootfs("c1"));
        driver.createContainerLayers("c1", List.of(BASE, CHILD), INIT);
        Path fresh = mount(driver.rootfs("c1"));
        try {
            assertEquals(expectedUnion(), tree(fresh));
        } finally {
            umount(fresh);
        }
        driver.removeContainerLayers("c1");
        driver.removeContainerLayers("c2");
        assertEquals(Set.of(), driver.containers());
        assertEquals(Set.of(BASE, CHILD), driver.layers());
    }

    @Test
    void changesAreListedExportedAsALayerAndCommittable() throws IOException {
        apply(BASE, null, baseLayer());
        apply(CHILD, BASE, childLayer());
        driver.createContainerLayers("c1", List.of(BASE, CHILD), INIT);
        Path mnt = mount(driver.rootfs("c1"));
        try {
            Files.writeString(mnt.resolve("hello.txt"), "hello");
            Files.delete(mnt.resolve("etc/hostname"));
            Files.writeString(mnt.resolve("etc/passwd"), "changed!");
            Files.createDirectories(mnt.resolve("opt/new/deep"));
            Files.writeString(mnt.resolve("opt/new/deep/f"), "f");
            deleteTree(mnt.resolve("opt/keep"));
        } finally {
            umount(mnt);
        }
        List<String> listed = new java.util.ArrayList<>();
        driver.containerChanges("c1").forEach(c -> listed.add(c.kind().letter + " " + c.path()));
        assertEquals(List.of("C /etc", "D /etc/hostname", "C /etc/passwd", "A /hello.txt", "C /opt", "D /opt/keep",
                "A /opt/new", "A /opt/new/deep", "A /opt/new/deep/f"), listed, "init entries are not changes");

        // the changes as a layer: applied on the image, they give what the container saw (and no init entries)
        java.io.ByteArrayOutputStream layer = new java.io.ByteArrayOutputStream();
        driver.exportContainerChanges("c1", layer);
        apply("commit1", CHILD, layer.toByteArray());
        driver.createContainerLayers("c3", List.of(BASE, CHILD, "commit1"), List.of());
        Path committed = mount(driver.rootfs("c3"));
        try {
            Map<String, String> t = tree(committed);
            assertEquals("f 644 0:0 hello", t.get("hello.txt"));
            assertEquals("f 644 0:0 changed!", t.get("etc/passwd"));
            assertEquals("f 644 0:0 f", t.get("opt/new/deep/f"));
            assertFalse(t.containsKey("etc/hostname"));
            assertFalse(t.containsKey("opt/keep"));
            assertFalse(t.containsKey("etc/hosts") || t.containsKey(".dockerenv") || t.containsKey("proc"),
                    "the init layer never reaches a committed layer: " + t.keySet());
            assertEquals("f 755 0:0 #!sh", t.get("bin/sh"));
        } finally {
            umount(committed);
        }

        // the whole filesystem as the container sees it
        java.io.ByteArrayOutputStream rootfs = new java.io.ByteArrayOutputStream();
        driver.exportContainerRootfs("c1", rootfs);
        java.util.Set<String> names = new java.util.TreeSet<>();
        try (org.apache.commons.compress.archivers.tar.TarArchiveInputStream in =
                     new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
                             new ByteArrayInputStream(rootfs.toByteArray()))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                names.add(e.getName());
            }
        }
        assertTrue(names.containsAll(List.of("hello.txt", "etc/passwd", "etc/hosts", "bin/sh", "opt/new/deep/f")), names.toString());
        assertFalse(names.contains("etc/hostname") || names.contains("opt/keep/"), names.toString());
        driver.removeContainerLayers("c1");
        driver.removeContainerLayers("c3");
    }

    @Test
    void containerOnMissingLayerFails() throws IOException {
        apply(BASE, null, baseLayer());
        assertThrows(IOException.class, () -> driver.createContainerLayers("c1", List.of(BASE, "nope"), INIT));
        assertEquals(Set.of(), driver.containers());
        assertThrows(IOException.class, () -> driver.applyLayer(CHILD, "nope", new ByteArrayInputStream(childLayer())));
        assertEquals(Set.of(BASE), driver.layers());
    }

    @Test
    void layersAreListedAndRemoved() throws IOException {
        assertEquals(Set.of(), driver.layers());
        assertEquals(Set.of(), driver.containers());
        assertFalse(driver.layerExists(BASE));
        apply(BASE, null, baseLayer());
        apply(CHILD, BASE, childLayer());
        assertEquals(Set.of(BASE, CHILD), driver.layers());
        driver.removeLayer(CHILD);
        driver.removeLayer(CHILD);
        driver.removeLayer("never-there");
        assertFalse(driver.layerExists(CHILD));
        assertEquals(Set.of(BASE), driver.layers());
        assertEquals(CHILD_SIZE, apply(CHILD, BASE, childLayer()), "a removed layer can be applied again");

        StorageDriver restarted = start(home);
        assertEquals(Set.of(BASE, CHILD), restarted.layers(), "layers survive a restart");
    }

    @Test
    void initRemovesWhatACrashLeftBehind() throws IOException {
        apply(BASE, null, baseLayer());
        driver.createContainerLayers("c1", List.of(BASE), INIT);
        Set<String> before = listing(home);
        Path crashed = base.resolve("crashed");
        byte[] layer = tar().file("first", "1").bigFile("big", 1 << 20).file("last", "2").bytes();
        // A "kill -9" in the middle of applyLayer: while the driver is reading the tar, copy its home
        // as it is at that instant; a driver started on the copy must forget the half-applied layer.
        InputStream pausing = new FilterInputStream(new ByteArrayInputStream(layer)) {
            long read;
            boolean copied;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                read += Math.max(n, 0);
                if (!copied && read > layer.length / 2) {
                    copied = true;
                    run("cp", "-a", home.toString(), crashed.toString());
                    throw new IOException("simulated crash");
                }
                return n;
            }
        };
        assertThrows(IOException.class, () -> driver.applyLayer(CHILD, BASE, pausing));
        assertTrue(Files.isDirectory(crashed), "the crash copy was taken");
        assertTrue(listing(crashed).size() > before.size() || !listing(crashed).equals(before),
                "the copy holds the half-applied layer");
        StorageDriver afterCrash = start(crashed);
        assertEquals(Set.of(BASE), afterCrash.layers());
        assertEquals(Set.of("c1"), afterCrash.containers());
        assertEquals(before, listing(crashed), "init removed the leftovers");
        assertEquals(Set.of(BASE), driver.layers());
        assertEquals(before, listing(home), "the failed apply cleaned up after itself");
        Path mnt = mount(afterCrash.rootfs("c1"));
        try {
            assertEquals("f 644 0:0 root:x:0:0", tree(mnt).get("etc/passwd"));
        } finally {
            umount(mnt);
        }
    }

    @Test
    void aLongChainOfLayersMounts() throws IOException {
        int depth = 40;
        List<String> chain = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            String id = "layer-" + i;
            apply(id, i == 0 ? null : chain.get(i - 1), tar().dir("layers").file("layers/" + i, "" + i).bytes());
            chain.add(id);
        }
        driver.createContainerLayers("deep", chain, INIT);
        Path mnt = mount(driver.rootfs("deep"));
        try {
            Map<String, String> t = tree(mnt);
            for (int i = 0; i < depth; i++) {
                assertEquals("f 644 0:0 " + i, t.get("layers/" + i));
            }
        } finally {
            umount(mnt);
        }
    }

    // ---------------------------------------------------------------- staged layers (docker load)

    /**
     * Whether the driver stages layers ({@link StagedLayerContract} says true and adds the staging cases);
     * one that says false (the default) is checked to decline as the interface lets it: {@link StorageDriver#stageLayer}
     * returns null without reading anything, and the caller applies the same tar once it knows the id.
     */
    protected boolean stagesLayers() {
        return false;
    }

    @Test
    void stageLayerStagesOrDeclinesWithoutReading() throws IOException {
        apply(BASE, null, baseLayer());
        Set<String> before = listing(home);
        CountingStream in = new CountingStream(childLayer());
        StagedLayer staged = driver.stageLayer(in);
        if (!stagesLayers()) {
            assertNull(staged, "the test says the driver stages no layers, but it staged one");
            assertEquals(0, in.count, "a driver that stages nothing reads nothing");
            assertEquals(before, listing(home), "a driver that stages nothing keeps nothing");
            // the caller's fallback: the same stream, still whole, applied once the id and parent are known
            assertEquals(CHILD_SIZE, driver.applyLayer(CHILD, BASE, in));
            assertExports(CHILD, childLayer());
            return;
        }
        assertNotNull(staged, "the test says the driver stages layers, but stageLayer returned null");
        assertEquals(CHILD_SIZE, staged.size());
        assertEquals(Set.of(BASE), driver.layers(), "a staged layer is no layer");
        assertFalse(driver.layerExists(CHILD));
        driver.discardStagedLayer(staged);
        assertEquals(before, listing(home));
    }

    // ---------------------------------------------------------------- helpers


    void assertExports(String id, byte[] tar) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        driver.exportLayer(id, out);
        org.junit.jupiter.api.Assertions.assertArrayEquals(tar, out.toByteArray(), id + " exported");
    }

    static InputStream unreadable() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("the stream of an existing layer must not be read");
            }
        };
    }

    /** A tar in memory that counts what is taken from it. */
    static final class CountingStream extends FilterInputStream {
        long count;

        CountingStream(byte[] bytes) {
            super(new ByteArrayInputStream(bytes));
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count += b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            count += Math.max(n, 0);
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long k = super.skip(n);
            count += k;
            return k;
        }
    }

    protected long apply(String id, String parent, byte[] tar) throws IOException {
        return driver.applyLayer(id, parent, new ByteArrayInputStream(tar));
    }

    /** Mounts a rootfs as the isolation backend would, in a directory of the test's own. */
    protected Path mount(RootfsMount m) throws IOException {
        Path target = Files.createDirectory(base.resolve("mnt-" + (mountCount++)));
        if (m.fsType().equals("bind")) {
            run("mount", "--bind", m.source(), target.toString());
        } else {
            run("mount", "-t", m.fsType(), "-o", m.options(), m.source(), target.toString());
        }
        mounts.add(target);
        return target;
    }

    protected void umount(Path target) throws IOException {
        run("umount", target.toString());
        mounts.remove(target);
    }

    protected static String run(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return out;
    }

    /** Path (relative) to "type mode uid:gid [content]" or "l -> target", not following symlinks. */
    protected static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(root)) {
                    m.put(root.relativize(dir).toString(), describe(dir));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                m.put(root.relativize(file).toString(), describe(file));
                return FileVisitResult.CONTINUE;
            }
        });
        return m;
    }

    static String describe(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,rdev", NOFOLLOW);
        int mode = (Integer) a.get("mode");
        String owner = a.get("uid") + ":" + a.get("gid");
        String perm = Integer.toOctalString(mode & 07777);
        switch (mode & 0170000) {
            case 0040000:
                return "d " + perm + " " + owner;
            case 0100000:
                return "f " + perm + " " + owner + " " + Files.readString(p);
            case 0120000:
                return "l -> " + Files.readSymbolicLink(p);
            case 0010000:
                return "p " + perm + " " + owner;
            case 0020000:
                return "c " + a.get("rdev");
            default:
                return "? " + Integer.toOctalString(mode);
        }
    }

    /** Every path under {@code root}, with its type (d, f, l, other), for "nothing left behind" checks. */
    protected static Set<String> listing(Path root) throws IOException {
        Set<String> out = new TreeSet<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                out.add("d " + root.relativize(dir));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                out.add((attrs.isSymbolicLink() ? "l " : attrs.isRegularFile() ? "f " : "o ") + root.relativize(file));
                return FileVisitResult.CONTINUE;
            }
        });
        return out;
    }

    static long linkCount(Path p) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:nlink", NOFOLLOW)).longValue();
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, NOFOLLOW)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

}
