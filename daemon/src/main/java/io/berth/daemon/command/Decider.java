package io.berth.daemon.command;

import static io.berth.daemon.api.ApiException.conflict;
import static io.berth.daemon.api.ApiException.noSuchContainer;
import static io.berth.daemon.api.ApiException.noSuchImage;

import io.berth.daemon.api.ApiException;
import io.berth.daemon.command.Command.*;
import io.berth.daemon.events.Event;
import io.berth.daemon.events.Event.*;
import io.berth.daemon.state.Container;
import io.berth.daemon.state.EngineState;
import io.berth.daemon.state.Image;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides what each command means given the current state. Pure: no I/O, no clock other than the
 * {@code nowNanos} it is given, so it is tested without a daemon and replayed identically.
 */
public final class Decider {

    private Decider() {}

    public static Decision decide(EngineState state, Command command, long nowNanos) {
        if (command instanceof CreateContainer c) {
            return create(state, c, nowNanos);
        } else if (command instanceof StartContainer c) {
            Container ct = existing(state, c.id());
            if (ct.running() || ct.startPending()) {
                // Docker answers 304 Not Modified for a container that already runs
                throw new ApiException(ApiException.Kind.NOT_MODIFIED, "container already started");
            }
            if ("removing".equals(ct.status())) {
                throw conflict("cannot start a container that is being removed");
            }
            List<Event> events = new ArrayList<>(NetworkDecider.endpoints(state, ct));
            events.add(new ContainerStartRequested(ct.id()));
            return new Decision(events, null);
        } else if (command instanceof RecordStart c) {
            if (!state.container(c.id()).map(Container::startPending).orElse(false)) {
                return Decision.none();
            }
            var p = c.process();
            return Decision.of(new ContainerStarted(c.id(), p.pid(), p.startTime(), p.monitorPid(),
                    p.monitorStartTime(), p.startedAtNanos()));
        } else if (command instanceof RecordStartFailure c) {
            if (!state.container(c.id()).map(Container::startPending).orElse(false)) {
                return Decision.none();
            }
            return Decision.of(new ContainerStartFailed(c.id(), c.exitCode(), c.error(), nowNanos));
        } else if (command instanceof KillContainer c) {
            Container ct = existing(state, c.id());
            if (!ct.running()) {
                if (c.stop()) {
                    throw new ApiException(ApiException.Kind.NOT_MODIFIED, "container already stopped");
                }
                throw conflict("cannot kill container: " + ct.id() + ": container " + ct.id() + " is not running");
            }
            return Decision.of(new ContainerKillRequested(ct.id(), c.signal(), c.timeoutSeconds()));
        } else if (command instanceof RecordContainerSize c) {
            return state.container(c.id()).isPresent() ? Decision.of(new ContainerSizeMeasured(c.id(), c.sizeRw()))
                    : Decision.none();
        } else if (command instanceof RecordExit c) {
            Optional<Container> ct = state.container(c.id());
            if (ct.isEmpty() || !ct.get().running() || (c.pid() != 0 && ct.get().pid() != c.pid())) {
                return Decision.none();
            }
            return Decision.of(new ContainerExited(c.id(), c.exitCode(), c.oomKilled(), c.finishedAtNanos(), c.reason()));
        } else if (command instanceof RemoveContainer c) {
            Container ct = existing(state, c.id());
            if (ct.running()) {
                // a forced removal kills first (the API does that), so a running container here is refused
                throw conflict("cannot remove container \"/" + ct.name() + "\": container is running: stop the"
                        + " container before removing or force remove");
            }
            if ("removing".equals(ct.status())) {
                return Decision.none();
            }
            return Decision.of(new ContainerRemoveRequested(ct.id()));
        } else if (command instanceof RecordRemoved c) {
            return state.container(c.id()).isPresent() ? Decision.of(new ContainerRemoved(c.id())) : Decision.none();
        } else if (command instanceof RegisterImage c) {
            return registerImage(state, c);
        } else if (command instanceof TagImage c) {
            if (state.image(c.imageId()).isEmpty()) {
                throw noSuchImage(c.imageId());
            }
            return new Decision(tag(state, c.imageId(), c.reference()), null);
        } else if (command instanceof RemoveImage c) {
            return removeImage(state, c);
        } else if (command instanceof RecordImageDigest c) {
            return state.image(c.id()).isPresent() && !state.repoDigests(c.id()).contains(c.repoDigest())
                    ? Decision.of(new ImageDigestRecorded(c.id(), c.repoDigest())) : Decision.none();
        } else if (command instanceof RecordLayerBlob c) {
            return Decision.of(new LayerBlobRecorded(c.diffId(), c.digest(), c.size(), c.mediaType()));
        } else if (command instanceof PruneImages c) {
            return pruneImages(state, c);
        } else if (command instanceof RecordLayerRemoved c) {
            return state.layer(c.chainId()).isPresent() ? Decision.of(new LayerRemoved(c.chainId())) : Decision.none();
        } else if (command instanceof CreateNetwork || command instanceof EnsurePredefinedNetwork
                || command instanceof RemoveNetwork || command instanceof PruneNetworks
                || command instanceof ConnectContainer || command instanceof DisconnectContainer
                || command instanceof AllocateEndpoints || command instanceof RecordEndpointReleased) {
            return NetworkDecider.decide(state, command, nowNanos);
        } else if (command instanceof RecordRejection c) {
            return Decision.of(new CallRejected(c.method(), c.path(), c.status(), c.message()));
        } else if (command instanceof RecordLogRepaired c) {
            return Decision.of(new EventLogRepaired(c.file(), c.savedCopy(), c.lastGoodPosition(), c.problem(),
                    c.bytesSetAside(), c.documentsSetAside()));
        } else if (command instanceof RecordHistoryTrimmed c) {
            return Decision.of(new HistoryTrimmed(c.firstPosition(), c.boundaryPosition(), c.retainedFromNanos(),
                    c.bytesOnDisk()));
        }
        throw new IllegalArgumentException("no decision for " + command.getClass().getSimpleName());
    }

