package io.berth.plugin.storage;

import io.berth.plugin.DriverContext;
import io.berth.plugin.DriverStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Set;
import org.pf4j.ExtensionPoint;

/**
 * Keeps read-only image layers and each container's init and read-write layers, and says how to join
 * them into a root filesystem.
 *
 * <p>Layers form chains: a layer is applied on top of its parent. Ids are opaque to the driver
 * (the daemon uses the layer's chain id without the {@code sha256:} prefix); they contain only
 * {@code [a-zA-Z0-9_.-]}.
 *
 * <p>Crash safety: every method either completes or leaves nothing that {@link #layers()} or
 * {@link #containers()} reports; partial work lives under temporary names that {@link #init} removes.
 * Every method is idempotent, so the daemon can repeat an operation whose outcome it did not record.
 *
 * <p>Threads: methods block (file and kernel work); the daemon calls them from worker threads. One
 * layer or container id is never operated on by two threads at once.
 */
public interface StorageDriver extends ExtensionPoint {

    /** The name users select with {@code --storage-driver}. */
    String name();

    /** Prepares the driver's directories and removes leftovers of interrupted work. Called once. */
    void init(DriverContext context) throws IOException;

    /** Whether this host can run the driver, and details for {@code docker info}. */
    DriverStatus status();

    /**
     * Creates read-only layer {@code id} on top of {@code parentId} (null for a base layer) from an
     * uncompressed layer tar in Docker's format: whiteouts are {@code .wh.<name>} files and opaque
     * directories are marked by {@code .wh..wh..opq}. The driver stores them in its own form.
     *
     * <p>The tar is hostile until checked: entries that would land outside the layer ({@code ..},
     * absolute paths, links pointing out, writes through symlinks), device nodes other than the
     * overlay whiteout form, and duplicate entries are rejected with {@link LayerFormatException}
     * and nothing is kept. Returns the layer's size in bytes (file contents). If the layer already
     * exists, the stream is not read and its recorded size is returned.
     */
    long applyLayer(String id, String parentId, InputStream tar) throws IOException;

    /**
     * Unpacks a layer tar, checked as {@link #applyLayer} checks it, before the layer's id and parent are
     * known: {@code docker load} reads an archive's layers as they arrive, before the manifest that names
     * them. Reads the tar at least through its end blocks (a driver that keeps the tar's layout reads its
     * trailing padding too). Returns null without
     * reading anything when the driver cannot do this because a layer's content depends on its parent's
     * (the default); the caller then keeps the tar for {@link #applyLayer}.
     */
    default StagedLayer stageLayer(InputStream tar) throws IOException {
        return null;
    }

    /**
     * Makes {@code staged} (from this driver's {@link #stageLayer}, not yet committed or discarded) layer
     * {@code id} on top of {@code parentId} (null for a base layer; it must exist), with the same result
     * as {@link #applyLayer} with the same tar, and returns the layer's size. If layer {@code id} exists
     * already, the staged layer is discarded and the existing layer's size returned. Either way
     * {@code staged} is used up.
     */
    default long commitStagedLayer(StagedLayer staged, String id, String parentId) throws IOException {
        throw new UnsupportedOperationException(name() + " stages no layers");
    }

    /** Drops a staged layer that was not committed; discarding one twice is not an error. */
    default void discardStagedLayer(StagedLayer staged) throws IOException {
    }

    /**
     * Writes layer {@code id} as the tar it was applied from, byte for byte (so its sha256 is still the
     * layer's diff id): what {@code docker save} and {@code docker push} send. Fails with an
     * {@link IOException} when the layer cannot be reproduced exactly (a layer stored by a berth that did
     * not keep the tar's layout, or files changed under the driver).
     */
    void exportLayer(String id, OutputStream tar) throws IOException;

    /** True when layer {@code id} exists completely. */
    boolean layerExists(String id);

    /** Removes layer {@code id}. Removing a missing layer is not an error. */
    void removeLayer(String id) throws IOException;

    /**
     * Creates container {@code containerId}'s init layer (holding exactly {@code initLayer}: the
     * mount points and placeholder files the runtime bind-mounts over) and its empty read-write layer,
     * on top of {@code imageLayers}, listed bottom first. All image layers must exist.
     */
    void createContainerLayers(String containerId, List<String> imageLayers, List<InitEntry> initLayer)
            throws IOException;

    /** How to mount this container's root filesystem (the runtime mounts it inside the container's mount namespace). */
    RootfsMount rootfs(String containerId) throws IOException;

    /** Removes the container's init and read-write layers. Removing a missing one is not an error. */
    void removeContainerLayers(String containerId) throws IOException;

    /**
     * What the container changed on top of its image ({@code docker diff}), sorted by path. The init
     * layer's entries are not changes.
     */
    List<Change> containerChanges(String containerId) throws IOException;

    /**
     * Writes the container's changes as an uncompressed layer tar in Docker's format (deletions as
     * {@code .wh.} files): the new layer of {@code docker commit}. Never holds the init layer's entries
     * (hosts, hostname, resolv.conf and the mount points). May be called while the container runs.
     */
    void exportContainerChanges(String containerId, OutputStream tar) throws IOException;

    /** Writes the container's whole root filesystem as it sees it, as a tar ({@code docker export}). */
    void exportContainerRootfs(String containerId, OutputStream tar) throws IOException;

    /** Bytes used by the container's read-write layer. */
    long containerLayerSize(String containerId) throws IOException;

    /** Every complete layer the driver holds (for reconciling with the event log at boot). */
    Set<String> layers() throws IOException;

    /** Every container whose layers the driver holds. */
    Set<String> containers() throws IOException;
}
