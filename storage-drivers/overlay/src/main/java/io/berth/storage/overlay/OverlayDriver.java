package io.berth.storage.overlay;

import io.berth.plugin.DriverContext;
import io.berth.plugin.DriverStatus;
import io.berth.plugin.storage.InitEntry;
import io.berth.plugin.storage.RootfsMount;
import io.berth.plugin.storage.StagedLayer;
import io.berth.plugin.storage.StorageDriver;
import io.berth.plugin.storage.Change;
import io.berth.storage.common.DriverDirs;
import io.berth.storage.common.FsChanges;
import io.berth.storage.common.TreeTar;
import io.berth.storage.common.FsTrees;
import io.berth.storage.common.InitLayers;
import io.berth.storage.common.LayerTarReader;
import io.berth.storage.common.TarSplit;
import io.berth.storage.common.Libc;
import io.berth.storage.common.WhiteoutFormat;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.pf4j.Extension;

/**
 * Kernel overlayfs. On disk, under the driver's home:
 * <pre>
 * layers/&lt;id&gt;/diff      the layer's own files; whiteouts as char 0:0, opaque dirs by trusted.overlay.opaque=y
 * layers/&lt;id&gt;/{parent,size,link,tar-split.gz}
 * containers/&lt;cid&gt;/{init,diff,work}   init layer, read-write layer, overlay's work dir
 * containers/&lt;cid&gt;/{lower,link}      the short names of init + image layers (top first), init's own
 * l/&lt;short&gt;               -&gt; ../layers/&lt;id&gt;/diff or ../containers/&lt;cid&gt;/init
 * </pre>
 * Every layer and container is built under a {@code .tmp-} name and renamed into place; removal
 * renames it back to a {@code .tmp-} name first. {@link #init} deletes {@code .tmp-} leftovers and
 * dangling short links.
 *
 * <p>Mount data is limited to one page (4095 bytes). Like Docker's overlay2, lower layers are named
 * through short links ({@code <home>/l/<8 chars>}); since {@link RootfsMount} carries no working
 * directory, the links are absolute, so the layer limit depends on the home's path length (about 90
 * layers for {@code /var/lib/berth/storage/overlay}). Past it {@link #rootfs} fails with a message
 * saying so, instead of a mount that fails later with EINVAL.
 */
@Extension
public class OverlayDriver implements StorageDriver {

    static final int PAGE_LIMIT = 4095;
    /** Per layer: the layout of the tar it came from (see {@link TarSplit}). */
    static final String TAR_SPLIT = "tar-split.gz";
    private static final int SHORT = 8;

    private Path home;
    private Path layers;
    private Path containers;
    private Path links;
    private volatile DriverStatus status;

    @Override
    public String name() {
        return "overlay";
    }

    @Override
    public void init(DriverContext context) throws IOException {
        home = context.home().toAbsolutePath().normalize();
        String h = home.toString();
        if (h.contains(",") || h.contains(":") || h.contains("\\")) {
            throw new IOException("overlay: the driver home " + h + " contains ',', ':' or '\\', which overlay mount options cannot carry");
        }
        layers = home.resolve("layers");
        containers = home.resolve("containers");
        links = home.resolve("l");
        Files.createDirectories(layers);
        Files.createDirectories(containers);
        Files.createDirectories(links);
        for (Path p : FsTrees.children(home)) {
            String n = p.getFileName().toString();
            if (n.startsWith(DriverDirs.TEMP_PREFIX + "probe") || n.startsWith(DriverDirs.TEMP_PREFIX + "export")) {
                try {
                    Libc.umount2(p.resolve("merged"), Libc.MNT_DETACH);
                } catch (IOException notMounted) {
                    // the usual case
                }
                FsTrees.deleteTree(p);
            }
        }
        DriverDirs.sweep(layers);
        DriverDirs.sweep(containers);
        DriverDirs.sweep(links);
        for (Path link : FsTrees.children(links)) {
            if (!Files.exists(link)) {
                Files.deleteIfExists(link);
            }
        }
    }

    @Override
    public DriverStatus status() {
        DriverStatus s = status;
        if (s == null) {
            s = probe();
            status = s;
        }
        return s;
    }

