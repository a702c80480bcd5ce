package io.berth.storage.vfs;

import io.berth.plugin.DriverContext;
import io.berth.plugin.DriverStatus;
import io.berth.plugin.storage.InitEntry;
import io.berth.plugin.storage.RootfsMount;
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
 * A full copy per layer: works on any filesystem, costs disk and time. On disk, under the driver's home:
 * <pre>
 * layers/&lt;id&gt;/root        the parent's tree plus this layer's changes, deletions applied
 * layers/&lt;id&gt;/size        the layer's own bytes (from its tar)
 * layers/&lt;id&gt;/tar-split.gz the rest of the tar it came from, to write it again byte for byte
 * containers/&lt;cid&gt;/init   the init entries alone (for the size of the read-write part)
 * containers/&lt;cid&gt;/rootfs a copy of the top layer with the init entries over it: bind-mounted
 * containers/&lt;cid&gt;/top    the top layer's id (empty without image layers)
 * </pre>
 * Built under {@code .tmp-} names and renamed into place; {@link #init} deletes {@code .tmp-} leftovers.
 */
@Extension
public class VfsDriver implements StorageDriver {

    /** Per layer: the layout of the tar it came from (see {@link TarSplit}). */
    static final String TAR_SPLIT = "tar-split.gz";

    private Path home;
    private Path layers;
    private Path containers;

    @Override
    public String name() {
        return "vfs";
    }

    @Override
    public void init(DriverContext context) throws IOException {
        home = context.home().toAbsolutePath().normalize();
        layers = home.resolve("layers");
        containers = home.resolve("containers");
        Files.createDirectories(layers);
        Files.createDirectories(containers);
        DriverDirs.sweep(layers);
        DriverDirs.sweep(containers);
    }

    @Override
    public DriverStatus status() {
        String backing = "unknown";
        try {
            if (home != null) {
                backing = Files.getFileStore(home).type();
            }
        } catch (IOException ignored) {
            // only a detail
        }
        return DriverStatus.usable(name(), List.of(new DriverStatus.Detail("Backing Filesystem", backing)));
    }

    @Override
    public long applyLayer(String id, String parentId, InputStream tar) throws IOException {
        DriverDirs.checkId(id);
        Path dir = layers.resolve(id);
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return Long.parseLong(Files.readString(dir.resolve("size")).trim());
        }
        if (parentId != null && !layerExists(DriverDirs.checkId(parentId))) {
            throw new IOException("vfs: parent layer " + parentId + " of " + id + " does not exist");
        }
        Path tmp = DriverDirs.tempFor(layers, id);
        try {
            Files.createDirectory(tmp);
            Path root = tmp.resolve("root");
            if (parentId != null) {
                FsTrees.copyTree(layers.resolve(parentId).resolve("root"), root, false);
            } else {
                Libc.chmod(Files.createDirectory(root), 0755);
            }
            long size = LayerTarReader.extract(tar, root, WhiteoutFormat.APPLY, tmp.resolve(TAR_SPLIT));
            Files.writeString(tmp.resolve("size"), Long.toString(size));
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            return size;
        } catch (IOException | RuntimeException e) {
            FsTrees.deleteTree(tmp);
            throw e;
        }
    }

    @Override
    public void exportLayer(String id, OutputStream tar) throws IOException {
        Path dir = layers.resolve(DriverDirs.checkId(id));
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new java.nio.file.NoSuchFileException("vfs: no layer " + id);
        }
        // the files this layer wrote are at their paths in its full copy (a layer never writes a path twice)
        TarSplit.reassemble(dir.resolve(TAR_SPLIT), dir.resolve("root"), tar);
    }

    @Override
    public boolean layerExists(String id) {
        return Files.isDirectory(layers.resolve(DriverDirs.checkId(id)), LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public void removeLayer(String id) throws IOException {
        DriverDirs.removeAtomically(layers.resolve(DriverDirs.checkId(id)));
    }

    @Override
    public void createContainerLayers(String containerId, List<String> imageLayers, List<InitEntry> initLayer)
            throws IOException {
        Path dir = containers.resolve(DriverDirs.checkId(containerId));
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        for (String id : imageLayers) {
            if (!layerExists(id)) {
                throw new IOException("vfs: image layer " + id + " of container " + containerId + " does not exist");
            }
        }
        String top = imageLayers.isEmpty() ? "" : imageLayers.get(imageLayers.size() - 1);
        Path tmp = DriverDirs.tempFor(containers, containerId);
        try {
            Files.createDirectory(tmp);
            Path init = Files.createDirectory(tmp.resolve("init"));
            InitLayers.write(init, initLayer);
            Path rootfs = tmp.resolve("rootfs");
            if (top.isEmpty()) {
                Libc.chmod(Files.createDirectory(rootfs), 0755);
            } else {
                FsTrees.copyTree(layers.resolve(top).resolve("root"), rootfs, false);
            }
            for (Path child : FsTrees.children(init)) {
                FsTrees.copyTree(child, rootfs.resolve(child.getFileName().toString()), true);
            }
            Files.writeString(tmp.resolve("top"), top);
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            FsTrees.deleteTree(tmp);
            throw e;
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

    /**
     * The naive diff of the container's copy against its top image layer. The init layer's files are
     * skipped, and so are its directories the image lacks (mount points such as /proc and /dev).
     */
    private FsChanges.ChangeSet changeSet(String containerId) throws IOException {
        Path dir = existingContainer(containerId);
        String top = Files.readString(dir.resolve("top")).trim();
        Path base = top.isEmpty() ? null : layers.resolve(top).resolve("root");
        Path init = dir.resolve("init");
        java.util.Set<String> ignored = new java.util.HashSet<>();
        try (java.util.stream.Stream<Path> walk = Files.walk(init)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String rel = init.relativize(p).toString();
                if (rel.isEmpty()) {
                    continue;
                }
                boolean isDir = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
                if (!isDir || base == null || !Files.isDirectory(base.resolve(rel), LinkOption.NOFOLLOW_LINKS)) {
                    ignored.add(rel);
                }
            }
        }
        return FsChanges.compare(dir.resolve("rootfs"), base, ignored);
    }

    @Override
    public void exportContainerRootfs(String containerId, OutputStream tar) throws IOException {
        TreeTar.writeTree(existingContainer(containerId).resolve("rootfs"), tar);
    }

    @Override
    public RootfsMount rootfs(String containerId) throws IOException {
        Path dir = existingContainer(containerId);
        return RootfsMount.bind(dir.resolve("rootfs").toString());
    }

    private Path existingContainer(String containerId) throws IOException {
        Path dir = containers.resolve(DriverDirs.checkId(containerId));
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("vfs: no layers for container " + containerId);
        }
        return dir;
    }

    @Override
    public void removeContainerLayers(String containerId) throws IOException {
        DriverDirs.removeAtomically(containers.resolve(DriverDirs.checkId(containerId)));
    }

    /** The naive diff: bytes of regular files that differ from the init entries and the top layer. */
    @Override
    public long containerLayerSize(String containerId) throws IOException {
        Path dir = existingContainer(containerId);
        List<Path> bases = new ArrayList<>();
        bases.add(dir.resolve("init"));
        String top = Files.readString(dir.resolve("top")).trim();
        if (!top.isEmpty() && layerExists(top)) {
            bases.add(layers.resolve(top).resolve("root"));
        }
        return FsTrees.changedBytes(dir.resolve("rootfs"), bases);
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
