package io.berth.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.command.Command;
import io.berth.daemon.command.Journal;
import io.berth.daemon.image.ImageArchiveWriter;
import io.berth.daemon.image.ImageCommitter;
import io.berth.daemon.image.ImageImporter;
import io.berth.daemon.image.ImageLoader;
import io.berth.daemon.state.EngineState;
import io.berth.daemon.state.Image;
import io.berth.daemon.state.ImageReference;
import io.vertx.core.Future;
import io.vertx.core.file.OpenOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** /images/...: list, inspect, history, import, pull, push, save, load, commit, tag, remove, prune; /auth. */
public final class ImageRoutes {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Engine engine;
    private final ImageImporter importer;

    public ImageRoutes(Engine engine) {
        this.engine = engine;
        this.importer = new ImageImporter(engine.drivers().storage(), engine.images());
    }

    public void register(Router r) {
        r.get("/images/json", this::list);
        r.post("/images/create", this::create);
        r.get("/images/{name*}/json", this::inspect);
        r.get("/images/{name*}/history", this::history);
        r.get("/images/get", call -> save(call, call.request().params().getAll("names")));
        r.get("/images/{name*}/get", call -> save(call, List.of(call.param("name"))));
        r.post("/images/load", this::load);
        r.post("/images/prune", this::prune);
        r.post("/commit", this::commit);
        r.post("/images/{name*}/push", this::push);
        r.post("/auth", this::login);
        r.post("/images/{name*}/tag", this::tag);
        r.delete("/images/{name*}", this::remove);
    }

    private Image find(String nameOrId) {
        try {
            return engine.state().findImage(nameOrId).orElseThrow(() -> ApiException.noSuchImage(nameOrId));
        } catch (EngineState.AmbiguousException e) {
            throw ApiException.invalid(e.getMessage());
        }
    }

