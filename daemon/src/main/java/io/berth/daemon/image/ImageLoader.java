package io.berth.daemon.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.daemon.api.ApiException;
import io.berth.daemon.command.Command;
import io.berth.daemon.state.EngineState;
import io.berth.daemon.state.ImageReference;
import io.berth.daemon.state.Layer;
import io.berth.plugin.storage.LayerFormatException;
import io.berth.plugin.storage.StorageDriver;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * {@code docker load}: reads a docker-archive (manifest.json, as docker save writes it, old and new) or a
 * plain OCI image layout (index.json), checks every digest, and puts the layers into the storage driver
 * and the configs into the image store. Returns one command per image that registers it in the log;
 * nothing is registered when anything fails (layers applied so far and not registered are removed at the
 * next start, or by the reconciler). Layers that are plain tars are unpacked while the archive streams
 * in (see {@link ArchiveDir}) and committed under their ids once the manifest and configs have been read
 * and the digests checked.
 *
 * <p>Checks: a config's sha256 is the image id (and its OCI descriptor's digest); each layer, once
 * decompressed (gzip, bzip2, xz, or none), hashes to the diff id its config names, in order; an OCI
 * blob's bytes hash to its descriptor's digest. Layer tars are then as hostile as any (see
 * {@link StorageDriver#applyLayer}).
 */
public final class ImageLoader {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** An image found in the archive: the command that registers it, and what to tell the user. */
    public record Loaded(Command.RegisterImage command, List<String> messages) {}

    private final EngineState state;
    private final StorageDriver storage;
    private final ImageStore images;

    public ImageLoader(EngineState state, StorageDriver storage, ImageStore images) {
        this.state = state;
        this.storage = storage;
        this.images = images;
    }

    /**
     * Loads the archive {@code archive} streams (a tar, or one compressed with gzip, bzip2 or xz), unpacking
     * it in {@code workDir} (fresh, deleted by the caller) and staging its layers in the storage driver as
     * they arrive. Reads the archive up to its end blocks. Blocks.
     */
    public List<Loaded> load(InputStream archive, Path workDir, long nowNanos) throws IOException {
        ArchiveDir dir = ArchiveDir.unpack(ImageImporter.decompress(archive), workDir, storage);
        Layers layers = new Layers(dir, workDir);
        try {
            return load(dir, layers, nowNanos);
        } finally {
            dir.discardStaged(layers.committed.keySet());
        }
    }

    private List<Loaded> load(ArchiveDir dir, Layers layers, long nowNanos) throws IOException {
        List<Loaded> out = new ArrayList<>();
        if (dir.exists("manifest.json")) {
            JsonNode manifest = readJson(dir, "manifest.json");
            if (!manifest.isArray()) {
                throw invalid("manifest.json is not a list");
            }
            for (JsonNode item : manifest) {
                List<LayerBlob> blobs = new ArrayList<>();
                for (JsonNode l : item.path("Layers")) {
                    blobs.add(new LayerBlob(l.asText(), null));
                }
                List<String> tags = new ArrayList<>();
                item.path("RepoTags").forEach(t -> tags.add(t.asText()));
                out.add(loadImage(dir, layers, item.path("Config").asText(), null, blobs, tags, nowNanos));
            }
        } else if (dir.exists("index.json")) {
            loadIndex(dir, layers, readJson(dir, "index.json"), null, out, nowNanos, 0);
        } else {
            throw invalid("neither manifest.json (docker-archive) nor index.json (OCI layout) found");
        }
        if (out.isEmpty()) {
            throw invalid("no images in the archive");
        }
        return out;
    }

    private record LayerBlob(String path, String digest) {}

    private void loadIndex(ArchiveDir dir, Layers layers, JsonNode index, String inheritedName, List<Loaded> out,
                           long nowNanos, int depth) throws IOException {
        if (depth > 4) {
            throw invalid("OCI indexes nested too deep");
        }
        for (JsonNode d : index.path("manifests")) {
            String mediaType = d.path("mediaType").asText("");
            String name = d.path("annotations").path("io.containerd.image.name").asText(inheritedName);
            JsonNode platform = d.path("platform");
            if (platform.isObject() && !("linux".equals(platform.path("os").asText("linux"))
                    && "amd64".equals(platform.path("architecture").asText("amd64")))) {
                continue;
            }
            JsonNode doc = readJson(dir, blobPath(d), d.path("digest").asText());
            if (mediaType.contains("index") || mediaType.contains("manifest.list") || doc.has("manifests")) {
                loadIndex(dir, layers, doc, name, out, nowNanos, depth + 1);
                continue;
            }
            List<LayerBlob> blobs = new ArrayList<>();
            for (JsonNode l : doc.path("layers")) {
                String lt = l.path("mediaType").asText("");
                if (lt.contains("zstd")) {
                    throw ApiException.notImplemented("not implemented: zstd-compressed layers (" + l.path("digest").asText() + ")");
                }
                if (lt.contains("nondistributable") || lt.contains("foreign")) {
                    throw invalid("foreign layer " + l.path("digest").asText() + " is not in the archive");
                }
                blobs.add(new LayerBlob(blobPath(l), l.path("digest").asText()));
            }
            JsonNode config = doc.path("config");
            out.add(loadImage(dir, layers, blobPath(config), config.path("digest").asText(), blobs,
                    name == null || name.isEmpty() ? List.of() : List.of(name), nowNanos));
        }
    }

    private Loaded loadImage(ArchiveDir dir, Layers applier, String configPath, String configDigest,
                             List<LayerBlob> layers, List<String> repoTags, long nowNanos) throws IOException {
        byte[] config;
        try (InputStream in = dir.open(configPath)) {
            config = in.readAllBytes();
        }
        String imageId = "sha256:" + ImageStore.sha256(config);
        if (configDigest != null && !configDigest.equals(imageId)) {
            throw invalid("config " + configPath + " hashes to " + imageId + ", not " + configDigest);
        }
        JsonNode parsed = JSON.readTree(config);
        List<String> diffIds = new ArrayList<>();
        parsed.path("rootfs").path("diff_ids").forEach(d -> diffIds.add(d.asText()));
        if (diffIds.size() != layers.size()) {
            throw invalid("image " + imageId + " lists " + diffIds.size() + " diff ids in its config but "
                    + layers.size() + " layers");
        }
        List<String> tags = new ArrayList<>();
        for (String t : repoTags) {
            String normalized = ImageReference.normalize(t);
            String[] rt = ImageReference.split(normalized);
            String error = ImageReference.validate(rt[0], rt[1]);
            if (error != null) {
                throw invalid(t + ": " + error);
            }
            tags.add(normalized);
        }
        List<Command.NewLayer> newLayers = new ArrayList<>();
        List<String> chain = new ArrayList<>();
        String parent = null;
        long size = 0;
        for (int i = 0; i < layers.size(); i++) {
            String diffId = diffIds.get(i);
            String chainId = LayerIds.chain(parent, diffId);
            long layerSize = applier.applyIfMissing(layers.get(i), chainId, parent, diffId);
            if (state.layer(chainId).isEmpty()) {
                newLayers.add(new Command.NewLayer(chainId, diffId, parent == null ? "" : parent, layerSize));
            }
            size += layerSize;
            chain.add(chainId);
            parent = chainId;
        }
        images.put(config);
        List<String> messages = new ArrayList<>();
        if (tags.isEmpty()) {
            messages.add("Loaded image ID: " + imageId);
        }
        tags.forEach(t -> messages.add("Loaded image: " + t));
        String comment = "";
        return new Loaded(new Command.RegisterImage(imageId, new String(config, StandardCharsets.UTF_8), newLayers,
                chain, size, io.berth.daemon.api.Times.epochNanos(parsed.path("created").asText(""), nowNanos), comment, tags,
                io.berth.daemon.events.Event.ImageCreated.LOAD), messages);
    }

    /**
     * Puts an archive's layers into the storage driver as the images name them: a staged layer is
     * committed once its digest is checked; any other layer blob is applied from the archive directory.
     */
    private final class Layers {
        private final ArchiveDir dir;
        private final Path workDir;
        /** Staged layers committed so far: entry → the layer it became. */
        private final Map<ArchiveDir.StagedEntry, String> committed = new HashMap<>();

        Layers(ArchiveDir dir, Path workDir) {
            this.dir = dir;
            this.workDir = workDir;
        }

        /** Applies a layer unless the driver has it; checks its digests. Returns its size. */
        long applyIfMissing(LayerBlob blob, String chainId, String parent, String diffId) throws IOException {
            Layer known = state.layer(chainId).orElse(null);
            String storageId = LayerIds.storageId(chainId);
            String parentId = parent == null ? null : LayerIds.storageId(parent);
            ArchiveDir.StagedEntry staged = dir.staged(blob.path());
            if (staged == null) {
                if (known != null && storage.layerExists(storageId)) {
                    return known.size();
                }
                try (InputStream in = dir.open(blob.path())) {
                    return apply(in, blob, storageId, parentId, diffId, known == null);
                }
            }
            // a plain tar: its bytes are the layer's, so one digest stands for the blob and the diff
            if (staged.error() != null) {
                throw invalid("layer " + diffId + ": " + staged.error());
            }
            check(blob, diffId, staged.digest(), staged.digest());
            if (known != null && storage.layerExists(storageId)) {
                return known.size();
            }
            String earlier = committed.get(staged);
            if (earlier == null) {
                committed.put(staged, storageId);
                return storage.commitStagedLayer(staged.layer(), storageId, parentId);
            }
            // the same tar again, on another parent (it was used up): the first layer gives its bytes back
            Path copy = workDir.resolve("layer-" + storageId + ".tar");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(copy), 1 << 16)) {
                storage.exportLayer(earlier, out);
            }
            try (InputStream in = Files.newInputStream(copy)) {
                return apply(in, blob, storageId, parentId, diffId, known == null);
            } finally {
                Files.deleteIfExists(copy);
            }
        }

        /** Applies a layer blob's bytes (compressed or not) and checks its digests; a layer that fails them is removed. */
        private long apply(InputStream blobBytes, LayerBlob blob, String storageId, String parentId, String diffId,
                           boolean removeOnFailure) throws IOException {
            MessageDigest raw = ImageArchiveWriter.sha256();
            MessageDigest uncompressed = ImageArchiveWriter.sha256();
            long size;
            // the blob's own digest only when a descriptor names one (OCI); a docker-archive layer is checked by its diff id
            try (InputStream rawIn = blob.digest() == null ? blobBytes : new DigestInputStream(blobBytes, raw);
                 InputStream in = new DigestInputStream(ImageImporter.decompress(rawIn), uncompressed)) {
                size = storage.applyLayer(storageId, parentId, in);
                // what the driver did not read (it had the layer already; bytes after a gzip stream) is hashed too
                in.transferTo(OutputStream.nullOutputStream());
                rawIn.transferTo(OutputStream.nullOutputStream());
            } catch (LayerFormatException e) {
                throw invalid("layer " + diffId + ": " + e.getMessage());
            }
            try {
                check(blob, diffId, "sha256:" + HexFormat.of().formatHex(raw.digest()),
                        "sha256:" + HexFormat.of().formatHex(uncompressed.digest()));
            } catch (ApiException e) {
                if (removeOnFailure) {
                    storage.removeLayer(storageId);
                }
                throw e;
            }
            return size;
        }
    }

    /** Checks a layer's digests: its blob's (when a descriptor names one) and its diff id. */
    private static void check(LayerBlob blob, String diffId, String actualRaw, String actual) {
        if (blob.digest() != null && !blob.digest().equals(actualRaw)) {
            throw invalid("blob " + blob.path() + " hashes to " + actualRaw + ", not " + blob.digest());
        }
        if (!actual.equals(diffId)) {
            throw invalid("layer " + blob.path() + " hashes to " + actual + ", not the diff id " + diffId + " its config names");
        }
    }

    private static String blobPath(JsonNode descriptor) {
        String digest = descriptor.path("digest").asText("");
        int colon = digest.indexOf(':');
        if (colon < 0 || !digest.substring(colon + 1).matches("[0-9a-f]{32,128}")) {
            throw invalid("bad descriptor digest '" + digest + "'");
        }
        return "blobs/" + digest.substring(0, colon) + "/" + digest.substring(colon + 1);
    }

    private static JsonNode readJson(ArchiveDir dir, String name) throws IOException {
        return readJson(dir, name, null);
    }

    private static JsonNode readJson(ArchiveDir dir, String name, String digest) throws IOException {
        byte[] bytes;
        try (InputStream in = dir.open(name)) {
            bytes = in.readAllBytes();
        }
        if (digest != null && !digest.equals("sha256:" + ImageStore.sha256(bytes))) {
            throw invalid(name + " does not match its digest " + digest);
        }
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw invalid(name + " is not JSON: " + e.getMessage());
        }
    }

    private static ApiException invalid(String message) {
        return ApiException.invalid("invalid image archive: " + message);
    }
}
