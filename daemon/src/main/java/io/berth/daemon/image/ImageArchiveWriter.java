package io.berth.daemon.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.state.EngineState;
import io.berth.daemon.state.Image;
import io.berth.daemon.state.ImageReference;
import io.berth.daemon.state.Layer;
import io.berth.plugin.storage.StorageDriver;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code docker save}: writes images as the archive dockerd 25+ writes, which is at once an OCI image
 * layout and a docker-archive:
 * <pre>
 * blobs/sha256/&lt;hex&gt;   layer tars (uncompressed, named by diff id), configs, OCI manifests
 * index.json             OCI index: one manifest per saved reference (or per untagged image)
 * oci-layout             {"imageLayoutVersion": "1.0.0"}
 * manifest.json          docker-archive: [{Config, RepoTags, Layers}]
 * repositories           legacy: {repo: {tag: top layer}}
 * </pre>
 * Each layer is written once however many images share it, and is checked on the way out: its sha256
 * must be its diff id, or the save fails rather than ship a layer a loader would refuse.
 */
public final class ImageArchiveWriter {

    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One image to save and the references it is saved under (none: saved by id). */
    public record Entry(Image image, List<String> references) {}

    private final EngineState state;
    private final StorageDriver storage;
    private final ImageStore images;
    private final Path tmp;
    /** Sizes of the layer tars already written to this archive, by diff id. */
    private final Map<String, Long> layerSizes = new java.util.HashMap<>();

    /** One writer per archive. @param tmp a directory under the data root for layer files while they are checked */
    public ImageArchiveWriter(EngineState state, StorageDriver storage, ImageStore images, Path tmp) {
        this.state = state;
        this.storage = storage;
        this.images = images;
        this.tmp = tmp;
    }

