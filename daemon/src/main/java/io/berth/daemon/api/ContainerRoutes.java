package io.berth.daemon.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.command.Command;
import io.berth.daemon.command.Journal;
import io.berth.daemon.events.Event;
import io.berth.daemon.logs.JsonFileLog;
import io.berth.daemon.runtime.AttachSession;
import io.berth.daemon.runtime.ContainerSpecs;
import io.berth.daemon.runtime.Signals;
import io.berth.daemon.state.Container;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** /containers/...: create, start, stop, kill, restart, remove, inspect, list, wait, attach, resize, logs. */
public final class ContainerRoutes {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DEFAULT_STOP_TIMEOUT = 10;

    private final Engine engine;
    private final ContainerLifecycle lifecycle;

    public ContainerRoutes(Engine engine) {
        this.engine = engine;
        this.lifecycle = new ContainerLifecycle(engine);
    }

    public void register(Router r) {
        r.post("/containers/create", this::create);
        r.get("/containers/json", this::list);
        r.get("/containers/{id}/json", this::inspect);
        r.post("/containers/{id}/start", this::start);
        r.post("/containers/{id}/stop", this::stop);
        r.post("/containers/{id}/restart", this::restart);
        r.post("/containers/{id}/kill", this::kill);
        r.delete("/containers/{id}", this::remove);
        r.post("/containers/{id}/wait", this::waitFor);
        r.post("/containers/{id}/attach", this::attach);
        r.post("/containers/{id}/resize", this::resize);
        r.get("/containers/{id}/logs", this::logs);
        r.get("/containers/{id}/changes", this::changes);
        r.get("/containers/{id}/export", this::export);
    }

    Container find(String idOrName) {
        return ContainerQueries.find(engine.state(), idOrName);
    }

    // ---- create -----------------------------------------------------------------------------------

    private void create(ApiCall call) {
        call.jsonBody().compose(body -> {
            if (!(body instanceof ObjectNode request)) {
                throw ApiException.invalid("config cannot be empty in order to create a container");
            }
            CreateBodyTypes.check(request);
            return lifecycle.create(request, call.query("name", ""), call.caller());
        }).onSuccess(id -> {
            ObjectNode out = JSON.createObjectNode();
            out.put("Id", id);
            out.putArray("Warnings");
            call.json(201, out);
        }).onFailure(call::fail);
    }

    // ---- read -------------------------------------------------------------------------------------

    private void inspect(ApiCall call) {
        call.json(200, ContainerQueries.inspect(engine.state(), call.param("id"), engine.paths(), now()));
    }

    /** docker diff: the read-write layer's changes; null when there are none, as dockerd answers. */
    private void changes(ApiCall call) {
        Container c = find(call.param("id"));
        engine.blocking(() -> engine.drivers().storage().containerChanges(c.id())).onSuccess(changes -> {
            if (changes.isEmpty()) {
                call.json(200, null);
                return;
            }
            com.fasterxml.jackson.databind.node.ArrayNode out = JSON.createArrayNode();
            for (io.berth.plugin.storage.Change change : changes) {
                out.addObject().put("Path", change.path()).put("Kind", change.kind().apiValue);
            }
            call.json(200, out);
        }).onFailure(call::fail);
    }

