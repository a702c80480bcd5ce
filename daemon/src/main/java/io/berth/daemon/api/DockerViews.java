package io.berth.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.DaemonPaths;
import io.berth.daemon.runtime.ContainerSpecs;
import io.berth.daemon.state.Container;
import io.berth.daemon.state.EngineState;
import io.berth.daemon.state.Image;
import io.berth.daemon.state.ImageReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON shapes Docker answers with, built from berth's state: container inspect and list entries,
 * image inspect and list entries. One place, so every route answers alike.
 */
public final class DockerViews {

    private static final ObjectMapper JSON = new ObjectMapper();

    private DockerViews() {}

    public static String stateWord(Container c) {
        return switch (c.status()) {
            case "running", "created", "exited", "removing", "dead", "paused", "restarting" -> c.status();
            default -> "dead";
        };
    }

    /** "Up 2 minutes", "Exited (3) 5 seconds ago", "Created". */
    public static String statusText(Container c, long nowNanos) {
        return switch (c.status()) {
            case "running" -> "Up " + Times.human(Duration.ofNanos(Math.max(0, nowNanos - c.startedAtNanos())));
            case "exited" -> c.finishedAtNanos() == 0 ? "Exited (" + c.exitCode() + ")"
                    : "Exited (" + c.exitCode() + ") " + Times.human(Duration.ofNanos(Math.max(0,
                    nowNanos - c.finishedAtNanos()))) + " ago";
            case "created" -> "Created";
            case "removing" -> "Removal In Progress";
            default -> c.status();
        };
    }

    public static ObjectNode containerInspect(Container c, JsonNode imageConfig, EngineState engine, DaemonPaths paths, long nowNanos) {
        ObjectNode o = JSON.createObjectNode();
        o.put("Id", c.id());
        o.put("Created", Times.rfc3339(c.createdNanos()));
        List<String> command = ContainerSpecs.command(c.config(), imageConfig);
        o.put("Path", command.isEmpty() ? "" : command.get(0));
        ArrayNode args = o.putArray("Args");
        command.stream().skip(1).forEach(args::add);
        ObjectNode state = o.putObject("State");
        state.put("Status", stateWord(c));
        state.put("Running", c.running());
        state.put("Paused", false);
        state.put("Restarting", false);
        state.put("OOMKilled", c.oomKilled());
        state.put("Dead", false);
        state.put("Pid", c.running() ? c.pid() : 0);
        state.put("ExitCode", c.exitCode());
        state.put("Error", c.error());
        state.put("StartedAt", Times.rfc3339(c.startedAtNanos()));
        state.put("FinishedAt", Times.rfc3339(c.finishedAtNanos()));
        o.put("Image", c.imageId());
        o.put("ResolvConfPath", paths.container(c.id()).resolve("resolv.conf").toString());
        o.put("HostnamePath", paths.container(c.id()).resolve("hostname").toString());
        o.put("HostsPath", paths.container(c.id()).resolve("hosts").toString());
        o.put("LogPath", paths.containerLog(c.id()).toString());
        o.put("Name", "/" + c.name());
        o.put("RestartCount", c.restartCount());
        o.put("Driver", c.storageDriver());
        o.put("Platform", "linux");
        o.put("MountLabel", "");
        o.put("ProcessLabel", "");
        o.put("AppArmorProfile", "");
        o.putNull("ExecIDs");
        ObjectNode host = c.hostConfig().deepCopy();
        if (!host.has("NetworkMode") || host.path("NetworkMode").asText("").isEmpty()) {
            host.put("NetworkMode", "default");
        }
        if (host.path("LogConfig").path("Type").asText("").isEmpty()) {
            // Docker fills in the daemon's driver; docker-py's containers.run() reads it to pick logs or not
            ObjectNode logConfig = host.putObject("LogConfig");
            logConfig.put("Type", "json-file");
            logConfig.putObject("Config");
        }
        o.set("HostConfig", host);
        ObjectNode driver = o.putObject("GraphDriver");
        driver.put("Name", c.storageDriver());
        driver.putObject("Data");
        o.putArray("Mounts");
        o.set("Config", containerConfig(c, imageConfig));
        o.set("NetworkSettings", NetworkViews.settings(c, engine));
        return o;
    }

