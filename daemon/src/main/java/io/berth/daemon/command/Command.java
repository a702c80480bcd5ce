package io.berth.daemon.command;

import io.berth.daemon.events.Event;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.plugin.isolation.StartedProcess;
import java.util.List;

/**
 * What callers ask of the engine. A command is decided by {@link Decider} against the current state:
 * it becomes events, or it is refused with an {@link io.berth.daemon.api.ApiException}. Commands named
 * {@code Record...} carry the outcome of a side effect that a reactor performed.
 */
public sealed interface Command {

    /** @param networks the networks it joins (its network mode's, then the create body's EndpointsConfig) */
    record CreateContainer(String id, String name, String image, String imageId, ObjectNode config,
                           ObjectNode hostConfig, String storageDriver, List<NetworkJoin> networks) implements Command {
        public CreateContainer(String id, String name, String image, String imageId, ObjectNode config,
                               ObjectNode hostConfig, String storageDriver) {
            this(id, name, image, imageId, config, hostConfig, storageDriver, List.of());
        }
    }

    /** A network to join: by id or name, with the aliases, address ({@code --ip}, or empty) and links asked for. */
    record NetworkJoin(String network, List<String> aliases, String ipv4Address, List<String> links) {}

    record StartContainer(String id) implements Command {}

    record RecordStart(String id, StartedProcess process) implements Command {}

    record RecordStartFailure(String id, int exitCode, String error) implements Command {}

    /** Send {@code signal}; a stop also has {@code timeoutSeconds >= 0} after which SIGKILL follows. */
    record KillContainer(String id, int signal, int timeoutSeconds, boolean stop) implements Command {}

    /** The runtime measured the container's read-write layer (ignored for a container that is gone). */
    record RecordContainerSize(String id, long sizeRw) implements Command {}

    /** The process identified by {@code pid} exited (ignored when the container no longer runs that pid). */
    record RecordExit(String id, int pid, int exitCode, boolean oomKilled, long finishedAtNanos, String reason)
            implements Command {}

    record RemoveContainer(String id, boolean force) implements Command {}

    record RecordRemoved(String id) implements Command {}

    /**
     * Register an image whose layers are in the storage driver and whose config is in the image store.
     *
     * @param config    the image's config document, exactly the bytes whose sha256 is {@code imageId}
     * @param newLayers layers applied for this image (recorded unless already known)
     * @param tags      normalised references to point at it (none for an untagged image)
     * @param parent    the image it was made from by a build step or commit ("" for none)
     * @param buildKey  the build cache key of the step that made it ("" when not built)
     * @param origin    what made it: {@link Event.ImageCreated#IMPORT}, {@code LOAD}, {@code PULL}, {@code COMMIT}
     *                  or {@code BUILD}
     */
    record RegisterImage(String imageId, String config, List<NewLayer> newLayers, List<String> layers, long size,
                         long createdNanos, String comment, List<String> tags, String parent, String buildKey,
                         String origin)
            implements Command {

        /** An image with no parent: imported, loaded or pulled. */
        public RegisterImage(String imageId, String config, List<NewLayer> newLayers, List<String> layers, long size,
                             long createdNanos, String comment, List<String> tags, String origin) {
            this(imageId, config, newLayers, layers, size, createdNanos, comment, tags, "", "", origin);
        }

        /** The same registration as the result of a build step with cache key {@code key}. */
        public RegisterImage withBuildKey(String key) {
            return new RegisterImage(imageId, config, newLayers, layers, size, createdNanos, comment, tags, parent, key,
                    Event.ImageCreated.BUILD);
        }
    }

    record NewLayer(String chainId, String diffId, String parentChainId, long size) {}

    record TagImage(String imageId, String reference) implements Command {}

    /** docker rmi: untag {@code reference}, and delete the image when nothing names or uses it. */
    record RemoveImage(String nameOrId, boolean force, boolean noPrune) implements Command {}

    /**
     * docker image prune: delete the {@code candidates} (ids the caller's filters chose) that no
     * container uses, untagging them first; the result is Docker's ImagesDeleted report.
     */
    record PruneImages(List<String> candidates) implements Command {}

    record RecordLayerRemoved(String chainId) implements Command {}

    /** A pull or push learnt where image {@code id} is in a registry (ignored for an image that is gone). */
    record RecordImageDigest(String id, String repoDigest) implements Command {}

    /** A pull or push learnt the compressed blob of a layer. */
    record RecordLayerBlob(String diffId, String digest, long size, String mediaType) implements Command {}

    /** A state-changing call that was refused before it reached a decision (bad JSON, bad parameters). */
    // ---- networks ---------------------------------------------------------------------------------

    /**
     * docker network create. An empty {@code subnet} takes the first subnet of {@code pool} that overlaps
     * neither another network nor {@code hostRoutes} (the host's routes, CIDRs); an empty gateway is the
     * subnet's first address.
     */
    record CreateNetwork(String id, String name, String driver, String subnet, String gateway, String ipRange,
                         boolean internal, boolean attachable, java.util.Map<String, String> labels,
                         java.util.Map<String, String> options, List<String> hostRoutes, AddressPool pool)
            implements Command {}

    /** Where networks created without a subnet get theirs: /{@code size} subnets of {@code base}. */
    record AddressPool(String base, int size) {}

    /**
     * At boot: the predefined network {@code name} exists with these settings. A predefined network whose
     * settings changed (--bip) is replaced, unless containers run on it.
     */
    record EnsurePredefinedNetwork(String id, String name, String driver, String subnet, String gateway,
                                   java.util.Map<String, String> options) implements Command {}

    record RemoveNetwork(String idOrName) implements Command {}

    /** Remove these networks, each unless something uses it by now. The value is the removed names. */
    record PruneNetworks(List<String> candidates) implements Command {}

    record ConnectContainer(String containerId, NetworkJoin join) implements Command {}

    record DisconnectContainer(String containerId, String network, boolean force) implements Command {}

    /**
     * The runtime is about to wire a running or starting container: allocate an address, MAC, interface
     * and published ports for each of its networks that has none yet. Refused (with Docker's message)
     * when an address or port cannot be had.
     */
    record AllocateEndpoints(String containerId) implements Command {}

    /** The runtime tore the container's endpoint on the network down. */
    record RecordEndpointReleased(String containerId, String networkId) implements Command {}

    record RecordRejection(String method, String path, int status, String message) implements Command {}

    /** Retention trimmed the event log (see {@link io.berth.daemon.events.Event.HistoryTrimmed}). */
    record RecordHistoryTrimmed(long firstPosition, long boundaryPosition, long retainedFromNanos, long bytesOnDisk)
            implements Command {}

    /** Record the repair of a damaged log tail found at open (see {@link io.berth.daemon.events.Event.EventLogRepaired}). */
    record RecordLogRepaired(String file, String savedCopy, long lastGoodPosition, String problem, long bytesSetAside,
                             long documentsSetAside) implements Command {}
}