    private static Decision create(EngineState state, CreateContainer c, long nowNanos) {
        Optional<String> holder = state.containerIdByName(c.name());
        if (holder.isPresent()) {
            throw conflict("Conflict. The container name \"/" + c.name() + "\" is already in use by container \""
                    + holder.get() + "\". You have to remove (or rename) that container to be able to reuse that name.");
        }
        if (state.image(c.imageId()).isEmpty()) {
            throw noSuchImage(c.image());
        }
        List<Event> events = new ArrayList<>();
        events.add(new ContainerCreated(c.id(), c.name(), c.image(), c.imageId(), c.config(), c.hostConfig(),
                nowNanos, c.storageDriver()));
        events.addAll(NetworkDecider.joinsOnCreate(state, c.id(), c.networks()));
        return new Decision(events, null);
    }

    private static Decision registerImage(EngineState state, RegisterImage c) {
        List<Event> events = new ArrayList<>();
        for (NewLayer layer : c.newLayers()) {
            if (state.layer(layer.chainId()).isEmpty()) {
                events.add(new LayerCreated(layer.chainId(), layer.diffId(), layer.parentChainId(), layer.size()));
            }
        }
        if (state.image(c.imageId()).isEmpty()) {
            events.add(new ImageCreated(c.imageId(), c.layers(), c.size(), c.createdNanos(), c.comment(), c.config(),
                    c.parent(), c.buildKey(), c.origin()));
        }
        for (String reference : c.tags()) {
            events.addAll(tag(state, c.imageId(), reference));
        }
        return new Decision(events, null);
    }

    private static Container existing(EngineState state, String id) {
        return state.container(id).orElseThrow(() -> noSuchContainer(id));
    }

    private static List<Event> tag(EngineState state, String imageId, String reference) {
        List<Event> events = new ArrayList<>();
        Optional<Image> previous = state.imageByReference(reference);
        if (previous.isPresent() && previous.get().id().equals(imageId)) {
            return events;
        }
        previous.ifPresent(p -> events.add(new ImageUntagged(p.id(), reference)));
        events.add(new ImageTagged(imageId, reference));
        return events;
    }

    /** docker rmi, with moby's rules for references, ids, users of the image and force. */
    private static Decision pruneImages(EngineState state, PruneImages c) {
        List<Event> events = new ArrayList<>();
        List<Map<String, String>> report = new ArrayList<>();
        Set<String> deleted = new HashSet<>();
        for (String id : c.candidates()) {
            Optional<Image> image = state.image(id);
            if (image.isEmpty() || !state.containersUsing(id).isEmpty()) {
                continue; // gone, or a container was created from it since the caller looked
            }
            if (deleted.contains(id) || hasChildren(state, id, deleted)) {
                continue; // an intermediate image goes with the last image built on it
            }
            for (String tag : image.get().tags().stream().sorted().toList()) {
                events.add(new ImageUntagged(id, tag));
                report.add(Map.of("Untagged", tag));
            }
            deleteWithParents(state, image.get(), events, report, deleted);
        }
        return new Decision(events, report);
    }