    /** The container's Config as Docker reports it: the create request merged with the image's defaults. */
    static ObjectNode containerConfig(Container c, JsonNode imageConfig) {
        ObjectNode cfg = c.config().deepCopy();
        cfg.put("Hostname", ContainerSpecs.hostname(c));
        cfg.put("Image", c.image());
        ArrayNode env = cfg.putArray("Env");
        ContainerSpecs.environment(c.config(), imageConfig, ContainerSpecs.hostname(c), c.config().path("Tty").asBoolean())
                .stream().filter(e -> !e.startsWith("HOSTNAME=")).forEach(env::add);
        if (!cfg.hasNonNull("Cmd") && imageConfig.hasNonNull("Cmd") && !c.config().hasNonNull("Entrypoint")) {
            cfg.set("Cmd", imageConfig.get("Cmd"));
        }
        if (!cfg.hasNonNull("Entrypoint") && imageConfig.hasNonNull("Entrypoint")) {
            cfg.set("Entrypoint", imageConfig.get("Entrypoint"));
        }
        if (cfg.path("WorkingDir").asText("").isEmpty()) {
            cfg.put("WorkingDir", imageConfig.path("WorkingDir").asText(""));
        }
        if (!cfg.has("Labels") || cfg.get("Labels").isNull()) {
            cfg.putObject("Labels");
        }
        return cfg;
    }

    public static ObjectNode containerSummary(Container c, JsonNode imageConfig, EngineState state, long nowNanos) {
        ObjectNode o = JSON.createObjectNode();
        o.put("Id", c.id());
        o.putArray("Names").add("/" + c.name());
        o.put("Image", c.image());
        o.put("ImageID", c.imageId());
        List<String> command = ContainerSpecs.command(c.config(), imageConfig);
        o.put("Command", String.join(" ", command));
        o.put("Created", c.createdNanos() / 1_000_000_000L);
        o.set("Ports", NetworkViews.summaryPorts(c, state));
        o.set("Labels", labels(c).isEmpty() ? JSON.createObjectNode() : JSON.valueToTree(labels(c)));
        o.put("State", stateWord(c));
        o.put("Status", statusText(c, nowNanos));
        String mode = c.hostConfig().path("NetworkMode").asText("");
        o.putObject("HostConfig").put("NetworkMode", mode.isEmpty() ? "default" : mode);
        o.putObject("NetworkSettings").set("Networks", NetworkViews.summaryNetworks(c, state));
        o.putArray("Mounts");
        return o;
    }

