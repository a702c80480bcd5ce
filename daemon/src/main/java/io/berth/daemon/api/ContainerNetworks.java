package io.berth.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.daemon.command.Command.NetworkJoin;
import io.berth.daemon.runtime.ContainerSpecs;
import io.berth.daemon.state.Container;
import io.berth.daemon.state.EngineState;
import io.berth.daemon.state.Network;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Which networks a new container joins, from its create body: its {@code HostConfig.NetworkMode}
 * ("default" being the daemon's default network) and {@code NetworkingConfig.EndpointsConfig} (aliases,
 * {@code --ip}), with {@code HostConfig.Links} on its first network. Checked as Docker checks them.
 */
final class ContainerNetworks {

    private ContainerNetworks() {}

    /** The network mode a container's HostConfig means: "default" and "" are the daemon's default network. */
    static String mode(JsonNode hostConfig, String defaultNetwork) {
        String mode = hostConfig.path("NetworkMode").asText("");
        return mode.isEmpty() || mode.equals("default") ? defaultNetwork : mode;
    }

    static List<NetworkJoin> joins(EngineState state, String defaultNetwork, JsonNode hostConfig, JsonNode networking) {
        String mode = mode(hostConfig, defaultNetwork);
        JsonNode endpoints = networking.path("EndpointsConfig");
        List<String> links = ContainerSpecs.strings(hostConfig.path("Links"));
        for (String link : links) {
            String target = io.berth.daemon.network.LegacyLink.parse(link).target();
            if (find(state, target) == null) {
                throw ApiException.notFound("could not get container for " + target + ": No such container: " + target);
            }
        }
        if (mode.startsWith("container:")) {
            String target = mode.substring("container:".length());
            if (find(state, target) == null) {
                throw ApiException.notFound("No such container: " + target);
            }
            if (!hostConfig.path("PortBindings").isEmpty() || hostConfig.path("PublishAllPorts").asBoolean(false)) {
                throw ApiException.invalid("conflicting options: port publishing and the container type network mode");
            }
            if (!links.isEmpty()) {
                throw ApiException.invalid("conflicting options: container type network can't be used with links."
                        + " This would result in undefined behavior");
            }
            return List.of();
        }
        Network primary = find(state, mode, true);
        if (primary == null) {
            // as with Docker, the container is created and its start fails: "network x not found"
            return List.of();
        }
        List<NetworkJoin> joins = new ArrayList<>();
        JsonNode primaryEndpoint = endpoints.path(mode);
        if (primaryEndpoint.isMissingNode()) {
            primaryEndpoint = endpoints.path(primary.name());
        }
        if (primaryEndpoint.isMissingNode()) {
            primaryEndpoint = endpoints.path("default"); // the docker CLI's key for NetworkMode "default"
        }
        joins.add(join(mode, primaryEndpoint, links));
        for (Iterator<Map.Entry<String, JsonNode>> it = endpoints.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Network n = find(state, e.getKey().equals("default") ? defaultNetwork : e.getKey(), false);
            if (n.id().equals(primary.id())) {
                continue;
            }
            if (primary.name().equals("host") || primary.name().equals("none") || n.name().equals("host")
                    || n.name().equals("none")) {
                throw ApiException.invalid("Container cannot be connected to network endpoints: " + mode + ", "
                        + e.getKey());
            }
            joins.add(join(e.getKey(), e.getValue(), List.of()));
        }
        return joins;
    }

    private static NetworkJoin join(String network, JsonNode endpoint, List<String> links) {
        List<String> allLinks = new ArrayList<>(links);
        ContainerSpecs.strings(endpoint.path("Links")).stream().filter(l -> !allLinks.contains(l)).forEach(allLinks::add);
        return new NetworkJoin(network, ContainerSpecs.strings(endpoint.path("Aliases")),
                endpoint.path("IPAMConfig").path("IPv4Address").asText(""), allLinks);
    }

    /** The network, or (when {@code orNull}) null if there is none by that name; otherwise a 404. */
    private static Network find(EngineState state, String idOrName, boolean orNull) {
        try {
            Network n = state.findNetwork(idOrName).orElse(null);
            if (n == null && !orNull) {
                throw ApiException.notFound("network " + idOrName + " not found");
            }
            return n;
        } catch (EngineState.AmbiguousException e) {
            throw ApiException.invalid(e.getMessage());
        }
    }

    private static Container find(EngineState state, String idOrName) {
        try {
            return state.findContainer(idOrName).orElse(null);
        } catch (EngineState.AmbiguousException e) {
            throw ApiException.invalid(e.getMessage());
        }
    }
}
