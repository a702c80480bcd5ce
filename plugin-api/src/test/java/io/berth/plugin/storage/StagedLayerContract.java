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
 * The contract of a storage driver that stages layers ({@link StorageDriver#stageLayer}: docker load
 * unpacks a layer before it knows its id and parent): everything {@link StorageDriverContract} checks, plus
 * staged layers becoming layers only when committed, leaving nothing when discarded, refused when hostile,
 * and forgotten by {@code init} after a crash.
 */
public abstract class StagedLayerContract extends StorageDriverContract {

    @Override
    protected final boolean stagesLayers() {
        return true;
    }

    @Test
    void stagedLayersBecomeLayersOnlyWhenCommitted() throws IOException {
        // as docker load gets them: every layer before the manifest that says what they are; a child before its parent
        StagedLayer child = stage(childLayer());
        StagedLayer base = stage(baseLayer());
        assertEquals(CHILD_SIZE, child.size());
        assertEquals(BASE_SIZE, base.size());
        assertEquals(Set.of(), driver.layers(), "staged layers are not layers");
        assertFalse(driver.layerExists(BASE));
        assertFalse(driver.layerExists(CHILD));
        assertEquals(Set.of(), driver.containers());

        assertEquals(BASE_SIZE, driver.commitStagedLayer(base, BASE, null));
        assertEquals(Set.of(BASE), driver.layers(), "the child is still only staged");
        assertEquals(CHILD_SIZE, driver.commitStagedLayer(child, CHILD, BASE));
        assertEquals(Set.of(BASE, CHILD), driver.layers());
        assertTrue(driver.layerExists(BASE));
        assertTrue(driver.layerExists(CHILD));

        // the same layers as applyLayer makes: the tars back byte for byte, the recorded sizes, the union
        assertExports(BASE, baseLayer());
        assertExports(CHILD, childLayer());
        assertEquals(CHILD_SIZE, driver.applyLayer(CHILD, BASE, unreadable()), "the committed size is recorded");
        driver.createContainerLayers("c1", List.of(BASE, CHILD), INIT);
        Path mnt = mount(driver.rootfs("c1"));
        try {
            assertEquals(expectedUnion(), tree(mnt));
            assertEquals(LayerTars.MTIME, Files.getLastModifiedTime(mnt.resolve("opt/keep"), NOFOLLOW).toInstant());
            UserDefinedFileAttributeView x = Files.getFileAttributeView(mnt.resolve("etc/attr"),
                    UserDefinedFileAttributeView.class);
            ByteBuffer buf = ByteBuffer.allocate(16);
            x.read("berth", buf);
            assertEquals("yes", new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
        } finally {
            umount(mnt);
        }

        // nothing of the staging is left (init would remove it), and the layers survive a restart
        Set<String> after = listing(home);
        StorageDriver restarted = start(home);
        assertEquals(after, listing(home), "the staging left temporary work behind");
        assertEquals(Set.of(BASE, CHILD), restarted.layers());
    }


    @Test
    void aBigStagedLayerExportsByteForByte() throws IOException {
        apply(BASE, null, baseLayer());
        byte[] big = tar().dir("deep").bigFile("deep/" + "n".repeat(150) + "/big", 3_000_000)
                .file("deep/.wh.x", "").bytes();
        StagedLayer staged = stage(big);
        assertEquals(3_000_000, staged.size());
        assertEquals(3_000_000, driver.commitStagedLayer(staged, "big", BASE));
        assertExports("big", big);
    }


    @Test
    void aDiscardedStagedLayerLeavesNothing() throws IOException {
        apply(BASE, null, baseLayer());
        Set<String> before = listing(home);
        StagedLayer staged = stage(childLayer());
        driver.discardStagedLayer(staged);
        assertEquals(before, listing(home));
        assertEquals(Set.of(BASE), driver.layers());
        driver.discardStagedLayer(staged); // twice is not an error
        assertEquals(before, listing(home));
        assertFalse(driver.layerExists(CHILD));
    }


    @Test
    void committingOverAnExistingLayerKeepsItAndUsesTheStagedLayerUp() throws IOException {
        apply(BASE, null, baseLayer());
        apply(CHILD, BASE, childLayer());
        Set<String> before = listing(home);
        StagedLayer other = stage(tar().file("other", "something else").bytes());
        assertEquals(CHILD_SIZE, driver.commitStagedLayer(other, CHILD, BASE), "the existing layer's size");
        assertEquals(before, listing(home), "the staged layer is used up");
        assertExports(CHILD, childLayer());
        assertEquals(Set.of(BASE, CHILD), driver.layers());
    }


    @Test
    void committingOnAMissingParentFailsAndUsesTheStagedLayerUp() throws IOException {
        apply(BASE, null, baseLayer());
        Set<String> before = listing(home);
        StagedLayer staged = stage(childLayer());
        assertThrows(IOException.class, () -> driver.commitStagedLayer(staged, CHILD, "nope"));
        assertFalse(driver.layerExists(CHILD));
        assertEquals(Set.of(BASE), driver.layers());
        // the loader counts a layer it tried to commit as used: nothing may stay behind
        assertEquals(before, listing(home));
    }


    @Test
    void hostileLayersAreRefusedAtStagingAndLeaveNothing() throws IOException {
        apply(BASE, null, baseLayer());
        String probe = "berth-escape-" + UUID.randomUUID();
        Path etcProbe = Path.of("/etc", probe);
        Path tmpProbe = Path.of("/tmp", probe);
        long shadowLinks = linkCount(Path.of("/etc/shadow"));
        Set<String> before = listing(home);
        try {
            for (Map.Entry<String, byte[]> h : hostileLayers(probe, tmpProbe).entrySet()) {
                String what = h.getKey();
                assertThrows(LayerFormatException.class,
                        () -> driver.stageLayer(new ByteArrayInputStream(h.getValue())), what);
                assertEquals(Set.of(BASE), driver.layers(), what);
                assertEquals(before, listing(home), what + ": leftovers");
                assertFalse(Files.exists(etcProbe, NOFOLLOW), what + ": wrote into /etc");
                assertFalse(Files.exists(tmpProbe, NOFOLLOW), what + ": wrote into /tmp");
                for (Path p = home; p != null; p = p.getParent()) {
                    assertFalse(Files.exists(p.resolve(probe), NOFOLLOW), what + ": wrote into " + p);
                }
                assertEquals(shadowLinks, linkCount(Path.of("/etc/shadow")), what + ": linked /etc/shadow");
            }
        } finally {
            Files.deleteIfExists(etcProbe);
            Files.deleteIfExists(tmpProbe);
            for (Path p = home; p != null; p = p.getParent()) {
                Files.deleteIfExists(p.resolve(probe));
            }
        }
    }


    @Test
    void aTruncatedTarFailsAtStagingAndLeavesNothing() throws IOException {
        byte[] cut = java.util.Arrays.copyOf(tar().bigFile("big", 100_000).bytes(), 50_000);
        Set<String> before = listing(home);
        assertThrows(IOException.class, () -> driver.stageLayer(new ByteArrayInputStream(cut)));
        assertEquals(before, listing(home));
        assertEquals(Set.of(), driver.layers());
    }


    @Test
    void initRemovesAStagedLayerThatWasNeverCommitted() throws IOException {
        apply(BASE, null, baseLayer());
        Set<String> before = listing(home);
        stage(tar().file("first", "1").bigFile("big", 1 << 20).bytes());
        // a crash between staging and committing: the next start forgets the staged layer
        StorageDriver restarted = start(home);
        assertEquals(Set.of(BASE), restarted.layers());
        assertEquals(before, listing(home), "init removed the staged layer");
    }


    /** Stages {@code tar}. */
    protected StagedLayer stage(byte[] tar) throws IOException {
        StagedLayer staged = driver.stageLayer(new ByteArrayInputStream(tar));
        assertNotNull(staged, "the test says the driver stages layers, but stageLayer returned null");
        return staged;
    }
}