    private DriverStatus probe() {
        try {
            if (Files.readAllLines(Path.of("/proc/filesystems")).stream()
                    .map(l -> l.trim().split("\\s+")).noneMatch(f -> f[f.length - 1].equals("overlay"))) {
                return DriverStatus.unusable(name(), "the kernel has no overlay filesystem (modprobe overlay)");
            }
        } catch (IOException e) {
            return DriverStatus.unusable(name(), "cannot read /proc/filesystems: " + e.getMessage());
        }
        Path dir = null;
        try {
            dir = home != null ? DriverDirs.tempFor(home, "probe") : Files.createTempDirectory("berth-overlay-probe");
            Files.createDirectories(dir);
            for (String d : List.of("lower", "upper", "work", "merged")) {
                Files.createDirectory(dir.resolve(d));
            }
            Libc.mount("overlay", dir.resolve("merged"), "overlay", 0,
                    "lowerdir=" + dir.resolve("lower") + ",upperdir=" + dir.resolve("upper") + ",workdir=" + dir.resolve("work"));
            Libc.umount2(dir.resolve("merged"), 0);
            String backing = home != null ? Files.getFileStore(home).type() : "unknown";
            return DriverStatus.usable(name(), List.of(
                    new DriverStatus.Detail("Backing Filesystem", backing),
                    new DriverStatus.Detail("Supports d_type", "true"),
                    new DriverStatus.Detail("Max lower layers", Integer.toString(maxLayers()))));
        } catch (IOException | RuntimeException | LinkageError e) {
            return DriverStatus.unusable(name(), "a test overlay mount failed: " + e.getMessage());
        } finally {
            if (dir != null) {
                try {
                    FsTrees.deleteTree(dir);
                } catch (IOException ignored) {
                    // init removes probe leftovers
                }
            }
        }
    }

    /** How many lower layers fit in one page of mount data for a container with a 64-char id. */
    int maxLayers() {
        if (home == null) {
            return 0;
        }
        String cdir = containers.resolve("x".repeat(64)).toString();
        int fixed = "lowerdir=".length() + ",upperdir=".length() + cdir.length() + "/diff".length()
                + ",workdir=".length() + cdir.length() + "/work".length();
        int perLayer = links.toString().length() + 1 + SHORT + 1;
        return (PAGE_LIMIT - fixed) / perLayer - 1;
    }

    @Override
    public long applyLayer(String id, String parentId, InputStream tar) throws IOException {
        DriverDirs.checkId(id);
        Path dir = layers.resolve(id);
        if (Files.isDirectory(dir)) {
            return Long.parseLong(Files.readString(dir.resolve("size")).trim());
        }
        checkParent(id, parentId);
        return commit(stage(tar, id), id, parentId);
    }

    /**
     * A layer's diff holds only its own files and whiteouts, whatever its parent holds, so it can be
     * unpacked before the parent is known.
     */
    @Override
    public StagedLayer stageLayer(InputStream tar) throws IOException {
        return stage(tar, "staged");
    }

    @Override
    public long commitStagedLayer(StagedLayer staged, String id, String parentId) throws IOException {
        Staged s = (Staged) staged;
        try {
            DriverDirs.checkId(id);
            if (Files.isDirectory(layers.resolve(id))) {
                FsTrees.deleteTree(s.dir());
                return Long.parseLong(Files.readString(layers.resolve(id).resolve("size")).trim());
            }
            checkParent(id, parentId);
        } catch (IOException | RuntimeException e) {
            FsTrees.deleteTree(s.dir());
            throw e;
        }
        return commit(s, id, parentId);
    }

    @Override
    public void discardStagedLayer(StagedLayer staged) throws IOException {
        FsTrees.deleteTree(((Staged) staged).dir());
    }

    /** A layer unpacked into {@code dir}, a {@code .tmp-} directory of {@link #layers}. */
    private record Staged(Path dir, long size) implements StagedLayer {}

