package io.berth.daemon.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.api.Times;
import io.berth.daemon.command.Command;
import io.berth.daemon.state.EngineState;
import io.berth.daemon.state.Image;
import io.berth.daemon.state.Layer;
import io.berth.plugin.storage.StorageDriver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * {@code docker commit} and the steps of a build: the container's read-write layer (never its init layer),
 * or a layer tar written by the caller, becomes a new layer on top of the base image's, and a new config
 * records the run configuration, the {@code --change} instructions, and a history entry; a build's
 * metadata steps commit a config alone. Files first (layer in the driver, config in the image store); the
 * returned command registers the image, with the base image as its parent, in the log.
 */
public final class ImageCommitter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final EngineState state;
    private final StorageDriver storage;
    private final ImageStore images;
    private final Path tmp;

    public ImageCommitter(EngineState state, StorageDriver storage, ImageStore images, Path tmp) {
        this.state = state;
        this.storage = storage;
        this.images = images;
        this.tmp = tmp;
    }

    /** What the commit records besides the layer. */
    public record Request(String containerId, Image image, ObjectNode runConfig, List<String> changes,
                          String comment, String author, String createdBy, List<String> tags) {}

    /** Writes a layer tar to a stream. */
    @FunctionalInterface
    public interface LayerWriter {
        void write(OutputStream tar) throws IOException;
    }

    /** Copies the layer and writes the config. Blocks (file work); the caller pauses the container around it. */
    public Command.RegisterImage commit(Request r, long nowNanos) throws IOException {
        return commitLayer(r, out -> storage.exportContainerChanges(r.containerId(), out), nowNanos);
    }

    /**
     * Makes the layer that {@code layer} writes (a tar in Docker's format) the new top layer on
     * {@code r.image()}'s, and writes the config. Blocks.
     */
    public Command.RegisterImage commitLayer(Request r, LayerWriter layer, long nowNanos) throws IOException {
        Path layerFile = Files.createTempFile(tmp, "commit-", ".tar");
        try {
            MessageDigest sha = ImageArchiveWriter.sha256();
            try (OutputStream out = new DigestOutputStream(new java.io.BufferedOutputStream(
                    Files.newOutputStream(layerFile), 1 << 16), sha)) {
                layer.write(out);
            }
            String diffId = "sha256:" + HexFormat.of().formatHex(sha.digest());
            List<String> chain = new ArrayList<>(r.image().layers());
            String parent = chain.isEmpty() ? null : chain.get(chain.size() - 1);
            String chainId = LayerIds.chain(parent, diffId);
            List<Command.NewLayer> newLayers = new ArrayList<>();
            long layerSize;
            Layer known = state.layer(chainId).orElse(null);
            if (known != null) {
                layerSize = known.size();
            } else {
                try (InputStream in = Files.newInputStream(layerFile)) {
                    layerSize = storage.applyLayer(LayerIds.storageId(chainId),
                            parent == null ? null : LayerIds.storageId(parent), in);
                }
                newLayers.add(new Command.NewLayer(chainId, diffId, parent == null ? "" : parent, layerSize));
            }
            chain.add(chainId);
            byte[] config = JSON.writeValueAsBytes(config(r, diffId, nowNanos));
            String id = images.put(config);
            return new Command.RegisterImage(id, new String(config, StandardCharsets.UTF_8), newLayers, chain,
                    r.image().size() + layerSize, nowNanos, r.comment(), r.tags(), r.image().id(), "",
                    io.berth.daemon.events.Event.ImageCreated.COMMIT);
        } finally {
            Files.deleteIfExists(layerFile);
        }
    }

    /**
     * A new config on {@code r.image()}'s layers, with no new layer: the history entry is marked
     * {@code empty_layer} (what a build's ENV, LABEL, CMD... steps make). Blocks.
     */
    public Command.RegisterImage commitConfig(Request r, long nowNanos) throws IOException {
        byte[] config = JSON.writeValueAsBytes(config(r, null, nowNanos));
        String id = images.put(config);
        return new Command.RegisterImage(id, new String(config, StandardCharsets.UTF_8), List.of(), r.image().layers(),
                r.image().size(), nowNanos, r.comment(), r.tags(), r.image().id(), "",
                io.berth.daemon.events.Event.ImageCreated.COMMIT);
    }

    /** The config: the base's, with the run config, a history entry, and {@code diffId} (null: no layer) on top. */
    private static ObjectNode config(Request r, String diffId, long nowNanos) {
        JsonNode base = r.image().config();
        String created = Times.rfc3339(nowNanos);
        ObjectNode c = JSON.createObjectNode();
        c.put("architecture", base.path("architecture").asText("amd64"));
        c.put("os", base.path("os").asText("linux"));
        if (!r.author().isEmpty()) {
            c.put("author", r.author());
        }
        if (!r.comment().isEmpty()) {
            c.put("comment", r.comment());
        }
        c.set("config", ConfigChanges.apply(r.runConfig(), r.changes()));
        if (!r.containerId().isEmpty()) {
            c.put("container", r.containerId());
        }
        c.put("created", created);
        ArrayNode history = c.putArray("history");
        base.path("history").forEach(history::add);
        ObjectNode entry = history.addObject();
        entry.put("created", created);
        entry.put("created_by", r.createdBy());
        if (!r.author().isEmpty()) {
            entry.put("author", r.author());
        }
        if (!r.comment().isEmpty()) {
            entry.put("comment", r.comment());
        }
        if (diffId == null) {
            entry.put("empty_layer", true);
        }
        ObjectNode rootfs = c.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode diffIds = rootfs.putArray("diff_ids");
        base.path("rootfs").path("diff_ids").forEach(diffIds::add);
        if (diffId != null) {
            diffIds.add(diffId);
        }
        return c;
    }
}
