package io.berth.daemon.feed;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.daemon.events.Event;
import io.berth.daemon.events.Event.*;
import io.berth.daemon.state.Container;
import io.berth.daemon.state.EngineState;
import io.berth.daemon.state.Image;
import io.berth.daemon.state.Network;
import io.berth.eventlog.Envelope;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Says which of Docker's events a berth event is, the way dockerd names them: container create, start,
 * kill (with the signal), oom, die (exit code, run time), stop, destroy; image import, load, pull, create,
 * tag, untag, delete; network create, connect, disconnect, destroy. Intents, measurements and rejected
 * calls are no Docker event.
 *
 * <p>It reads the projection as it was <em>before</em> the event (a removed container's name and labels
 * are still there), so the caller translates first and applies the event after. One translator follows
 * one stream of events, in log order; it remembers the stops it has seen asked for.
 */
public final class DockerEventTranslator {

    /**
     * The event types it translates or whose effect on the projection it reads (names, images, labels,
     * start times, networks). A feed may skip every other type: neither decode nor apply it.
     */
    private static final Set<String> CONCERNS = Set.of("ContainerCreated", "ContainerStarted", "ContainerKillRequested",
            "ContainerExited", "ContainerRemoved", "ImageCreated", "ImageTagged", "ImageUntagged", "ImageDeleted",
            "NetworkCreated", "NetworkRemoved", "EndpointAllocated", "EndpointReleased");

    /** Whether events of {@code type} make Docker events or change what the translation reads. */
    public static boolean concerns(String type) {
        return CONCERNS.contains(type);
    }

    private final Set<String> stopsRequested = new HashSet<>();

    /** Calls {@code out} with each Docker event that {@code event} (at {@code envelope}) is, given {@code before}. */
    public void translate(EngineState before, Envelope envelope, Event event, Consumer<DockerEvent> out) {
        long t = envelope.timeNanos();
        long p = envelope.position();
        if (event instanceof ContainerCreated e) {
            out.accept(new DockerEvent(DockerEvent.CONTAINER, "create", e.id(),
                    containerAttributes(e.name(), e.image(), e.config().path("Labels")), t, p));
        } else if (event instanceof ContainerStarted e) {
            container(before, e.id(), "start", Map.of(), t, p, out);
        } else if (event instanceof ContainerKillRequested e) {
            if (e.timeoutSeconds() >= 0) {
                stopsRequested.add(e.id());
            }
            container(before, e.id(), "kill", Map.of("signal", Integer.toString(e.signal())), t, p, out);
        } else if (event instanceof ContainerExited e) {
            if (e.oomKilled()) {
                container(before, e.id(), "oom", Map.of(), t, p, out);
            }
            long started = before.container(e.id()).map(Container::startedAtNanos).orElse(0L);
            long ran = started > 0 ? Math.max(0, (e.finishedAtNanos() - started) / 1_000_000_000L) : 0;
            Map<String, String> die = new LinkedHashMap<>();
            die.put("exitCode", Integer.toString(e.exitCode()));
            die.put("execDuration", Long.toString(ran));
            container(before, e.id(), "die", die, t, p, out);
            if (stopsRequested.remove(e.id())) {
                container(before, e.id(), "stop", Map.of(), t, p, out);
            }
        } else if (event instanceof ContainerRemoved e) {
            stopsRequested.remove(e.id());
            container(before, e.id(), "destroy", Map.of(), t, p, out);
        } else if (event instanceof ImageCreated e) {
            String action = switch (e.origin()) {
                case ImageCreated.IMPORT -> "import";
                case ImageCreated.LOAD -> "load";
                case ImageCreated.PULL -> "pull";
                case ImageCreated.COMMIT, ImageCreated.BUILD -> "create";
                default -> null; // a revision 1 image without a parent: which of import, load, pull is not known
            };
            if (action != null) {
                Map<String, String> attributes = new LinkedHashMap<>();
                attributes.put("name", e.id());
                out.accept(new DockerEvent(DockerEvent.IMAGE, action, e.id(), attributes, t, p));
            }
        } else if (event instanceof ImageTagged e) {
            image(before, e.id(), "tag", e.reference(), t, p, out);
        } else if (event instanceof ImageUntagged e) {
            image(before, e.id(), "untag", e.id(), t, p, out);
        } else if (event instanceof ImageDeleted e) {
            image(before, e.id(), "delete", e.id(), t, p, out);
        } else if (event instanceof NetworkCreated e) {
            out.accept(new DockerEvent(DockerEvent.NETWORK, "create", e.id(), networkAttributes(e.name(), e.driver(), null), t, p));
        } else if (event instanceof NetworkRemoved e) {
            network(before, e.id(), "destroy", null, t, p, out);
        } else if (event instanceof EndpointAllocated e) {
            network(before, e.networkId(), "connect", e.containerId(), t, p, out);
        } else if (event instanceof EndpointReleased e) {
            network(before, e.networkId(), "disconnect", e.containerId(), t, p, out);
        }
    }

    private static void container(EngineState before, String id, String action, Map<String, String> extra, long t,
                                  long p, Consumer<DockerEvent> out) {
        Container c = before.container(id).orElse(null);
        Map<String, String> attributes = c == null ? new LinkedHashMap<>()
                : containerAttributes(c.name(), c.image(), c.config().path("Labels"));
        attributes.putAll(extra);
        out.accept(new DockerEvent(DockerEvent.CONTAINER, action, id, attributes, t, p));
    }

    /** Docker's container attributes: its labels, then image (as asked) and name. */
    private static Map<String, String> containerAttributes(String name, String image, JsonNode labels) {
        Map<String, String> attributes = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> label = it.next();
            attributes.put(label.getKey(), label.getValue().asText());
        }
        attributes.put("image", image);
        attributes.put("name", name);
        return attributes;
    }

    private static void image(EngineState before, String id, String action, String name, long t, long p,
                              Consumer<DockerEvent> out) {
        Map<String, String> attributes = new LinkedHashMap<>();
        before.image(id).map(Image::runConfig).ifPresent(config -> {
            for (Iterator<Map.Entry<String, JsonNode>> it = config.path("Labels").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> label = it.next();
                attributes.put(label.getKey(), label.getValue().asText());
            }
        });
        attributes.put("name", name);
        out.accept(new DockerEvent(DockerEvent.IMAGE, action, id, attributes, t, p));
    }

    private static void network(EngineState before, String id, String action, String containerId, long t, long p,
                                Consumer<DockerEvent> out) {
        Network n = before.network(id).orElse(null);
        out.accept(new DockerEvent(DockerEvent.NETWORK, action, id,
                networkAttributes(n == null ? "" : n.name(), n == null ? "" : n.driver(), containerId), t, p));
    }

    private static Map<String, String> networkAttributes(String name, String driver, String containerId) {
        Map<String, String> attributes = new LinkedHashMap<>();
        if (containerId != null) {
            attributes.put("container", containerId);
        }
        attributes.put("name", name);
        attributes.put("type", driver);
        return attributes;
    }
}
