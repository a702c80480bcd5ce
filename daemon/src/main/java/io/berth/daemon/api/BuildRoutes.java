package io.berth.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.daemon.build.BuildContext;
import io.berth.daemon.build.BuildException;
import io.berth.daemon.build.Builder;
import io.berth.daemon.command.Journal;
import io.berth.daemon.state.Image;
import io.berth.daemon.state.ImageReference;
import io.berth.daemon.util.Files2;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /build}: the classic build protocol that the docker CLI (without buildx), docker-py,
 * docker-compose and Testcontainers use. The context arrives as a tar (possibly compressed) and is unpacked
 * as it arrives, on a build thread of the build's own, which then runs the build and streams Docker's JSON
 * messages; the client going away cancels it.
 */
public final class BuildRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(BuildRoutes.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Builds run side by side, each on a thread of its own that it blocks while steps run. */
    private static final ExecutorService BUILDS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "berth-build");
        t.setDaemon(true);
        return t;
    });

    private final Engine engine;

    public BuildRoutes(Engine engine) {
        this.engine = engine;
    }

    public void register(Router r) {
        r.post("/build", this::build);
    }

    private void build(ApiCall call) {
        if (!call.query("remote", "").isEmpty()) {
            throw ApiException.notImplemented("not implemented: building from a remote context (git or URL);"
                    + " send the context as a tar");
        }
        String platform = call.query("platform", "");
        if (!platform.isEmpty() && !platform.equals("linux/amd64") && !platform.equals("linux")) {
            throw ApiException.notImplemented("not implemented: building for platform " + platform
                    + " (berth runs linux/amd64)");
        }
        List<String> tags = new ArrayList<>();
        for (String t : call.request().params().getAll("t")) {
            if (t.isEmpty()) {
                continue;
            }
            String[] repoTag = ImageReference.split(ImageReference.normalize(t));
            String error = ImageReference.validate(repoTag[0], repoTag[1]);
            if (error != null) {
                throw ApiException.invalid(error);
            }
            tags.add(t);
        }
        Builder.Request request = new Builder.Request(call.query("dockerfile", "Dockerfile").isEmpty() ? "Dockerfile"
                : call.query("dockerfile", "Dockerfile"), tags, jsonMap(call, "buildargs"), jsonMap(call, "labels"),
                call.bool("nocache", false), call.bool("rm", true), call.bool("forcerm", false), call.bool("pull", false),
                call.query("target", ""), networkMode(call.query("networkmode", "")), extraHosts(call),
                longParam(call, "memory"), longParam(call, "shmsize"),
                RegistryAuth.fromConfigHeader(call.request().getHeader("X-Registry-Config")));
        boolean quiet = call.bool("q", false);

        String id = Journal.newCorrelationId();
        Path contextDir = engine.paths().tmp().resolve("build-" + id + ".context");
        Path work = engine.paths().tmp().resolve("build-" + id + ".work");
        // the request's own context: the build thread answers and streams through it
        io.vertx.core.Context requestContext = engine.vertx().getOrCreateContext();
        RequestBodyStream body = new RequestBodyStream(call.request(), requestContext);
        BUILDS.execute(() -> runBuild(call, requestContext, request, quiet, body, contextDir, work));
    }

    /**
     * On a build thread: unpacks the context and checks the Dockerfile (a failure there is an HTTP error,
     * as dockerd answers it), then streams the build.
     */
    private void runBuild(ApiCall call, io.vertx.core.Context vertxContext, Builder.Request request, boolean quiet,
                          RequestBodyStream body, Path contextDir, Path work) {
        BuildContext context = null;
        Builder builder = null;
        JsonMessages messages = null;
        try {
            try {
                context = BuildContext.unpack(body, contextDir);
            } finally {
                // what follows the archive (padding) or a context refused midway: read and dropped, so the
                // client, still sending, gets the answer
                body.discardRest();
                body.ended().toCompletionStage().toCompletableFuture().get();
            }
            Files.createDirectories(work);
            QuietOutput output = new QuietOutput(quiet);
            builder = new Builder(engine, ImageRoutes.DOWNLOADS, request, context, output, call.caller(), work);
            try {
                builder.prepare();
            } catch (BuildException e) {
                vertxContext.runOnContext(x -> call.fail(ApiException.invalid(e.getMessage())));
                return;
            }
            messages = new JsonMessages(vertxContext, call.response());
            output.to(messages);
            Builder running = builder;
            vertxContext.runOnContext(x -> call.response().closeHandler(closed -> running.cancel()));
            try {
                Image image = builder.build();
                List<String> tagged = builder.tag(image);
                messages.imageId(image.id());
                if (quiet) {
                    messages.stream(image.id() + "\n");
                } else {
                    messages.stream("Successfully built " + io.berth.daemon.registry.Digests.shortId(image.id()) + "\n");
                    for (String t : tagged) {
                        messages.stream("Successfully tagged " + t + "\n");
                    }
                }
            } catch (BuildException e) {
                output.replay();
                messages.error(e.getMessage(), e.code());
            }
        } catch (BuildException e) {
            vertxContext.runOnContext(x -> call.fail(ApiException.invalid(e.getMessage())));
        } catch (Exception e) {
            LOG.error("build failed", e);
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            if (messages == null) {
                vertxContext.runOnContext(x -> call.fail(e));
            } else {
                messages.error(message, 1);
            }
        } finally {
            if (builder != null) {
                builder.cleanUp();
            }
            try {
                if (context != null) {
                    context.close();
                }
                Files2.deleteTree(contextDir);
            } catch (Exception e) {
                LOG.warn("removing build context {}", contextDir, e);
            }
            if (messages != null) {
                messages.end();
            }
        }
    }

    /** A JSON object parameter (buildargs, labels); values may be null (a build arg named but unset). */
    private static Map<String, String> jsonMap(ApiCall call, String name) {
        String value = call.query(name, "");
        Map<String, String> out = new LinkedHashMap<>();
        if (value.isEmpty()) {
            return out;
        }
        JsonNode node;
        try {
            node = JSON.readTree(value);
        } catch (java.io.IOException e) {
            throw ApiException.invalid("invalid " + name + " parameter: " + e.getMessage());
        }
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw ApiException.invalid("invalid " + name + " parameter: not a JSON object");
        }
        node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText()));
        return out;
    }

    /** The CLI's default network is "default": the daemon's default network. */
    private static String networkMode(String mode) {
        return mode.equals("default") ? "" : mode;
    }

    private static List<String> extraHosts(ApiCall call) {
        List<String> hosts = new ArrayList<>();
        for (String v : call.request().params().getAll("extrahosts")) {
            for (String h : v.split(",")) {
                if (!h.isBlank()) {
                    hosts.add(h.trim());
                }
            }
        }
        return hosts;
    }

    private static long longParam(ApiCall call, String name) {
        String v = call.query(name, "");
        if (v.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ApiException.invalid("invalid value for " + name + ": " + v);
        }
    }

    /**
     * {@code q=1}: the build's text is held back; the client sees only the id, or, when the build fails,
     * everything held back before the error (what the legacy builder shows in quiet mode).
     */
    private static final class QuietOutput implements io.berth.daemon.build.BuildOutput {
        private final boolean quiet;
        private final StringBuilder held = new StringBuilder();
        private JsonMessages messages;

        QuietOutput(boolean quiet) {
            this.quiet = quiet;
        }

        /** Where output goes once the stream has started (nothing is written before the build's first step). */
        void to(JsonMessages stream) {
            this.messages = stream;
        }

        @Override
        public void stream(String text) {
            if (quiet) {
                held.append(text);
            } else {
                messages.stream(text);
            }
        }

        @Override
        public void imageId(String id) {
            messages.imageId(id);
        }

        @Override
        public void status(String status) {
            if (!quiet) {
                messages.status(status);
            }
        }

        @Override
        public void status(String id, String status) {
            if (!quiet) {
                messages.status(id, status);
            }
        }

        @Override
        public void progress(String id, String status, long current, long total) {
            if (!quiet) {
                messages.progress(id, status, current, total);
            }
        }

        /** A failed quiet build shows what it held back, then the error. */
        void replay() {
            if (held.length() > 0) {
                messages.stream(held.toString());
                held.setLength(0);
            }
        }
    }
}