    private void checkParent(String id, String parentId) throws IOException {
        if (parentId != null && !layerExists(DriverDirs.checkId(parentId))) {
            throw new IOException("overlay: parent layer " + parentId + " of " + id + " does not exist");
        }
    }

    /** Unpacks {@code tar} into a new temporary layer directory (its diff and tar-split), named after {@code name}. */
    private Staged stage(InputStream tar, String name) throws IOException {
        Path tmp = DriverDirs.tempFor(layers, name);
        try {
            Files.createDirectory(tmp);
            Path diff = Files.createDirectory(tmp.resolve("diff"));
            Libc.chmod(diff, 0755);
            long size = LayerTarReader.extract(tar, diff, WhiteoutFormat.OVERLAY, tmp.resolve(TAR_SPLIT));
            Files.writeString(tmp.resolve("size"), Long.toString(size));
            return new Staged(tmp, size);
        } catch (IOException | RuntimeException e) {
            FsTrees.deleteTree(tmp);
            throw e;
        }
    }

    /** Gives a staged layer its parent and short link and renames it into place as layer {@code id}. */
    private long commit(Staged staged, String id, String parentId) throws IOException {
        Path tmp = staged.dir();
        Path link = null;
        try {
            Files.writeString(tmp.resolve("parent"), parentId == null ? "" : parentId);
            link = newShortLink(Path.of("..", "layers", id, "diff"));
            Files.writeString(tmp.resolve("link"), link.getFileName().toString());
            Files.move(tmp, layers.resolve(id), StandardCopyOption.ATOMIC_MOVE);
            return staged.size();
        } catch (IOException | RuntimeException e) {
            FsTrees.deleteTree(tmp);
            if (link != null) {
                Files.deleteIfExists(link);
            }
            throw e;
        }
    }

    @Override
    public void exportLayer(String id, OutputStream tar) throws IOException {
        Path dir = layers.resolve(DriverDirs.checkId(id));
        if (!Files.isDirectory(dir)) {
            throw new java.nio.file.NoSuchFileException("overlay: no layer " + id);
        }
        TarSplit.reassemble(dir.resolve(TAR_SPLIT), dir.resolve("diff"), tar);
    }

    /** Creates l/<random> pointing at {@code target} (relative to l/), retrying on the rare collision. */
    private Path newShortLink(Path target) throws IOException {
        while (true) {
            Path link = links.resolve(DriverDirs.randomName(SHORT));
            try {
                return Files.createSymbolicLink(link, target);
            } catch (java.nio.file.FileAlreadyExistsException taken) {
                // try another name
            }
        }
    }