    /** docker export: the container's whole filesystem as a tar. */
    private void export(ApiCall call) {
        Container c = find(call.param("id"));
        Path tar = engine.paths().tmp().resolve("export-" + c.shortId() + "-" + Journal.newCorrelationId() + ".tar");
        engine.blocking(() -> {
            try (java.io.OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tar), 1 << 16)) {
                engine.drivers().storage().exportContainerRootfs(c.id(), out);
            }
            return null;
        }).compose(v -> {
            call.response().putHeader("Content-Type", "application/x-tar");
            return call.response().sendFile(tar.toString());
        }).onComplete(r -> engine.blocking(() -> Files.deleteIfExists(tar))).onFailure(err -> {
            if (!call.response().headWritten()) {
                call.fail(err);
            } else {
                call.response().reset();
            }
        });
    }

    private void list(ApiCall call) {
        call.json(200, ContainerQueries.list(engine.state(), call, now()));
    }

    // ---- lifecycle --------------------------------------------------------------------------------

    private void start(ApiCall call) {
        Container c = find(call.param("id"));
        startContainer(call, c).onSuccess(v -> call.noContent()).onFailure(call::fail);
    }

    private Future<Void> startContainer(ApiCall call, Container c) {
        return lifecycle.start(c.id(), call.caller());
    }

    private void stop(ApiCall call) {
        Container c = find(call.param("id"));
        stopContainer(call, c, call.query("t"), call.query("signal"))
                .onSuccess(v -> call.noContent()).onFailure(call::fail);
    }

    /** Sends the stop signal (the container's StopSignal, else SIGTERM), SIGKILL after the timeout, waits for the exit. */
    private Future<Void> stopContainer(ApiCall call, Container c, String timeoutParam, String signalParam) {
        int timeout = timeoutParam == null || timeoutParam.isEmpty()
                ? c.config().path("StopTimeout").asInt(DEFAULT_STOP_TIMEOUT) : parseInt(timeoutParam, "t");
        int signal = Signals.parse(signalParam == null || signalParam.isEmpty()
                ? c.config().path("StopSignal").asText("") : signalParam, Signals.SIGTERM);
        return killAndWait(call, c, signal, timeout < 0 ? Integer.MAX_VALUE / 1000 : timeout, true);
    }

    private Future<Void> killAndWait(ApiCall call, Container c, int signal, int timeout, boolean stop) {
        return lifecycle.killAndWait(c.id(), signal, timeout, stop, call.caller());
    }

    private void restart(ApiCall call) {
        Container c = find(call.param("id"));
        Future<Void> stopped = c.running()
                ? stopContainer(call, c, call.query("t"), call.query("signal"))
                        .recover(e -> e instanceof ApiException a && a.kind() == ApiException.Kind.NOT_MODIFIED
                                ? Future.succeededFuture() : Future.failedFuture(e))
                : Future.succeededFuture();
        stopped.compose(v -> startContainer(call, find(c.id())))
                .onSuccess(v -> call.noContent()).onFailure(call::fail);
    }

    private void kill(ApiCall call) {
        Container c = find(call.param("id"));
        int signal = Signals.parse(call.query("signal"), Signals.SIGKILL);
        if (signal == Signals.SIGKILL) {
            killAndWait(call, c, signal, -1, false).onSuccess(v -> call.noContent()).onFailure(call::fail);
        } else {
            engine.send(new Command.KillContainer(c.id(), signal, -1, false), call.caller(), Journal.newCorrelationId())
                    .onSuccess(v -> call.noContent()).onFailure(call::fail);
        }
    }

    private void remove(ApiCall call) {
        Container c = find(call.param("id"));
        boolean force = call.bool("force", false);
        if (call.bool("link", false)) {
            throw ApiException.notImplemented("removing a legacy link (docker rm --link) is not implemented");
        }
        lifecycle.remove(c.id(), force, call.caller()).onSuccess(v -> call.noContent()).onFailure(call::fail);
    }

    // ---- wait -------------------------------------------------------------------------------------

    private void waitFor(ApiCall call) {
        Container c = find(call.param("id"));
        String condition = call.query("condition", "not-running");
        if (!List.of("not-running", "next-exit", "removed").contains(condition)) {
            throw ApiException.invalid("invalid condition: \"" + condition + "\"");
        }
        HttpServerResponse response = call.response();
        AtomicInteger lastExit = new AtomicInteger(c.exitCode());
        Future<Event> done = engine.waiters().await(engine.vertx().getOrCreateContext(), (env, ev) -> {
            if (!c.id().equals(ev.aggregateId())) {
                return false;
            }
            if (ev instanceof Event.ContainerExited x) {
                lastExit.set(x.exitCode());
                return !condition.equals("removed");
            }
            if (ev instanceof Event.ContainerStartFailed f) {
                // the start call itself reports the error; the wait only carries the exit code, as moby's
                lastExit.set(f.exitCode());
                return !condition.equals("removed") || !engine.state().container(c.id()).map(x ->
                        x.hostConfig().path("AutoRemove").asBoolean(false)).orElse(false);
            }
            return ev instanceof Event.ContainerRemoved;
        });
        // moby sends the headers at once: the docker CLI starts the container only after it sees them
        response.setChunked(true).setStatusCode(200).putHeader("Content-Type", "application/json");
        response.writeHead();
        Container now = engine.state().container(c.id()).orElse(null);
        if (condition.equals("not-running") && now != null && !now.running() && !now.startPending()) {
            io.berth.daemon.command.EventWaiters.cancel(done);
            endWait(response, now.exitCode(), null);
            return;
        }
        if (condition.equals("removed") && now == null) {
            io.berth.daemon.command.EventWaiters.cancel(done);
            endWait(response, lastExit.get(), null);
            return;
        }
        call.request().connection().closeHandler(v -> io.berth.daemon.command.EventWaiters.cancel(done));
        done.onSuccess(ev -> endWait(response, lastExit.get(), null));
    }

    private static void endWait(HttpServerResponse response, int code, String error) {
        ObjectNode body = JSON.createObjectNode();
        body.put("StatusCode", code);
        if (error == null) {
            body.putNull("Error");
        } else {
            body.putObject("Error").put("Message", error);
        }
        if (!response.ended() && !response.closed()) {
            response.end(body.toString() + "\n");
        }
    }

    // ---- attach -----------------------------------------------------------------------------------

    private void attach(ApiCall call) {
        Container c = find(call.param("id"));
        boolean stream = call.bool("stream", false);
        boolean stdin = call.bool("stdin", false) && c.config().path("OpenStdin").asBoolean(false);
        boolean stdout = call.bool("stdout", false);
        boolean stderr = call.bool("stderr", false);
        if (call.bool("logs", false)) {
            throw new ApiException(ApiException.Kind.NOT_IMPLEMENTED, "not implemented: attach with logs=1");
        }
        if (!stream) {
            throw ApiException.invalid("attach without stream=1 is not supported");
        }
        boolean tty = c.config().path("Tty").asBoolean(false);
        String type = tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream";
        Hijack.take(call, type).onSuccess(client -> {
            AttachSession session = new AttachSession(client, stdin, stdout, stderr, tty);
            Container now = engine.state().container(c.id()).orElse(null);
            if (now == null) {
                client.close();
            } else if (now.running()) {
                engine.attachments().connect(c.id(), session, engine.drivers().isolation().attachSocket(c.id()))
                        .onFailure(e -> client.close());
            } else {
                engine.attachments().addPending(c.id(), session);
            }
        }).onFailure(call::fail);
    }

    private void resize(ApiCall call) {
        Container c = find(call.param("id"));
        int h = call.integer("h", 0);
        int w = call.integer("w", 0);
        if (h < 0 || w < 0 || h > 65535 || w > 65535) {
            throw ApiException.invalid("invalid terminal size");
        }
        if (!c.running()) {
            throw ApiException.conflict("Container " + c.id() + " is not running");
        }
        engine.attachments().resize(c.id(), h, w);
        call.response().setStatusCode(200).end();
    }

    // ---- logs -------------------------------------------------------------------------------------

    private void logs(ApiCall call) {
        Container c = find(call.param("id"));
        boolean stdout = call.bool("stdout", false);
        boolean stderr = call.bool("stderr", false);
        if (!stdout && !stderr) {
            throw ApiException.invalid("Bad parameters: you must choose at least one stream");
        }
        boolean follow = call.bool("follow", false);
        boolean timestamps = call.bool("timestamps", false);
        String tailParam = call.query("tail", "all");
        int tail;
        try {
            tail = tailParam.equals("all") || tailParam.isEmpty() ? -1 : Integer.parseInt(tailParam);
        } catch (NumberFormatException e) {
            tail = -1; // moby treats an unparsable tail as "all"
        }
        long since = Times.parseUnixNanos(call.query("since"), 0);
        long until = Times.parseUnixNanos(call.query("until"), 0);
        boolean tty = c.config().path("Tty").asBoolean(false);
        JsonFileLog.Query query = new JsonFileLog.Query(stdout, stderr, since, until, tail);
        JsonFileLog log = new JsonFileLog(engine.paths().containerLog(c.id()));
        HttpServerResponse response = call.response();
        response.setChunked(true).setStatusCode(200).putHeader("Content-Type",
                tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream");
        new LogStreamer(engine, c.id(), log, query, response, tty, timestamps, follow).start();
    }

    private static int parseInt(String v, String name) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw ApiException.invalid("invalid value for " + name + ": " + v);
        }
    }

    private static long now() {
        return System.currentTimeMillis() * 1_000_000L;
    }

}