    public static Map<String, String> labels(Container c) {
        Map<String, String> labels = new LinkedHashMap<>();
        JsonNode node = c.config().path("Labels");
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            labels.put(e.getKey(), e.getValue().asText());
        }
        return labels;
    }

    public static ObjectNode imageSummary(Image image, int containers, List<String> repoDigests) {
        ObjectNode o = JSON.createObjectNode();
        o.put("Containers", containers);
        o.put("Created", image.createdNanos() / 1_000_000_000L);
        o.put("Id", image.id());
        JsonNode labels = image.runConfig().path("Labels");
        if (labels.isObject()) {
            o.set("Labels", labels);
        } else {
            o.putNull("Labels");
        }
        o.put("ParentId", image.parent());
        ArrayNode digests = o.putArray("RepoDigests");
        repoDigests.forEach(digests::add);
        ArrayNode tags = o.putArray("RepoTags");
        sortedTags(image).forEach(tags::add);
        o.put("SharedSize", -1);
        o.put("Size", image.size());
        return o;
    }

    public static ObjectNode imageInspect(Image image, List<String> repoDigests) {
        JsonNode config = image.config();
        ObjectNode o = JSON.createObjectNode();
        o.put("Id", image.id());
        ArrayNode tags = o.putArray("RepoTags");
        sortedTags(image).forEach(tags::add);
        ArrayNode digests = o.putArray("RepoDigests");
        repoDigests.forEach(digests::add);
        o.put("Parent", image.parent());
        o.put("Comment", config.path("comment").asText(image.comment()));
        o.put("Created", config.path("created").asText(Times.rfc3339(image.createdNanos())));
        o.put("DockerVersion", config.path("docker_version").asText(""));
        o.put("Author", config.path("author").asText(""));
        o.set("Config", fullImageConfig(image.runConfig()));
        o.put("Architecture", config.path("architecture").asText("amd64"));
        o.put("Os", config.path("os").asText("linux"));
        o.put("Size", image.size());
        ObjectNode driver = o.putObject("GraphDriver");
        driver.put("Name", "");
        driver.putObject("Data");
        ObjectNode rootfs = o.putObject("RootFS");
        rootfs.put("Type", "layers");
        ArrayNode layers = rootfs.putArray("Layers");
        config.path("rootfs").path("diff_ids").forEach(layers::add);
        o.putObject("Metadata").put("LastTagTime", Times.ZERO);
        return o;
    }

    /**
     * {@code GET /images/{name}/history}: the config's history, newest first. Entries that made a layer
     * take that layer's size. As moby does, the newest entry carries the image's id and tags, the next its
     * parent's, and so on up the chain of parents a build left; the rest are "<missing>". A config without
     * history gets one entry per layer.
     */
    public static ArrayNode imageHistory(Image image, io.berth.daemon.state.EngineState state) {
        List<Long> layerSizes = new ArrayList<>();
        for (String chainId : image.layers()) {
            layerSizes.add(state.layer(chainId).map(io.berth.daemon.state.Layer::size).orElse(0L));
        }
        List<ObjectNode> entries = new ArrayList<>();
        JsonNode history = image.config().path("history");
        int layer = 0;
        if (history.isArray() && history.size() > 0) {
            for (JsonNode h : history) {
                boolean empty = h.path("empty_layer").asBoolean(false);
                ObjectNode o = JSON.createObjectNode();
                o.put("Comment", h.path("comment").asText(""));
                o.put("Created", Times.epochSeconds(h.path("created").asText(""), image.createdNanos()));
                o.put("CreatedBy", h.path("created_by").asText(""));
                o.put("Size", empty || layer >= layerSizes.size() ? 0 : layerSizes.get(layer));
                if (!empty) {
                    layer++;
                }
                entries.add(o);
            }
        } else {
            for (long size : layerSizes) {
                ObjectNode o = JSON.createObjectNode();
                o.put("Comment", image.comment());
                o.put("Created", image.createdNanos() / 1_000_000_000L);
                o.put("CreatedBy", "");
                o.put("Size", size);
                entries.add(o);
            }
        }
        ArrayNode out = JSON.createArrayNode();
        Image owner = image;
        for (int i = entries.size() - 1; i >= 0; i--) {
            ObjectNode o = entries.get(i);
            ObjectNode e = out.addObject();
            e.put("Comment", o.path("Comment").asText());
            e.put("Created", o.path("Created").asLong());
            e.put("CreatedBy", o.path("CreatedBy").asText());
            e.put("Id", owner == null ? "<missing>" : owner.id());
            e.put("Size", o.path("Size").asLong());
            if (owner != null && !owner.tags().isEmpty()) {
                ArrayNode tags = e.putArray("Tags");
                sortedTags(owner).forEach(tags::add);
            } else {
                e.putNull("Tags");
            }
            owner = owner == null || owner.parent().isEmpty() ? null : state.image(owner.parent()).orElse(null);
        }
        return out;
    }

    /** An image's runtime config with every field dockerd shows, absent ones as Docker's zero values. */
    static ObjectNode fullImageConfig(JsonNode config) {
        ObjectNode o = JSON.createObjectNode();
        o.put("Hostname", "");
        o.put("Domainname", "");
        o.put("User", "");
        o.put("AttachStdin", false);
        o.put("AttachStdout", false);
        o.put("AttachStderr", false);
        o.put("Tty", false);
        o.put("OpenStdin", false);
        o.put("StdinOnce", false);
        o.putNull("Env");
        o.putNull("Cmd");
        o.put("Image", "");
        o.putNull("Volumes");
        o.put("WorkingDir", "");
        o.putNull("Entrypoint");
        o.putNull("OnBuild");
        o.putNull("Labels");
        config.fields().forEachRemaining(e -> o.set(e.getKey(), e.getValue()));
        return o;
    }

    private static List<String> sortedTags(Image image) {
        List<String> tags = new ArrayList<>(image.tags());
        tags.sort(null);
        return tags;
    }

    public static String[] repoAndTag(String reference) {
        return ImageReference.split(reference);
    }
}
