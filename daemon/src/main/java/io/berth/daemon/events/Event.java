package io.berth.daemon.events;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * berth's event catalogue: every fact the engine records, in the past tense. Each record is written to
 * the log as a JSON document (field names as here) under its simple class name, with its revision
 * ({@link EventCodec#revision}: 1 unless a change of fields raised it). docs/SCHEMA.md lists them with their
 * meaning; a change to a record's fields needs a new revision and an upcaster in {@link Upcasters}, tested
 * against frozen payloads of the old revision.
 */
public sealed interface Event {

    /** "container", "image", "layer", "network", "api" or "history". */
    String aggregateKind();

    String aggregateId();

    // ---- containers -------------------------------------------------------------------------------

    /** A container was created: its layers and files exist; {@code config}/{@code hostConfig} are Docker's create body, normalised. */
    record ContainerCreated(String id, String name, String image, String imageId, ObjectNode config,
                            ObjectNode hostConfig, long createdNanos, String storageDriver) implements Event {
        public String aggregateKind() { return "container"; }
        public String aggregateId() { return id; }
    }

    /** Intent: start the container (the runtime reacts, then reports {@link ContainerStarted} or {@link ContainerStartFailed}). */
    record ContainerStartRequested(String id) implements Event {
        public String aggregateKind() { return "container"; }
        public String aggregateId() { return id; }
    }

    /** The container's process runs; pid and start time identify it across daemon restarts. */
    record ContainerStarted(String id, int pid, long pidStartTime, int monitorPid, long monitorStartTime,
                            long startedAtNanos) implements Event {
        public String aggregateKind() { return "container"; }
        public String aggregateId() { return id; }
    }

    /** The start failed; nothing of the process is left. {@code exitCode} is what Docker records (127, 126, 128). */
    record ContainerStartFailed(String id, int exitCode, String error, long finishedAtNanos) implements Event {
        public String aggregateKind() { return "container"; }
        public String aggregateId() { return id; }
    }

    /** Intent: send {@code signal}; with {@code timeoutSeconds >= 0}, SIGKILL after that many seconds (a stop). */
    record ContainerKillRequested(String id, int signal, int timeoutSeconds) implements Event {
        public String aggregateKind() { return "container"; }
        public String aggregateId() { return id; }
    }

    /** The container's read-write layer held {@code sizeRw} bytes when measured (after it exited, or a commit). */
    record ContainerSizeMeasured(String id, long sizeRw) implements Event {
        public String aggregateKind() { return "container"; }
        public String aggregateId() { return id; }
    }

    /** The container's process ended. {@code reason} is empty, or says why the daemon learnt it late. */
    record ContainerExited(String id, int exitCode, boolean oomKilled, long finishedAtNanos, String reason)
            implements Event {
        public String aggregateKind() { return "container"; }
        public String aggregateId() { return id; }
    }

    /** Intent: remove the container (the runtime removes its layers and files, then reports {@link ContainerRemoved}). */
    record ContainerRemoveRequested(String id) implements Event {
        public String aggregateKind() { return "container"; }
        public String aggregateId() { return id; }
    }

    /** The container and everything it held on the host are gone. */
    record ContainerRemoved(String id) implements Event {
        public String aggregateKind() { return "container"; }
        public String aggregateId() { return id; }
    }

    // ---- images and layers ------------------------------------------------------------------------

    /** A read-only layer exists in the storage driver. {@code chainId} is its id there (sha256:...). */
    record LayerCreated(String chainId, String diffId, String parentChainId, long size) implements Event {
        public String aggregateKind() { return "layer"; }
        public String aggregateId() { return chainId; }
    }

    /** A layer was removed from the storage driver. */
    record LayerRemoved(String chainId) implements Event {
        public String aggregateKind() { return "layer"; }
        public String aggregateId() { return chainId; }
    }

    /**
     * An image exists: its layers (bottom first, as chain ids) are in the storage driver. {@code config}
     * is its config document, the text whose sha256 is {@code id} (also kept as a blob in the image store,
     * for export), so a replay of the log alone knows everything an inspect shows. {@code parent} is the
     * image a build step or commit made it from and {@code buildKey} the build cache's key for that step
     * (both null in events written before builds existed, and for images that have none). {@code origin}
     * says what made it (revision 2; revision 1 events are lifted by {@link Upcasters}): one of the
     * constants below, or {@link #UNKNOWN} for an image that revision 1 recorded without a parent.
     */
    record ImageCreated(String id, List<String> layers, long size, long createdNanos, String comment,
                        String config, String parent, String buildKey, String origin)
            implements Event {
        public static final String IMPORT = "import";
        public static final String LOAD = "load";
        public static final String PULL = "pull";
        public static final String COMMIT = "commit";
        public static final String BUILD = "build";
        /** Imported, loaded or pulled: a revision 1 event does not say which. */
        public static final String UNKNOWN = "";

        public String aggregateKind() { return "image"; }
        public String aggregateId() { return id; }
    }

    /**
     * Image {@code id} is in a registry under {@code repoDigest} ("localhost:5000/app@sha256:..."): what
     * docker images --digests and RepoDigests show, learnt by a pull or a push.
     */
    record ImageDigestRecorded(String id, String repoDigest) implements Event {
        public String aggregateKind() { return "image"; }
        public String aggregateId() { return id; }
    }

    /** {@code repoDigest} no longer names image {@code id} (docker rmi repo@sha256:...). */
    record ImageDigestRemoved(String id, String repoDigest) implements Event {
        public String aggregateKind() { return "image"; }
        public String aggregateId() { return id; }
    }

    /**
     * The layer with {@code diffId} travels to and from registries as the compressed blob {@code digest}
     * ({@code size} bytes, {@code mediaType}): a push checks the registry for it before compressing again.
     */
    record LayerBlobRecorded(String diffId, String digest, long size, String mediaType) implements Event {
        public String aggregateKind() { return "layer"; }
        public String aggregateId() { return diffId; }
    }

    /** {@code reference} ("busybox:latest") now names image {@code id}. */
    record ImageTagged(String id, String reference) implements Event {
        public String aggregateKind() { return "image"; }
        public String aggregateId() { return id; }
    }

    /** {@code reference} no longer names image {@code id}. */
    record ImageUntagged(String id, String reference) implements Event {
        public String aggregateKind() { return "image"; }
        public String aggregateId() { return id; }
    }

    /** Image {@code id} was deleted; its config blob is gone. */
    record ImageDeleted(String id) implements Event {
        public String aggregateKind() { return "image"; }
        public String aggregateId() { return id; }
    }

    // ---- networks ---------------------------------------------------------------------------------

    /**
     * A network exists: {@code docker network create}, or one of the daemon's predefined networks
     * (bridge, host, none). IPv4 only; {@code subnet}, {@code gateway} and {@code ipRange} are empty for
     * drivers without addresses (host, null). {@code options} are the driver's ({@code -o k=v}).
     */
    record NetworkCreated(String id, String name, String driver, String subnet, String gateway, String ipRange,
                          boolean internal, boolean attachable, java.util.Map<String, String> labels,
                          java.util.Map<String, String> options, long createdNanos) implements Event {
        public String aggregateKind() { return "network"; }
        public String aggregateId() { return id; }
    }

    /** The network and everything its driver made on the host are gone. */
    record NetworkRemoved(String id) implements Event {
        public String aggregateKind() { return "network"; }
        public String aggregateId() { return id; }
    }

    /**
     * Container {@code containerId} is on network {@code networkId} (from its create body or a
     * {@code network connect}): names it answers to there besides its own ({@code aliases}), the address
     * asked for ({@code ipv4Address}, empty for any) and its legacy links ("name:alias").
     */
    record ContainerConnected(String containerId, String networkId, List<String> aliases, String ipv4Address,
                              List<String> links) implements Event {
        public String aggregateKind() { return "network"; }
        public String aggregateId() { return networkId; }
    }

    /** Container {@code containerId} is no longer on network {@code networkId}. */
    record ContainerDisconnected(String containerId, String networkId) implements Event {
        public String aggregateKind() { return "network"; }
        public String aggregateId() { return networkId; }
    }

    /**
     * While the container runs it holds {@code address} and {@code macAddress} on the network, as
     * interface {@code interfaceName}, and the host ports published to it.
     * Allocated when it starts or is connected, released by {@link EndpointReleased} once torn down.
     */
    record EndpointAllocated(String containerId, String networkId, String interfaceName, String address,
                             String macAddress, boolean defaultRoute, List<PublishedPort> ports) implements Event {
        public String aggregateKind() { return "network"; }
        public String aggregateId() { return networkId; }
    }

    /** The container's endpoint on the network is torn down; its address and ports are free again. */
    record EndpointReleased(String containerId, String networkId) implements Event {
        public String aggregateKind() { return "network"; }
        public String aggregateId() { return networkId; }
    }

    // ---- the API ----------------------------------------------------------------------------------

    /** A state-changing API call was refused; recorded so that the log holds every call with its caller. */
    record CallRejected(String method, String path, int status, String message) implements Event {
        public String aggregateKind() { return "api"; }
        public String aggregateId() { return path; }
    }

    // ---- history ----------------------------------------------------------------------------------

    /**
     * Retention removed the log's oldest events: it now starts at {@code firstPosition}, and the history
     * answers for moments from {@code retainedFromNanos} on (the time of the snapshot at
     * {@code boundaryPosition}, from which the state is rebuilt). {@code bytesOnDisk}: the log's size after.
     */
    record HistoryTrimmed(long firstPosition, long boundaryPosition, long retainedFromNanos, long bytesOnDisk)
            implements Event {
        public String aggregateKind() { return "history"; }
        public String aggregateId() { return "events"; }
    }

    /**
     * At open the log's newest file was found damaged at its end (a torn write, a disk error, a file cut or
     * overwritten): everything up to {@code lastGoodPosition} was kept and the log goes on after it; the
     * damaged bytes are kept in {@code savedCopy} only. Snapshots past {@code lastGoodPosition} were dropped.
     */
    record EventLogRepaired(String file, String savedCopy, long lastGoodPosition, String problem, long bytesSetAside,
                            long documentsSetAside) implements Event {
        public String aggregateKind() { return "history"; }
        public String aggregateId() { return "events"; }
    }
}
