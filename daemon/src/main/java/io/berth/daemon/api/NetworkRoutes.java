package io.berth.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.command.Command;
import io.berth.daemon.command.Journal;
import io.berth.daemon.network.HostRoutes;
import io.berth.daemon.runtime.ContainerSpecs;
import io.berth.daemon.runtime.NetworkRuntime;
import io.berth.daemon.state.Container;
import io.berth.daemon.state.EngineState;
import io.berth.daemon.state.Network;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** /networks/...: list, inspect, create, remove, prune, connect, disconnect. */
public final class NetworkRoutes {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Engine engine;
    private final NetworkRuntime runtime;
    private final Command.AddressPool pool;

    public NetworkRoutes(Engine engine, NetworkRuntime runtime, Command.AddressPool pool) {
        this.engine = engine;
        this.runtime = runtime;
        this.pool = pool;
    }

    public void register(Router r) {
        r.get("/networks", this::list);
        r.get("/networks/{id}", this::inspect);
        r.post("/networks/create", this::create);
        r.post("/networks/prune", this::prune);
        r.post("/networks/{id}/connect", this::connect);
        r.post("/networks/{id}/disconnect", this::disconnect);
        r.delete("/networks/{id}", this::remove);
    }

    private Network find(String idOrName) {
        try {
            return engine.state().findNetwork(idOrName)
                    .orElseThrow(() -> ApiException.notFound("network " + idOrName + " not found"));
        } catch (EngineState.AmbiguousException e) {
            throw ApiException.invalid(e.getMessage());
        }
    }

    private Container container(String idOrName) {
        try {
            return engine.state().findContainer(idOrName).orElseThrow(() -> ApiException.noSuchContainer(idOrName));
        } catch (EngineState.AmbiguousException e) {
            throw ApiException.invalid(e.getMessage());
        }
    }

    private void list(ApiCall call) {
        Filters filters = call.filters();
        filters.allow("driver", "id", "label", "name", "scope", "type", "dangling");
        for (String type : filters.get("type")) {
            if (!type.equals("custom") && !type.equals("builtin")) {
                throw ApiException.invalid("invalid filter: 'type'='" + type + "'");
            }
        }
        List<Network> networks = new ArrayList<>(engine.state().networks());
        networks.sort(Comparator.comparing(Network::name));
        ArrayNode out = JSON.createArrayNode();
        for (Network n : networks) {
            if (matches(n, filters)) {
                out.add(NetworkViews.network(n, engine.state(), false));
            }
        }
        call.json(200, out);
    }

    private boolean matches(Network n, Filters filters) {
        if (filters.has("driver") && !filters.get("driver").contains(n.driver())) {
            return false;
        }
        if (filters.has("id") && filters.get("id").stream().noneMatch(n.id()::startsWith)) {
            return false;
        }
        if (filters.has("name") && filters.get("name").stream().noneMatch(n.name()::contains)) {
            return false;
        }
        if (filters.has("scope") && !filters.get("scope").contains("local")) {
            return false;
        }
        if (filters.has("type") && !filters.get("type").contains(n.predefined() ? "builtin" : "custom")) {
            return false;
        }
        if (filters.has("dangling")) {
            boolean unused = !n.predefined() && engine.state().members(n.id()).isEmpty();
            if (filters.get("dangling").stream().noneMatch(d -> Boolean.parseBoolean(d) == unused || (d.equals("1") && unused))) {
                return false;
            }
        }
        return filters.matchLabels(n.labels());
    }

    private void inspect(ApiCall call) {
        call.json(200, NetworkViews.network(find(call.param("id")), engine.state(), true));
    }

