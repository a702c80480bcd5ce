package io.berth.daemon.state;

import io.berth.daemon.events.Event;
import io.berth.daemon.events.Event.*;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The projection of the event log that the API reads: containers, images, layers, and the indexes
 * that resolve names and references.
 *
 * <p>It changes only through {@link #apply}, called by one thread (the journal, or the replay at boot)
 * in log order. Readers on any thread see each entity as a consistent immutable record.
 */
public final class EngineState {

    private final Map<String, Container> containers = new ConcurrentHashMap<>();
    private final Map<String, String> containerNames = new ConcurrentHashMap<>();
    private final Map<String, Image> images = new ConcurrentHashMap<>();
    private final Map<String, String> references = new ConcurrentHashMap<>();
    private final Map<String, Layer> layers = new ConcurrentHashMap<>();
    /** Where each image is in registries ("repo@sha256:..."), by image id. */
    private final Map<String, Set<String>> repoDigests = new ConcurrentHashMap<>();
    /** The compressed registry blob of each layer, by diff id. */
    private final Map<String, LayerBlob> layerBlobs = new ConcurrentHashMap<>();
    /** The last measured size of each container's read-write layer (absent: never measured, about 0). */
    private final Map<String, Long> containerSizes = new ConcurrentHashMap<>();
    private final Map<String, Network> networks = new ConcurrentHashMap<>();
    private final Map<String, String> networkNames = new ConcurrentHashMap<>();
    /** Each container's networks, in the order it joined them. */
    private final Map<String, List<NetworkMembership>> memberships = new ConcurrentHashMap<>();
    /** Each running container's endpoints, in the order they were allocated. */
    private final Map<String, List<Endpoint>> endpoints = new ConcurrentHashMap<>();
    /** The host port last handed out for a port published without one (-P, -p 80). */
    private volatile int lastEphemeralPort;

    /** Applies one event. Events that do not fit the state (e.g. for a removed container) change nothing. */
    public void apply(Event event) {
        if (event instanceof ContainerCreated e) {
            containers.put(e.id(), new Container(e.id(), e.name(), e.image(), e.imageId(), e.config(),
                    e.hostConfig(), e.createdNanos(), e.storageDriver(), "created", 0, 0, 0, 0, 0, 0, 0,
                    false, "", 0, false, false));
            containerNames.put(e.name(), e.id());
        } else if (event instanceof ContainerStartRequested e) {
            update(e.id(), c -> c.withStartPending(true));
        } else if (event instanceof ContainerStarted e) {
            update(e.id(), c -> c.started(e.pid(), e.pidStartTime(), e.monitorPid(), e.monitorStartTime(),
                    e.startedAtNanos(), false));
        } else if (event instanceof ContainerStartFailed e) {
            update(e.id(), c -> c.startFailed(e.exitCode(), e.error(), e.finishedAtNanos()));
        } else if (event instanceof ContainerKillRequested e) {
            update(e.id(), c -> c.withStopping(true));
        } else if (event instanceof ContainerExited e) {
            update(e.id(), c -> c.exited(e.exitCode(), e.oomKilled(), e.finishedAtNanos(), c.error()));
        } else if (event instanceof ContainerRemoveRequested e) {
            update(e.id(), c -> c.withStatus("removing"));
        } else if (event instanceof ContainerSizeMeasured e) {
            containerSizes.put(e.id(), e.sizeRw());
        } else if (event instanceof ContainerRemoved e) {
            containerSizes.remove(e.id());
            memberships.remove(e.id());
            endpoints.remove(e.id());
            Container gone = containers.remove(e.id());
            if (gone != null) {
                containerNames.remove(gone.name(), gone.id());
            }
        } else if (event instanceof LayerCreated e) {
            layers.put(e.chainId(), new Layer(e.chainId(), e.diffId(), e.parentChainId(), e.size()));
        } else if (event instanceof LayerRemoved e) {
            layers.remove(e.chainId());
        } else if (event instanceof ImageCreated e) {
            images.put(e.id(), new Image(e.id(), List.copyOf(e.layers()), e.size(), e.createdNanos(), e.comment(),
                    Set.of(), Image.parseConfig(e.config()), e.parent() == null ? "" : e.parent(),
                    e.buildKey() == null ? "" : e.buildKey()));
        } else if (event instanceof ImageDigestRecorded e) {
            repoDigests.computeIfAbsent(e.id(), k -> ConcurrentHashMap.newKeySet()).add(e.repoDigest());
        } else if (event instanceof ImageDigestRemoved e) {
            repoDigests.computeIfPresent(e.id(), (k, set) -> {
                set.remove(e.repoDigest());
                return set.isEmpty() ? null : set;
            });
        } else if (event instanceof LayerBlobRecorded e) {
            layerBlobs.put(e.diffId(), new LayerBlob(e.digest(), e.size(), e.mediaType()));
        } else if (event instanceof ImageTagged e) {
            String previous = references.put(e.reference(), e.id());
            if (previous != null && !previous.equals(e.id())) {
                retag(previous, e.reference(), false);
            }
            retag(e.id(), e.reference(), true);
        } else if (event instanceof ImageUntagged e) {
            references.remove(e.reference(), e.id());
            retag(e.id(), e.reference(), false);
        } else if (event instanceof ImageDeleted e) {
            repoDigests.remove(e.id());
            Image gone = images.remove(e.id());
            if (gone != null) {
                gone.tags().forEach(t -> references.remove(t, e.id()));
            }
        } else if (event instanceof NetworkCreated e) {
            networks.put(e.id(), new Network(e.id(), e.name(), e.driver(), e.subnet(), e.gateway(), e.ipRange(),
                    e.internal(), e.attachable(), e.labels(), e.options(), e.createdNanos(), ""));
            networkNames.put(e.name(), e.id());
        } else if (event instanceof NetworkRemoved e) {
            Network gone = networks.remove(e.id());
            if (gone != null) {
                networkNames.remove(gone.name(), gone.id());
            }
        } else if (event instanceof ContainerConnected e) {
            memberships.merge(e.containerId(), List.of(new NetworkMembership(e.containerId(), e.networkId(),
                    e.aliases(), e.ipv4Address(), e.links())), EngineState::concat);
        } else if (event instanceof ContainerDisconnected e) {
            memberships.computeIfPresent(e.containerId(), (k, list) -> without(list, m -> m.networkId().equals(e.networkId())));
        } else if (event instanceof EndpointAllocated e) {
            endpoints.merge(e.containerId(), List.of(new Endpoint(e.containerId(), e.networkId(), e.interfaceName(),
                    e.address(), e.macAddress(), e.defaultRoute(), e.ports())), EngineState::concat);
            networks.computeIfPresent(e.networkId(), (k, n) -> n.withLastAllocated(e.address()));
            e.ports().stream().mapToInt(io.berth.daemon.events.PublishedPort::hostPort)
                    .filter(p -> p >= EPHEMERAL_LOW).max().ifPresent(p -> lastEphemeralPort = p);
        } else if (event instanceof EndpointReleased e) {
            endpoints.computeIfPresent(e.containerId(), (k, list) -> without(list, x -> x.networkId().equals(e.networkId())));
        }
        // CallRejected, HistoryTrimmed and EventLogRepaired change no state: they are there for the record
    }

    /** The lowest port {@code -P} hands out (Docker's default ephemeral range starts there too). */
    public static final int EPHEMERAL_LOW = 32768;

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    private static <T> List<T> without(List<T> list, java.util.function.Predicate<T> gone) {
        List<T> kept = list.stream().filter(gone.negate()).toList();
        return kept.isEmpty() ? null : kept;
    }

    private void update(String id, java.util.function.UnaryOperator<Container> change) {
        containers.computeIfPresent(id, (k, c) -> change.apply(c));
    }

    private void retag(String imageId, String reference, boolean add) {
        images.computeIfPresent(imageId, (k, image) -> {
            Set<String> tags = new HashSet<>(image.tags());
            if (add) {
                tags.add(reference);
            } else {
                tags.remove(reference);
            }
            return image.withTags(tags);
        });
    }

    // ---- reads ------------------------------------------------------------------------------------

    public Collection<Container> containers() {
        return containers.values();
    }

    public Optional<Container> container(String id) {
        return Optional.ofNullable(containers.get(id));
    }

    /**
     * Finds a container as Docker does: by full id, by name (with or without the leading slash), or by a
     * unique id prefix. An ambiguous prefix is an error.
     */
    public Optional<Container> findContainer(String idOrName) throws AmbiguousException {
        if (idOrName == null || idOrName.isEmpty()) {
            return Optional.empty();
        }
        Container byId = containers.get(idOrName);
        if (byId != null) {
            return Optional.of(byId);
        }
        String name = idOrName.startsWith("/") ? idOrName.substring(1) : idOrName;
        String named = containerNames.get(name);
        if (named != null && containers.containsKey(named)) {
            return Optional.of(containers.get(named));
        }
        List<Container> matches = new ArrayList<>();
        for (Container c : containers.values()) {
            if (c.id().startsWith(idOrName)) {
                matches.add(c);
            }
        }
        if (matches.size() > 1) {
            throw new AmbiguousException("multiple containers found with provided prefix: " + idOrName);
        }
        return matches.stream().findFirst();
    }

    public Optional<String> containerIdByName(String name) {
        return Optional.ofNullable(containerNames.get(name));
    }

    public Collection<Image> images() {
        return images.values();
    }

    public Optional<Image> image(String id) {
        return Optional.ofNullable(images.get(id));
    }

    /** The image a normalised reference ("busybox:latest") names. */
    public Optional<Image> imageByReference(String reference) {
        String id = references.get(reference);
        return id == null ? Optional.empty() : image(id);
    }

    /** Finds an image by reference, full id ("sha256:..."), or unique id prefix (with or without "sha256:"). */
    public Optional<Image> findImage(String refOrId) throws AmbiguousException {
        Optional<Image> byRef = imageByReference(ImageReference.normalize(refOrId));
        if (byRef.isPresent()) {
            return byRef;
        }
        if (refOrId.contains("@")) {
            // "repo@sha256:...": an image pulled or pushed under that digest
            String wanted = ImageReference.normalize(refOrId.replaceFirst(":[^:/@]*@", "@"));
            return repoDigests.entrySet().stream().filter(e -> e.getValue().contains(wanted))
                    .map(e -> images.get(e.getKey())).filter(java.util.Objects::nonNull).findFirst();
        }
        String hex = refOrId.startsWith("sha256:") ? refOrId.substring(7) : refOrId;
        if (hex.isEmpty() || !hex.matches("[0-9a-f]+")) {
            return Optional.empty();
        }
        List<Image> matches = new ArrayList<>();
        for (Image image : images.values()) {
            if (image.id().substring(7).startsWith(hex)) {
                matches.add(image);
            }
        }
        if (matches.size() > 1) {
            throw new AmbiguousException("multiple images found with provided prefix: " + refOrId);
        }
        return matches.stream().findFirst();
    }

    /** Image {@code id}'s registry digests, sorted; empty when it never travelled. */
    public java.util.List<String> repoDigests(String id) {
        return repoDigests.getOrDefault(id, Set.of()).stream().sorted().toList();
    }

    /** The compressed blob last seen for the layer with {@code diffId}. */
    public Optional<LayerBlob> layerBlob(String diffId) {
        return Optional.ofNullable(layerBlobs.get(diffId));
    }

    /** The last measured size of the container's read-write layer; 0 when never measured. */
    public long containerSizeRw(String id) {
        return containerSizes.getOrDefault(id, 0L);
    }

    public Optional<Layer> layer(String chainId) {
        return Optional.ofNullable(layers.get(chainId));
    }

    public Collection<Layer> layers() {
        return layers.values();
    }

    /** Containers created from image {@code imageId}. */
    public List<Container> containersUsing(String imageId) {
        return containers.values().stream().filter(c -> c.imageId().equals(imageId)).toList();
    }

    /** Images whose parent is {@code id}: the later steps of a build, or commits of its containers. */
    public List<Image> children(String id) {
        return images.values().stream().filter(i -> i.parent().equals(id)).toList();
    }

    /** The image a build step with {@code buildKey} made from {@code parent} before: the build cache. */
    public Optional<Image> buildCache(String parent, String buildKey) {
        return images.values().stream().filter(i -> i.parent().equals(parent) && i.buildKey().equals(buildKey))
                .min(java.util.Comparator.comparingLong(Image::createdNanos));
    }

    /** Layers that no image other than {@code exceptImageId} uses (walking each image's chain). */
    public List<String> layersOnlyUsedBy(String exceptImageId) {
        Set<String> used = new HashSet<>();
        for (Image image : images.values()) {
            if (!image.id().equals(exceptImageId)) {
                used.addAll(image.layers());
            }
        }
        Image image = images.get(exceptImageId);
        if (image == null) {
            return List.of();
        }
        List<String> unused = new ArrayList<>();
        for (String chainId : image.layers()) {
            if (!used.contains(chainId)) {
                unused.add(chainId);
            }
        }
        return unused;
    }

    // ---- networks ---------------------------------------------------------------------------------

    public Collection<Network> networks() {
        return networks.values();
    }

    public Optional<Network> network(String id) {
        return Optional.ofNullable(networks.get(id));
    }

    public Optional<Network> networkByName(String name) {
        String id = networkNames.get(name);
        return id == null ? Optional.empty() : network(id);
    }

    /** Finds a network as Docker does: by full id, by name, then by a unique id prefix. */
    public Optional<Network> findNetwork(String idOrName) throws AmbiguousException {
        if (idOrName == null || idOrName.isEmpty()) {
            return Optional.empty();
        }
        Network byId = networks.get(idOrName);
        if (byId != null) {
            return Optional.of(byId);
        }
        Optional<Network> byName = networkByName(idOrName);
        if (byName.isPresent()) {
            return byName;
        }
        List<Network> matches = networks.values().stream().filter(n -> n.id().startsWith(idOrName)).toList();
        if (matches.size() > 1) {
            throw new AmbiguousException("network " + idOrName + " is ambiguous (" + matches.size() + " matches found based on ID prefix)");
        }
        return matches.stream().findFirst();
    }

    /** The networks a container is on, in the order it joined them. */
    public List<NetworkMembership> memberships(String containerId) {
        return memberships.getOrDefault(containerId, List.of());
    }

    public Optional<NetworkMembership> membership(String containerId, String networkId) {
        return memberships(containerId).stream().filter(m -> m.networkId().equals(networkId)).findFirst();
    }

    /** Containers on network {@code networkId}, running or not. */
    public List<NetworkMembership> members(String networkId) {
        List<NetworkMembership> found = new ArrayList<>();
        memberships.values().forEach(list -> list.stream().filter(m -> m.networkId().equals(networkId)).forEach(found::add));
        return found;
    }

    /** The container's live endpoints, in allocation order. */
    public List<Endpoint> endpoints(String containerId) {
        return endpoints.getOrDefault(containerId, List.of());
    }

    public Optional<Endpoint> endpoint(String containerId, String networkId) {
        return endpoints(containerId).stream().filter(e -> e.networkId().equals(networkId)).findFirst();
    }

    /** Every live endpoint. */
    public List<Endpoint> allEndpoints() {
        List<Endpoint> all = new ArrayList<>();
        endpoints.values().forEach(all::addAll);
        return all;
    }

    public int lastEphemeralPort() {
        return lastEphemeralPort;
    }

    // ---- snapshots --------------------------------------------------------------------------------

    /**
     * Everything the projection holds, as immutable values: what a snapshot stores. Two states that
     * applied the same events have equal contents (maps compare by content, records field by field).
     */
    public record Contents(Map<String, Container> containers, Map<String, String> containerNames,
                           Map<String, Image> images, Map<String, String> references, Map<String, Layer> layers,
                           Map<String, Set<String>> repoDigests, Map<String, LayerBlob> layerBlobs,
                           Map<String, Long> containerSizes, Map<String, Network> networks,
                           Map<String, String> networkNames, Map<String, List<NetworkMembership>> memberships,
                           Map<String, List<Endpoint>> endpoints, int lastEphemeralPort) {

        public Contents {
            containers = Map.copyOf(containers);
            containerNames = Map.copyOf(containerNames);
            images = Map.copyOf(images);
            references = Map.copyOf(references);
            layers = Map.copyOf(layers);
            Map<String, Set<String>> digests = new java.util.HashMap<>();
            repoDigests.forEach((id, set) -> digests.put(id, Set.copyOf(set)));
            repoDigests = Map.copyOf(digests);
            layerBlobs = Map.copyOf(layerBlobs);
            containerSizes = Map.copyOf(containerSizes);
            networks = Map.copyOf(networks);
            networkNames = Map.copyOf(networkNames);
            memberships = Map.copyOf(memberships);
            endpoints = Map.copyOf(endpoints);
        }
    }

    /**
     * An exact copy of the state. Call it on the thread that applies events (between two events), so the
     * copy is consistent; it copies the maps only, the entities being immutable.
     */
    public Contents export() {
        return new Contents(containers, containerNames, images, references, layers, repoDigests, layerBlobs,
                containerSizes, networks, networkNames, memberships, endpoints, lastEphemeralPort);
    }

    /** Replaces everything with {@code contents}; only before anyone reads the state (boot, a fresh copy). */
    public void restore(Contents contents) {
        containers.clear();
        containers.putAll(contents.containers());
        containerNames.clear();
        containerNames.putAll(contents.containerNames());
        images.clear();
        images.putAll(contents.images());
        references.clear();
        references.putAll(contents.references());
        layers.clear();
        layers.putAll(contents.layers());
        repoDigests.clear();
        // apply() changes these sets in place: each gets a mutable set of its own
        contents.repoDigests().forEach((id, set) -> {
            Set<String> mutable = ConcurrentHashMap.newKeySet();
            mutable.addAll(set);
            repoDigests.put(id, mutable);
        });
        layerBlobs.clear();
        layerBlobs.putAll(contents.layerBlobs());
        containerSizes.clear();
        containerSizes.putAll(contents.containerSizes());
        networks.clear();
        networks.putAll(contents.networks());
        networkNames.clear();
        networkNames.putAll(contents.networkNames());
        memberships.clear();
        memberships.putAll(contents.memberships());
        endpoints.clear();
        endpoints.putAll(contents.endpoints());
        lastEphemeralPort = contents.lastEphemeralPort();
    }

    /** A name or prefix matched more than one entity. */
    public static final class AmbiguousException extends Exception {
        public AmbiguousException(String message) {
            super(message);
        }
    }
}