    private void list(ApiCall call) {
        Filters filters = call.filters();
        filters.allow("dangling", "reference", "label", "before", "since", "until");
        boolean all = call.bool("all", false);
        java.util.Set<String> parents = new java.util.HashSet<>();
        engine.state().images().forEach(i -> parents.add(i.parent()));
        List<Image> images = new ArrayList<>(engine.state().images());
        images.sort((a, b) -> Long.compare(b.createdNanos(), a.createdNanos()));
        ArrayNode out = JSON.createArrayNode();
        for (Image image : images) {
            boolean intermediate = image.tags().isEmpty() && parents.contains(image.id());
            if (intermediate && !all) {
                continue; // a build's intermediate image: shown with -a only, as dockerd does
            }
            boolean dangling = image.tags().isEmpty() && !intermediate;
            if (filters.has("dangling")) {
                boolean want = Boolean.parseBoolean(filters.get("dangling").get(0)) || "1".equals(filters.get("dangling").get(0));
                if (want != dangling) {
                    continue;
                }
            }
            if (filters.has("reference") && image.tags().stream().noneMatch(t -> filters.get("reference").stream()
                    .anyMatch(p -> glob(p, t) || glob(p, ImageReference.split(t)[0])))) {
                continue;
            }
            if (filters.has("label")) {
                java.util.Map<String, String> labels = new java.util.HashMap<>();
                image.runConfig().path("Labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
                if (!filters.matchLabels(labels)) {
                    continue;
                }
            }
            ObjectNode summary = DockerViews.imageSummary(image, engine.state().containersUsing(image.id()).size(),
                    engine.state().repoDigests(image.id()));
            if (filters.has("reference")) {
                // only the tags the filter matched, as dockerd lists them
                ArrayNode matched = JSON.createArrayNode();
                summary.path("RepoTags").forEach(t -> {
                    if (filters.get("reference").stream().anyMatch(p -> glob(p, t.asText())
                            || glob(p, ImageReference.split(t.asText())[0]))) {
                        matched.add(t);
                    }
                });
                summary.set("RepoTags", matched);
            }
            out.add(summary);
        }
        call.json(200, out);
    }

    /** Docker's reference filter: shell-style patterns where * does not cross a slash. */
    private static boolean glob(String pattern, String value) {
        String regex = pattern.replace(".", "\\.").replace("?", "[^/]").replace("*", "[^/]*");
        return value.matches(regex);
    }

    private void inspect(ApiCall call) {
        Image image = find(call.param("name"));
        call.json(200, DockerViews.imageInspect(image, engine.state().repoDigests(image.id())));
    }

    private void tag(ApiCall call) {
        Image image = find(call.param("name"));
        String[] repoTag = repoAndTag(call.query("repo", ""), call.query("tag", ""));
        String error = ImageReference.validate(repoTag[0], repoTag[1]);
        if (error != null) {
            throw ApiException.invalid(error);
        }
        String reference = ImageReference.normalize(repoTag[0] + ":" + (repoTag[1].isEmpty() ? "latest" : repoTag[1]));
        engine.send(new Command.TagImage(image.id(), reference), call.caller(), Journal.newCorrelationId())
                .onSuccess(r -> call.response().setStatusCode(201).end())
                .onFailure(call::fail);
    }

    private void remove(ApiCall call) {
        String name = call.param("name");
        find(name);
        engine.send(new Command.RemoveImage(name, call.bool("force", false), call.bool("noprune", false)),
                        call.caller(), Journal.newCorrelationId())
                .onSuccess(r -> call.json(200, r.value() == null ? List.of() : r.value()))
                .onFailure(call::fail);
    }

    /** "busybox:1" with an empty tag, or "busybox" with tag "1" → {"busybox", "1"}. */
    static String[] repoAndTag(String repo, String tag) {
        if (tag.isEmpty()) {
            int slash = repo.lastIndexOf('/');
            int colon = repo.lastIndexOf(':');
            if (colon > slash && !repo.contains("@")) {
                return new String[] {repo.substring(0, colon), repo.substring(colon + 1)};
            }
        }
        return new String[] {repo, tag};
    }

    // ---- POST /images/create: import (pull is a later issue) --------------------------------------

    private void create(ApiCall call) {
        String fromSrc = call.query("fromSrc");
        if (fromSrc == null || fromSrc.isEmpty()) {
            pull(call);
            return;
        }
        if (!fromSrc.equals("-")) {
            throw new ApiException(ApiException.Kind.NOT_IMPLEMENTED,
                    "not implemented: importing from a URL; send the archive in the request body (fromSrc=-)");
        }
        String[] repoTag = repoAndTag(call.query("repo", ""), call.query("tag", ""));
        String tag = null;
        if (!repoTag[0].isEmpty()) {
            String error = ImageReference.validate(repoTag[0], repoTag[1]);
            if (error != null) {
                throw ApiException.invalid(error);
            }
            tag = ImageReference.normalize(repoTag[0] + ":" + (repoTag[1].isEmpty() ? "latest" : repoTag[1]));
        }
        List<String> changes = call.request().params().getAll("changes");
        String message = call.query("message", "");
        String finalTag = tag;
        Path upload = engine.paths().tmp().resolve("import-" + Journal.newCorrelationId());
        receiveBody(call, upload)
                .compose(v -> engine.blocking(() -> {
                    try {
                        return importer.importArchive(upload, finalTag, changes, message, System.currentTimeMillis() * 1_000_000L);
                    } finally {
                        Files.deleteIfExists(upload);
                    }
                }))
                .compose(cmd -> {
                    io.berth.daemon.util.CrashPoints.hit("image.files-written", "RegisterImage");
                    return engine.send(cmd, call.caller(), Journal.newCorrelationId()).map(r -> cmd.imageId());
                })
                .onSuccess(id -> {
                    ObjectNode status = JSON.createObjectNode().put("status", id);
                    call.response().setStatusCode(200).putHeader("Content-Type", "application/json")
                            .end(status.toString() + "\r\n");
                })
                .onFailure(err -> {
                    engine.blocking(() -> Files.deleteIfExists(upload));
                    call.fail(err);
                });
    }


    /** Streams the request body (an archive) into {@code file}, a new file in the data root's tmp, without blocking. */
    private Future<Void> receiveBody(ApiCall call, Path file) {
        call.request().pause();
        return engine.vertx().fileSystem().open(file.toString(), new OpenOptions().setCreateNew(true).setWrite(true))
                .compose(out -> {
                    call.request().resume();
                    return call.request().pipeTo(out);
                });
    }

    // ---- GET /images/{name}/history ---------------------------------------------------------------

    private void history(ApiCall call) {
        call.json(200, DockerViews.imageHistory(find(call.param("name")), engine.state()));
    }

    // ---- GET /images/get?names=...: docker save ----------------------------------------------------

    private void save(ApiCall call, List<String> names) {
        if (names.isEmpty()) {
            throw ApiException.invalid("no images named");
        }
        List<ImageArchiveWriter.Entry> entries = new ArrayList<>();
        for (String name : names) {
            List<ImageArchiveWriter.Entry> repository = wholeRepository(name);
            if (!repository.isEmpty()) {
                entries.addAll(repository);
                continue;
            }
            Image image = find(name);
            entries.add(new ImageArchiveWriter.Entry(image, savedReferences(name, image)));
        }
        Path archive = engine.paths().tmp().resolve("save-" + Journal.newCorrelationId() + ".tar");
        engine.blocking(() -> {
            try (java.io.OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(archive), 1 << 16)) {
                new ImageArchiveWriter(engine.state(), engine.drivers().storage(), engine.images(), engine.paths().tmp())
                        .write(entries, out);
            }
            return null;
        }).compose(v -> {
            call.response().putHeader("Content-Type", "application/x-tar");
            return call.response().sendFile(archive.toString());
        }).onComplete(r -> engine.blocking(() -> Files.deleteIfExists(archive)))
                .onFailure(err -> {
                    if (!call.response().headWritten()) {
                        call.fail(err);
                    } else {
                        call.response().reset();
                    }
                });
    }

