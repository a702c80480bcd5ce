package io.berth.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.DaemonPaths;
import io.berth.daemon.state.Container;
import io.berth.daemon.state.EngineState;
import io.berth.daemon.state.Image;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The read side of /containers: the list and inspect answers, computed from a given state, so the same
 * code answers for the live state and for a state of the past (berth's time travel).
 */
final class ContainerQueries {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ContainerQueries() {}

    /** The container {@code idOrName} names in {@code state} (id, name or unique id prefix), else a 404. */
    static Container find(EngineState state, String idOrName) {
        try {
            return state.findContainer(idOrName).orElseThrow(() -> ApiException.noSuchContainer(idOrName));
        } catch (EngineState.AmbiguousException e) {
            throw ApiException.invalid(e.getMessage());
        }
    }

    /** /containers/{id}/json as of {@code nowNanos}. */
    static ObjectNode inspect(EngineState state, String idOrName, DaemonPaths paths, long nowNanos) {
        Container c = find(state, idOrName);
        return DockerViews.containerInspect(c, imageConfig(state, c), state, paths, nowNanos);
    }

    /** /containers/json: the containers {@code call}'s all, limit and filters select, newest first, as of {@code nowNanos}. */
    static ArrayNode list(EngineState state, ApiCall call, long nowNanos) {
        boolean all = call.bool("all", false);
        int limit = call.integer("limit", -1);
        Filters filters = call.filters();
        filters.allow("id", "name", "status", "label", "ancestor", "exited", "before", "since", "network",
                "health", "volume", "publish", "expose", "is-task");
        if (limit > 0 || filters.has("status") || filters.has("exited")) {
            all = all || limit > 0 || filters.has("status") || filters.has("exited");
        }
        List<Container> matches = new ArrayList<>();
        for (Container c : state.containers()) {
            if (!all && !c.running()) {
                continue;
            }
            if (!matches(state, c, filters)) {
                continue;
            }
            matches.add(c);
        }
        matches.sort((a, b) -> Long.compare(b.createdNanos(), a.createdNanos()));
        if (limit > 0 && matches.size() > limit) {
            matches = matches.subList(0, limit);
        }
        ArrayNode out = JSON.createArrayNode();
        for (Container c : matches) {
            out.add(DockerViews.containerSummary(c, imageConfig(state, c), state, nowNanos));
        }
        return out;
    }

    private static boolean matches(EngineState state, Container c, Filters f) {
        if (f.has("id") && f.get("id").stream().noneMatch(c.id()::startsWith)) {
            return false;
        }
        if (f.has("name") && f.get("name").stream().noneMatch(n -> Pattern.compile(n.startsWith("/") ? n.substring(1) : n)
                .matcher(c.name()).find())) {
            return false;
        }
        if (f.has("status") && !f.get("status").contains(DockerViews.stateWord(c))) {
            for (String s : f.get("status")) {
                if (!List.of("created", "restarting", "running", "removing", "paused", "exited", "dead").contains(s)) {
                    throw ApiException.invalid("invalid filter 'status=" + s + "'");
                }
            }
            return false;
        }
        if (f.has("exited") && (!"exited".equals(c.status())
                || f.get("exited").stream().noneMatch(x -> x.equals(Integer.toString(c.exitCode()))))) {
            return false;
        }
        if (f.has("ancestor") && f.get("ancestor").stream().noneMatch(a -> {
            try {
                return state.findImage(a).map(i -> i.id().equals(c.imageId())).orElse(false);
            } catch (EngineState.AmbiguousException e) {
                return false;
            }
        })) {
            return false;
        }
        if (f.has("network") && f.get("network").stream().noneMatch(n -> state.memberships(c.id()).stream()
                .map(m -> state.network(m.networkId()).orElse(null)).filter(java.util.Objects::nonNull)
                .anyMatch(net -> net.name().equals(n) || net.id().startsWith(n)))) {
            return false;
        }
        if (f.has("publish") && f.get("publish").stream().noneMatch(p -> NetworkViews.publishes(c, state, p))) {
            return false;
        }
        if (f.has("expose") && f.get("expose").stream().noneMatch(p -> NetworkViews.exposes(c, state, p))) {
            return false;
        }
        return f.matchLabels(DockerViews.labels(c));
    }

    /** The runtime config of the container's image; empty when the image was deleted under it. */
    private static JsonNode imageConfig(EngineState state, Container c) {
        return state.image(c.imageId()).map(Image::runConfig).orElseGet(JSON::createObjectNode);
    }
}