    private void create(ApiCall call) {
        call.jsonBody().compose(body -> {
            String name = body.path("Name").asText("");
            if (name.isEmpty()) {
                throw ApiException.invalid("invalid name: name is empty");
            }
            if (!name.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*")) {
                throw ApiException.invalid("invalid network name \"" + name + "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
            }
            String driver = body.path("Driver").asText("");
            JsonNode configs = body.path("IPAM").path("Config");
            if (configs.size() > 1) {
                throw ApiException.notImplemented("more than one IPAM pool is not implemented (IPv6 is not supported)");
            }
            if (body.path("EnableIPv6").asBoolean(false)) {
                throw ApiException.notImplemented("IPv6 networks are not implemented");
            }
            JsonNode ipam = configs.size() == 1 ? configs.get(0) : JSON.createObjectNode();
            String id = ContainerLifecycle.newId();
            // the host's routes are a file read: on a worker, not on the event loop
            return engine.blocking(HostRoutes::read).compose(routes -> engine.send(new Command.CreateNetwork(id, name,
                    driver.isEmpty() ? "bridge" : driver, ipam.path("Subnet").asText(""), ipam.path("Gateway").asText(""),
                    ipam.path("IPRange").asText(""), body.path("Internal").asBoolean(false),
                    body.path("Attachable").asBoolean(false), strings(body.path("Labels")), strings(body.path("Options")),
                    routes, pool), call.caller(), Journal.newCorrelationId()))
                    .compose(r -> engine.blocking(() -> {
                        runtime.ensureNetwork(id);
                        return id;
                    }).recover(err -> engine.send(new Command.RemoveNetwork(id), call.caller(), Journal.newCorrelationId())
                            .transform(x -> Future.failedFuture(new ApiException(ApiException.Kind.INTERNAL,
                                    "failed to create network " + name + ": " + err.getMessage())))));
        }).onSuccess(id -> {
            ObjectNode o = JSON.createObjectNode();
            o.put("Id", id);
            o.put("Warning", "");
            call.json(201, o);
        }).onFailure(call::fail);
    }

    private void remove(ApiCall call) {
        Network n = find(call.param("id"));
        engine.send(new Command.RemoveNetwork(n.id()), call.caller(), Journal.newCorrelationId())
                .compose(r -> engine.blocking(() -> {
                    runtime.deleteNetwork(n);
                    return null;
                }))
                .onSuccess(v -> call.noContent()).onFailure(call::fail);
    }

    private void prune(ApiCall call) {
        Filters filters = call.filters();
        filters.allow("label", "label!", "until");
        long until = filters.has("until") ? Times.filterTime(filters.get("until").get(0), System.currentTimeMillis() * 1_000_000L)
                : Long.MAX_VALUE;
        List<Network> candidates = new ArrayList<>();
        for (Network n : engine.state().networks()) {
            if (!n.predefined() && engine.state().members(n.id()).isEmpty() && n.createdNanos() < until
                    && filters.matchLabels(n.labels())) {
                candidates.add(n);
            }
        }
        engine.send(new Command.PruneNetworks(candidates.stream().map(Network::id).toList()), call.caller(),
                        Journal.newCorrelationId())
                .compose(r -> engine.blocking(() -> {
                    @SuppressWarnings("unchecked")
                    List<String> removed = (List<String>) r.value();
                    candidates.stream().filter(n -> removed.contains(n.name())).forEach(runtime::deleteNetwork);
                    return removed;
                }))
                .onSuccess(removed -> {
                    ObjectNode o = JSON.createObjectNode();
                    ArrayNode list = o.putArray("NetworksDeleted");
                    removed.forEach(list::add);
                    call.json(200, o);
                }).onFailure(call::fail);
    }

    private void connect(ApiCall call) {
        Network n = find(call.param("id"));
        call.jsonBody().compose(body -> {
            Container c = container(body.path("Container").asText(""));
            JsonNode endpoint = body.path("EndpointConfig");
            Command.NetworkJoin join = new Command.NetworkJoin(n.id(), ContainerSpecs.strings(endpoint.path("Aliases")),
                    endpoint.path("IPAMConfig").path("IPv4Address").asText(""),
                    ContainerSpecs.strings(endpoint.path("Links")));
            return engine.send(new Command.ConnectContainer(c.id(), join), call.caller(), Journal.newCorrelationId())
                    .compose(r -> awaitEndpoint(c, n, true));
        }).onSuccess(v -> call.json(200, JSON.createObjectNode())).onFailure(call::fail);
    }

    private void disconnect(ApiCall call) {
        Network n = find(call.param("id"));
        call.jsonBody().compose(body -> {
            Container c = container(body.path("Container").asText(""));
            return engine.send(new Command.DisconnectContainer(c.id(), n.id(), body.path("Force").asBoolean(false)),
                            call.caller(), Journal.newCorrelationId())
                    .compose(r -> awaitEndpoint(c, n, false));
        }).onSuccess(v -> call.json(200, JSON.createObjectNode())).onFailure(call::fail);
    }

    /**
     * For a running container, waits until its endpoint on the network is wired (connect) or torn down
     * (disconnect), so the caller sees the interface on return, as with Docker.
     */
    private Future<Void> awaitEndpoint(Container c, Network n, boolean present) {
        if (!engine.state().container(c.id()).map(Container::running).orElse(false) || !n.hasEndpoints()) {
            return Future.succeededFuture();
        }
        return engine.blocking(() -> {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (engine.state().endpoint(c.id(), n.id()).isPresent() != present
                    || (present && !runtime.wired(c.id(), n.id()))) {
                if (System.nanoTime() > deadline || !engine.state().container(c.id()).map(Container::running).orElse(false)) {
                    break;
                }
                Thread.sleep(5);
            }
            if (present && engine.state().endpoint(c.id(), n.id()).isEmpty()
                    && engine.state().container(c.id()).map(Container::running).orElse(false)) {
                throw new ApiException(ApiException.Kind.INTERNAL, runtime.lastError(c.id())
                        .orElse("failed to connect container " + c.name() + " to network " + n.name()));
            }
            return null;
        });
    }

    private static Map<String, String> strings(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }
}