    /**
     * A bare repository name ("busybox", no tag, digest or id) saves every tag of that repository, across
     * images, as dockerd does; empty when the name is not one or no tag is in it.
     */
    private List<ImageArchiveWriter.Entry> wholeRepository(String name) {
        if (name.contains("@") || name.lastIndexOf(':') > name.lastIndexOf('/')) {
            return List.of();
        }
        String repo = ImageReference.split(ImageReference.normalize(name))[0];
        List<ImageArchiveWriter.Entry> out = new ArrayList<>();
        for (Image image : engine.state().images()) {
            List<String> tags = image.tags().stream().filter(t -> ImageReference.split(t)[0].equals(repo)).sorted().toList();
            if (!tags.isEmpty()) {
                out.add(new ImageArchiveWriter.Entry(image, tags));
            }
        }
        out.sort(java.util.Comparator.comparing(e -> e.references().get(0)));
        return out;
    }

    /** The references an image is saved under when named by tag (that tag) or id (none). */
    static List<String> savedReferences(String name, Image image) {
        String normalized = ImageReference.normalize(name);
        return image.tags().contains(normalized) ? List.of(normalized) : List.of();
    }

    // ---- POST /images/load: docker load -----------------------------------------------------------

    /**
     * The body is read as it arrives, on a worker thread: layers are unpacked (staged) while the rest of
     * the archive is still coming, and nothing is registered before the whole archive has been read and
     * every digest checked. The answer waits for the end of the body, read or dropped.
     */
    private void load(ApiCall call) {
        Path work = engine.paths().tmp().resolve("load-" + Journal.newCorrelationId() + ".d");
        ImageLoader loader = new ImageLoader(engine.state(), engine.drivers().storage(), engine.images());
        RequestBodyStream body = new RequestBodyStream(call.request(), engine.vertx().getOrCreateContext());
        engine.blocking(() -> {
                    Files.createDirectories(work);
                    return loader.load(body, work, System.currentTimeMillis() * 1_000_000L);
                })
                .transform(r -> {
                    body.discardRest();
                    Future<List<ImageLoader.Loaded>> outcome = r.succeeded() ? Future.succeededFuture(r.result())
                            : Future.failedFuture(r.cause());
                    return body.ended().transform(end -> outcome);
                })
                .compose(loaded -> {
                    io.berth.daemon.util.CrashPoints.hit("image.files-written", "RegisterImage");
                    Future<Void> chain = Future.succeededFuture();
                    for (ImageLoader.Loaded l : loaded) {
                        chain = chain.compose(v -> engine.send(l.command(), call.caller(), Journal.newCorrelationId())
                                .mapEmpty());
                    }
                    return chain.map(v -> loaded);
                })
                .onComplete(r -> engine.blocking(() -> {
                    io.berth.daemon.util.Files2.deleteTree(work);
                    return null;
                }))
                .onSuccess(loaded -> {
                    StringBuilder out = new StringBuilder();
                    for (ImageLoader.Loaded l : loaded) {
                        for (String m : l.messages()) {
                            out.append(JSON.createObjectNode().put("stream", m + "\n")).append("\r\n");
                        }
                    }
                    call.response().setStatusCode(200).putHeader("Content-Type", "application/json").end(out.toString());
                })
                .onFailure(call::fail);
    }