    private static Decision removeImage(EngineState state, RemoveImage c) {
        Optional<Image> found;
        try {
            found = state.findImage(c.nameOrId());
        } catch (EngineState.AmbiguousException e) {
            throw conflict(e.getMessage());
        }
        Image image = found.orElseThrow(() -> noSuchImage(c.nameOrId()));
        String shortId = image.id().substring(7, 19);
        String asRef = io.berth.daemon.state.ImageReference.normalize(c.nameOrId());
        if (state.repoDigests(image.id()).contains(asRef)) {
            // a digest reference is removed like a tag: the image goes only when nothing else names or uses it
            List<Event> events = new ArrayList<>(List.of(new ImageDigestRemoved(image.id(), asRef)));
            List<Map<String, String>> report = new ArrayList<>(List.of(Map.of("Untagged", asRef)));
            if (image.tags().isEmpty() && state.repoDigests(image.id()).size() == 1
                    && state.containersUsing(image.id()).isEmpty()) {
                events.add(new ImageDeleted(image.id()));
                report.add(Map.of("Deleted", image.id()));
            }
            return new Decision(events, report);
        }
        boolean byReference = image.tags().contains(asRef);
        List<Container> users = state.containersUsing(image.id());
        List<Event> events = new ArrayList<>();
        List<Map<String, String>> report = new ArrayList<>();

        if (byReference) {
            events.add(new ImageUntagged(image.id(), asRef));
            report.add(Map.of("Untagged", asRef));
            if (image.tags().size() > 1) {
                return new Decision(events, report);
            }
            if (!users.isEmpty()) {
                if (!c.force()) {
                    throw conflict("conflict: unable to remove repository reference \"" + c.nameOrId()
                            + "\" (must force) - container " + users.get(0).shortId()
                            + " is using its referenced image " + shortId);
                }
                return new Decision(events, report);
            }
            if (hasChildren(state, image.id(), Set.of())) {
                return new Decision(events, report); // untagged, it stays as the parent of its children
            }
        } else {
            if (hasChildren(state, image.id(), Set.of())) {
                throw conflict("conflict: unable to delete " + shortId
                        + " (cannot be forced) - image has dependent child images");
            }
            if (image.tags().size() > 1 && !c.force()) {
                throw conflict("conflict: unable to delete " + shortId
                        + " (must be forced) - image is referenced in multiple repositories");
            }
            for (Container user : users) {
                if (user.running()) {
                    throw conflict("conflict: unable to delete " + shortId
                            + " (cannot be forced) - image is being used by running container " + user.shortId());
                }
            }
            if (!users.isEmpty() && !c.force()) {
                throw conflict("conflict: unable to delete " + shortId
                        + " (must be forced) - image is being used by stopped container " + users.get(0).shortId());
            }
            for (String tag : image.tags()) {
                events.add(new ImageUntagged(image.id(), tag));
                report.add(Map.of("Untagged", tag));
            }
            if (!users.isEmpty()) {
                return new Decision(events, report);
            }
        }
        if (c.noPrune()) {
            events.add(new ImageDeleted(image.id()));
            report.add(Map.of("Deleted", image.id()));
        } else {
            deleteWithParents(state, image, events, report, new HashSet<>());
        }
        return new Decision(events, report);
    }

    private static boolean hasChildren(EngineState state, String id, Set<String> deleted) {
        return state.children(id).stream().anyMatch(child -> !deleted.contains(child.id()));
    }

    /**
     * Deletes {@code image}, then, as moby does, each parent in turn while it has no tag, no other child
     * and no container: the intermediate images of a build go with the last image built on them.
     */
    private static void deleteWithParents(EngineState state, Image image, List<Event> events,
                                          List<Map<String, String>> report, Set<String> deleted) {
        Image current = image;
        while (true) {
            events.add(new ImageDeleted(current.id()));
            report.add(Map.of("Deleted", current.id()));
            deleted.add(current.id());
            Image parent = current.parent().isEmpty() ? null : state.image(current.parent()).orElse(null);
            if (parent == null || deleted.contains(parent.id()) || !parent.tags().isEmpty()
                    || !state.repoDigests(parent.id()).isEmpty() || hasChildren(state, parent.id(), deleted)
                    || !state.containersUsing(parent.id()).isEmpty()) {
                return;
            }
            current = parent;
        }
    }
}