    /** Writes the archive of {@code entries} to {@code out}. Blocks (file work). */
    public void write(List<Entry> requested, OutputStream out) throws IOException {
        List<Entry> entries = onePerImage(requested);
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name())) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            directory(tar, "blobs/");
            directory(tar, "blobs/sha256/");
            Set<String> written = new HashSet<>();
            ArrayNode manifestJson = JSON.createArrayNode();
            ArrayNode indexManifests = JSON.createArrayNode();
            Map<String, Map<String, String>> repositories = new LinkedHashMap<>();
            for (Entry entry : entries) {
                Image image = entry.image();
                byte[] config = images.configBytes(image.id());
                String configHex = hex(image.id());
                if (written.add(configHex)) {
                    file(tar, "blobs/sha256/" + configHex, config);
                }
                ObjectNode manifest = JSON.createObjectNode();
                manifest.put("schemaVersion", 2);
                manifest.put("mediaType", OCI_MANIFEST);
                manifest.set("config", descriptor(OCI_CONFIG, image.id(), config.length));
                ArrayNode layers = manifest.putArray("layers");
                List<String> layerPaths = new ArrayList<>();
                for (String chainId : image.layers()) {
                    Layer layer = state.layer(chainId).orElseThrow(() ->
                            new IOException("image " + image.id() + " names layer " + chainId + ", which is not stored"));
                    String diffHex = hex(layer.diffId());
                    long size = written.add(diffHex) ? layerFile(tar, layer) : layerSize(layer);
                    layers.add(descriptor(OCI_LAYER, layer.diffId(), size));
                    layerPaths.add("blobs/sha256/" + diffHex);
                }
                byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
                String manifestDigest = "sha256:" + ImageStore.sha256(manifestBytes);
                if (written.add(hex(manifestDigest))) {
                    file(tar, "blobs/sha256/" + hex(manifestDigest), manifestBytes);
                }
                ObjectNode item = manifestJson.addObject();
                item.put("Config", "blobs/sha256/" + configHex);
                ArrayNode repoTags = item.putArray("RepoTags");
                ArrayNode layerArray = item.putArray("Layers");
                layerPaths.forEach(layerArray::add);
                item.putObject("LayerSources");
                if (entry.references().isEmpty()) {
                    indexManifests.add(descriptor(OCI_MANIFEST, manifestDigest, manifestBytes.length));
                }
                for (String reference : entry.references()) {
                    String familiar = reference; // berth stores references in the familiar form
                    repoTags.add(familiar);
                    ObjectNode d = descriptor(OCI_MANIFEST, manifestDigest, manifestBytes.length);
                    ObjectNode annotations = d.putObject("annotations");
                    annotations.put("io.containerd.image.name", ImageReference.fullyQualified(reference));
                    annotations.put("org.opencontainers.image.ref.name", ImageReference.split(reference)[1]);
                    indexManifests.add(d);
                    String[] repoTag = ImageReference.split(familiar);
                    if (!image.layers().isEmpty()) {
                        String top = state.layer(image.layers().get(image.layers().size() - 1)).map(Layer::diffId).orElse("");
                        repositories.computeIfAbsent(repoTag[0], k -> new LinkedHashMap<>()).put(repoTag[1], hex(top));
                    }
                }
            }
            ObjectNode index = JSON.createObjectNode();
            index.put("schemaVersion", 2);
            index.put("mediaType", OCI_INDEX);
            index.set("manifests", indexManifests);
            file(tar, "index.json", JSON.writeValueAsBytes(index));
            file(tar, "manifest.json", JSON.writeValueAsBytes(manifestJson));
            file(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
            if (!repositories.isEmpty()) {
                file(tar, "repositories", JSON.writeValueAsBytes(repositories));
            }
            tar.finish();
        }
    }

    /** One entry per image, with the references of every name it was asked for by, as dockerd writes it. */
    static List<Entry> onePerImage(List<Entry> entries) {
        Map<String, Entry> byId = new LinkedHashMap<>();
        for (Entry e : entries) {
            Entry seen = byId.putIfAbsent(e.image().id(), new Entry(e.image(), new ArrayList<>(e.references())));
            if (seen != null) {
                e.references().stream().filter(r -> !seen.references().contains(r)).forEach(seen.references()::add);
            }
        }
        return new ArrayList<>(byId.values());
    }

    /** Exports the layer to a temp file, checks its digest, copies it in; returns its size. */
    private long layerFile(TarArchiveOutputStream tar, Layer layer) throws IOException {
        Path file = Files.createTempFile(tmp, "save-layer-", ".tar");
        try {
            MessageDigest sha = sha256();
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(file), sha)) {
                storage.exportLayer(LayerIds.storageId(layer.chainId()), out);
            }
            String digest = "sha256:" + HexFormat.of().formatHex(sha.digest());
            if (!digest.equals(layer.diffId())) {
                throw new IOException("layer " + layer.diffId() + " does not reproduce (its content hashes to "
                        + digest + "); the storage driver's copy has changed");
            }
            long size = Files.size(file);
            TarArchiveEntry e = new TarArchiveEntry("blobs/sha256/" + hex(layer.diffId()));
            e.setSize(size);
            e.setMode(0644);
            e.setModTime(0);
            tar.putArchiveEntry(e);
            try (InputStream in = Files.newInputStream(file)) {
                in.transferTo(tar);
            }
            tar.closeArchiveEntry();
            layerSizes.put(layer.diffId(), size);
            return size;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private long layerSize(Layer layer) {
        return layerSizes.getOrDefault(layer.diffId(), 0L);
    }

    private static ObjectNode descriptor(String mediaType, String digest, long size) {
        ObjectNode d = JSON.createObjectNode();
        d.put("mediaType", mediaType);
        d.put("digest", digest);
        d.put("size", size);
        return d;
    }

    private static void directory(TarArchiveOutputStream tar, String name) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(040755);
        e.setModTime(0);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    private static void file(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(content.length);
        e.setMode(0644);
        e.setModTime(0);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    private static String hex(String digest) {
        return digest.startsWith("sha256:") ? digest.substring(7) : digest;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