    // ---- POST /images/prune: docker image prune [-a] [--filter until=|label=] -----------------------

    private void prune(ApiCall call) {
        Filters filters = call.filters();
        filters.allow("dangling", "label", "label!", "until");
        boolean danglingOnly = !filters.has("dangling")
                || filters.get("dangling").stream().anyMatch(v -> v.equals("true") || v.equals("1"));
        long untilNanos = filters.has("until") ? Times.filterTime(filters.get("until").get(0), System.currentTimeMillis() * 1_000_000L)
                : Long.MAX_VALUE;
        List<String> candidates = new ArrayList<>();
        for (Image image : engine.state().images()) {
            java.util.Map<String, String> labels = new java.util.HashMap<>();
            image.runConfig().path("Labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            if ((danglingOnly && !image.tags().isEmpty()) || image.createdNanos() >= untilNanos
                    || !filters.matchLabels(labels)) {
                continue;
            }
            candidates.add(image.id());
        }
        java.util.Map<String, Long> layerSizes = new java.util.HashMap<>();
        engine.state().layers().forEach(l -> layerSizes.put(l.chainId(), l.size()));
        java.util.Map<String, List<String>> candidateLayers = new java.util.HashMap<>();
        candidates.forEach(id -> candidateLayers.put(id, engine.state().image(id).map(Image::layers).orElse(List.of())));
        engine.send(new Command.PruneImages(candidates), call.caller(), Journal.newCorrelationId())
                .onSuccess(r -> {
                    ObjectNode out = JSON.createObjectNode();
                    if (r.value() instanceof List<?> items && !items.isEmpty()) {
                        ArrayNode deleted = out.putArray("ImagesDeleted");
                        items.forEach(item -> deleted.add(JSON.valueToTree(item)));
                    } else {
                        out.putNull("ImagesDeleted");
                    }
                    // reclaimed: the layers of deleted images that no remaining image uses
                    java.util.Set<String> stillUsed = new java.util.HashSet<>();
                    engine.state().images().forEach(i -> stillUsed.addAll(i.layers()));
                    java.util.Set<String> freed = new java.util.HashSet<>();
                    candidateLayers.forEach((id, layers) -> {
                        if (engine.state().image(id).isEmpty()) {
                            layers.stream().filter(l -> !stillUsed.contains(l)).forEach(freed::add);
                        }
                    });
                    long reclaimed = freed.stream().mapToLong(l -> layerSizes.getOrDefault(l, 0L)).sum();
                    out.put("SpaceReclaimed", reclaimed);
                    call.json(200, out);
                })
                .onFailure(call::fail);
    }

    // ---- POST /commit: docker commit --------------------------------------------------------------