    @Override
    public boolean layerExists(String id) {
        return Files.isDirectory(layers.resolve(DriverDirs.checkId(id)), LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public void removeLayer(String id) throws IOException {
        Path dir = layers.resolve(DriverDirs.checkId(id));
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        String link = readLink(dir);
        DriverDirs.removeAtomically(dir);
        if (link != null) {
            Files.deleteIfExists(links.resolve(link));
        }
    }

    private static String readLink(Path dir) throws IOException {
        Path f = dir.resolve("link");
        return Files.exists(f) ? Files.readString(f).trim() : null;
    }

    @Override
    public void createContainerLayers(String containerId, List<String> imageLayers, List<InitEntry> initLayer)
            throws IOException {
        Path dir = containers.resolve(DriverDirs.checkId(containerId));
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<String> lower = new ArrayList<>();
        for (int i = imageLayers.size() - 1; i >= 0; i--) {
            String id = imageLayers.get(i);
            if (!layerExists(id)) {
                throw new IOException("overlay: image layer " + id + " of container " + containerId + " does not exist");
            }
            lower.add(readLink(layers.resolve(id)));
        }
        Path tmp = DriverDirs.tempFor(containers, containerId);
        Path link = null;
        try {
            Files.createDirectory(tmp);
            for (String d : List.of("init", "diff", "work")) {
                Libc.chmod(Files.createDirectory(tmp.resolve(d)), 0755);
            }
            InitLayers.write(tmp.resolve("init"), initLayer);
            link = newShortLink(Path.of("..", "containers", containerId, "init"));
            lower.add(0, link.getFileName().toString());
            Files.writeString(tmp.resolve("link"), link.getFileName().toString());
            Files.writeString(tmp.resolve("lower"), String.join(":", lower));
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            FsTrees.deleteTree(tmp);
            if (link != null) {
                Files.deleteIfExists(link);
            }
            throw e;
        }
    }

    @Override
    public RootfsMount rootfs(String containerId) throws IOException {
        Path dir = existingContainer(containerId);
        String[] lower = Files.readString(dir.resolve("lower")).trim().split(":");
        StringBuilder o = new StringBuilder("lowerdir=");
        for (int i = 0; i < lower.length; i++) {
            o.append(i == 0 ? "" : ":").append(links.resolve(lower[i]));
        }
        o.append(",upperdir=").append(dir.resolve("diff")).append(",workdir=").append(dir.resolve("work"));
        if (o.length() > PAGE_LIMIT) {
            throw new IOException("overlay: container " + containerId + " has " + (lower.length - 1)
                    + " image layers; their mount options take " + o.length() + " bytes, over the kernel's "
                    + PAGE_LIMIT + "-byte limit (at most about " + maxLayers() + " layers with the data root "
                    + home + "; a shorter data root allows more)");
        }
        return new RootfsMount("overlay", "overlay", o.toString());
    }

    @Override
    public void removeContainerLayers(String containerId) throws IOException {
        Path dir = containers.resolve(DriverDirs.checkId(containerId));
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        String link = readLink(dir);
        DriverDirs.removeAtomically(dir);
        if (link != null) {
            Files.deleteIfExists(links.resolve(link));
        }
    }

    @Override
    public List<Change> containerChanges(String containerId) throws IOException {
        return changeSet(containerId).changes();
    }

    @Override
    public void exportContainerChanges(String containerId, OutputStream tar) throws IOException {
        FsChanges.writeLayer(changeSet(containerId), tar);
    }

    /** The upper dir over the init layer and the image layers (lower in the overlay sense). */
    private FsChanges.ChangeSet changeSet(String containerId) throws IOException {
        Path dir = existingContainer(containerId);
        List<Path> lowers = new ArrayList<>();
        for (String shortName : Files.readString(dir.resolve("lower")).trim().split(":")) {
            lowers.add(links.resolve(shortName).toRealPath());
        }
        return FsChanges.overlay(dir.resolve("diff"), lowers);
    }

    /**
     * Mounts the container's layers read-only (its upper dir as the top lower dir) at a temp mount point
     * in the driver's home and writes the tree; a crash leaves a {@code .tmp-export} dir that init unmounts.
     */
    @Override
    public void exportContainerRootfs(String containerId, OutputStream tar) throws IOException {
        Path dir = existingContainer(containerId);
        StringBuilder lowerdir = new StringBuilder("lowerdir=").append(dir.resolve("diff"));
        for (String shortName : Files.readString(dir.resolve("lower")).trim().split(":")) {
            lowerdir.append(':').append(links.resolve(shortName));
        }
        Path mnt = Files.createDirectory(DriverDirs.tempFor(home, "export"));
        try {
            Libc.mount("overlay", mnt, "overlay", Libc.MS_RDONLY, lowerdir.toString());
            try {
                TreeTar.writeTree(mnt, tar);
            } finally {
                Libc.umount2(mnt, Libc.MNT_DETACH);
            }
        } finally {
            Files.deleteIfExists(mnt);
        }
    }

    /** The container's directory; a NoSuchFileException when the driver holds no layers for it. */
    private Path existingContainer(String containerId) throws IOException {
        Path dir = containers.resolve(DriverDirs.checkId(containerId));
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new java.nio.file.NoSuchFileException("overlay: no layers for container " + containerId);
        }
        return dir;
    }

    @Override
    public long containerLayerSize(String containerId) throws IOException {
        Path dir = existingContainer(containerId);
        return FsTrees.regularFileBytes(dir.resolve("diff"));
    }

    @Override
    public Set<String> layers() throws IOException {
        return DriverDirs.complete(layers);
    }

    @Override
    public Set<String> containers() throws IOException {
        return DriverDirs.complete(containers);
    }
}