    private void commit(ApiCall call) {
        String containerName = call.query("container", "");
        io.berth.daemon.state.Container c;
        try {
            c = engine.state().findContainer(containerName)
                    .orElseThrow(() -> ApiException.noSuchContainer(containerName));
        } catch (EngineState.AmbiguousException e) {
            throw ApiException.invalid(e.getMessage());
        }
        Image image = engine.state().image(c.imageId()).orElseThrow(() -> ApiException.conflict(
                "the image of container " + c.shortId() + " was deleted; it cannot be committed"));
        List<String> tags = new ArrayList<>();
        String repo = call.query("repo", "");
        if (!repo.isEmpty()) {
            String[] repoTag = repoAndTag(repo, call.query("tag", ""));
            String error = ImageReference.validate(repoTag[0], repoTag[1]);
            if (error != null) {
                throw ApiException.invalid(error);
            }
            tags.add(ImageReference.normalize(repoTag[0] + ":" + (repoTag[1].isEmpty() ? "latest" : repoTag[1])));
        }
        boolean pause = call.bool("pause", true) && c.running();
        List<String> changes = call.request().params().getAll("changes");
        String comment = call.query("comment", "");
        String author = call.query("author", "");
        JsonNode imageConfig = image.runConfig();
        String createdBy = String.join(" ", io.berth.daemon.runtime.ContainerSpecs.command(c.config(), imageConfig));
        ImageCommitter committer = new ImageCommitter(engine.state(), engine.drivers().storage(), engine.images(),
                engine.paths().tmp());
        call.jsonBody().compose(body -> {
            ObjectNode runConfig = DockerViews.containerConfig(c, imageConfig);
            if (body instanceof ObjectNode overrides) {
                CreateBodyTypes.check(overrides);
                overrides.fields().forEachRemaining(e -> {
                    if (!e.getValue().isNull()) {
                        runConfig.set(e.getKey(), e.getValue());
                    }
                });
            }
            ImageCommitter.Request request = new ImageCommitter.Request(c.id(), image, runConfig, changes, comment,
                    author, createdBy, tags);
            return engine.blocking(() -> {
                if (pause) {
                    engine.drivers().isolation().freeze(c.id(), true);
                }
                try {
                    return committer.commit(request, System.currentTimeMillis() * 1_000_000L);
                } finally {
                    if (pause) {
                        engine.drivers().isolation().freeze(c.id(), false);
                    }
                }
            });
        }).compose(cmd -> {
            io.berth.daemon.util.CrashPoints.hit("image.files-written", "RegisterImage");
            return engine.send(cmd, call.caller(), Journal.newCorrelationId()).map(r -> cmd.imageId());
        })
                .onSuccess(id -> call.json(201, JSON.createObjectNode().put("Id", id)))
                .onFailure(call::fail);
    }

    // ---- POST /images/create?fromImage=: docker pull ----------------------------------------------

    /** At most this many layers move at once (download, or compress and upload), across pulls and pushes. */
    static final java.util.concurrent.ExecutorService DOWNLOADS = java.util.concurrent.Executors.newFixedThreadPool(3, r -> {
        Thread t = new Thread(r, "berth-download");
        t.setDaemon(true);
        return t;
    });

    private void pull(ApiCall call) {
        String fromImage = call.query("fromImage", "");
        if (fromImage.isEmpty()) {
            throw ApiException.invalid("fromImage or fromSrc is required");
        }
        String tag = call.query("tag", "");
        String text = tag.isEmpty() ? fromImage : fromImage + (tag.contains(":") ? "@" : ":") + tag;
        io.berth.daemon.registry.Reference ref;
        try {
            ref = engine.registry().resolve(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(e.getMessage());
        }
        io.berth.daemon.registry.Credentials credentials = RegistryAuth.fromHeader(call.request().getHeader("X-Registry-Auth"));
        String platform = call.query("platform", "");
        if (!platform.isEmpty() && !platform.equals("linux/amd64") && !platform.equals("linux")) {
            throw ApiException.notImplemented("not implemented: pulling for platform " + platform + " (berth runs linux/amd64)");
        }
        io.berth.daemon.image.ImagePuller puller = new io.berth.daemon.image.ImagePuller(engine.state(),
                engine.drivers().storage(), engine.images(), engine.registry(), DOWNLOADS, engine.paths().tmp());
        JsonMessages out = new JsonMessages(engine.vertx().getOrCreateContext(), call.response());
        io.berth.daemon.registry.Reference pulledRef = ref;
        engine.blocking(() -> puller.pull(pulledRef, credentials, out, System.currentTimeMillis() * 1_000_000L))
                .compose(pulled -> {
                    Future<Void> chain = pulled.register() == null ? Future.succeededFuture()
                            : engine.send(pulled.register(), call.caller(), Journal.newCorrelationId()).mapEmpty();
                    for (Command record : pulled.records()) {
                        chain = chain.compose(v -> engine.send(record, call.caller(), Journal.newCorrelationId()).mapEmpty());
                    }
                    return chain.map(v -> pulled);
                })
                .onSuccess(pulled -> {
                    out.status("Digest: " + pulled.repoDigest());
                    String familiar = ImageReference.normalize(pulledRef.toString());
                    out.status("Status: " + (pulled.upToDate() ? "Image is up to date for " : "Downloaded newer image for ")
                            + familiar);
                    out.end();
                })
                .onFailure(err -> {
                    out.error(err.getMessage() == null ? err.toString() : err.getMessage());
                    out.end();
                });
    }

    // ---- POST /images/{name}/push: docker push ----------------------------------------------------

    private void push(ApiCall call) {
        String name = call.param("name");
        String tag = call.query("tag", "");
        String repo = ImageReference.split(ImageReference.normalize(name))[0];
        List<String> tags = new ArrayList<>();
        if (!tag.isEmpty()) {
            tags.add(tag);
        } else {
            for (Image image : engine.state().images()) {
                image.tags().stream().filter(t -> ImageReference.split(t)[0].equals(repo))
                        .forEach(t -> tags.add(ImageReference.split(t)[1]));
            }
            tags.sort(null);
        }
        List<Image> images = new ArrayList<>();
        for (String t : tags) {
            images.add(engine.state().imageByReference(ImageReference.normalize(repo + ":" + t)).orElseThrow(() ->
                    ApiException.notFound("An image does not exist locally with the tag: " + repo)));
        }
        if (images.isEmpty()) {
            throw ApiException.notFound("An image does not exist locally with the tag: " + repo);
        }
        io.berth.daemon.registry.Reference base;
        try {
            base = engine.registry().resolve(repo);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(e.getMessage());
        }
        io.berth.daemon.registry.Credentials credentials = RegistryAuth.fromHeader(call.request().getHeader("X-Registry-Auth"));
        io.berth.daemon.image.ImagePusher pusher = new io.berth.daemon.image.ImagePusher(engine.state(),
                engine.drivers().storage(), engine.images(), engine.registry(), DOWNLOADS, engine.paths().tmp());
        JsonMessages out = new JsonMessages(engine.vertx().getOrCreateContext(), call.response());
        out.status("The push refers to repository [" + base.name() + "]");
        Future<Void> chain = Future.succeededFuture();
        for (int i = 0; i < tags.size(); i++) {
            Image image = images.get(i);
            io.berth.daemon.registry.Reference ref = base.withReference(tags.get(i));
            chain = chain.compose(v -> engine.blocking(() -> pusher.push(image, ref, credentials, out)))
                    .compose(pushed -> {
                        ObjectNode aux = JSON.createObjectNode().put("Tag", pushed.tag()).put("Digest", pushed.digest())
                                .put("Size", pushed.size());
                        out.aux(aux);
                        Future<Void> records = Future.succeededFuture();
                        for (Command record : pushed.records()) {
                            records = records.compose(x -> engine.send(record, call.caller(), Journal.newCorrelationId()).mapEmpty());
                        }
                        return records;
                    });
        }
        chain.onSuccess(v -> out.end()).onFailure(err -> {
            out.error(err.getMessage() == null ? err.toString() : err.getMessage());
            out.end();
        });
    }

    // ---- POST /auth: docker login -----------------------------------------------------------------

    private void login(ApiCall call) {
        call.jsonBody().compose(body -> {
            io.berth.daemon.registry.Credentials credentials = RegistryAuth.fromJson(body);
            String registry = RegistryAuth.registry(body.path("serveraddress").asText(""));
            return engine.blocking(() -> {
                try {
                    engine.registry().login(registry, credentials);
                } catch (io.berth.daemon.registry.RegistryException e) {
                    throw new ApiException(e.kind() == io.berth.daemon.registry.RegistryException.Kind.UNAUTHORIZED
                            || e.kind() == io.berth.daemon.registry.RegistryException.Kind.DENIED
                            ? ApiException.Kind.UNAUTHORIZED : ApiException.Kind.INTERNAL, e.getMessage());
                }
                return null;
            });
        }).onSuccess(v -> call.json(200, JSON.createObjectNode().put("Status", "Login Succeeded").put("IdentityToken", "")))
                .onFailure(call::fail);
    }
}
