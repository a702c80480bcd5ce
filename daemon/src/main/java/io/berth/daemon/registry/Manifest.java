package io.berth.daemon.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A manifest exactly as the registry serves it: its bytes (kept verbatim, since the digest is of those
 * bytes and re-serialising would change it), its media type and its digest. Either an image manifest
 * (Docker schema 2 or OCI: a config and layers) or an index (Docker manifest list or OCI index: one
 * manifest per platform).
 */
public final class Manifest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final byte[] bytes;
    private final String mediaType;
    private final String digest;
    private final JsonNode json;

    private Manifest(byte[] bytes, String mediaType, String digest, JsonNode json) {
        this.bytes = bytes;
        this.mediaType = mediaType;
        this.digest = digest;
        this.json = json;
    }

    /**
     * Reads manifest bytes. The media type comes from {@code contentType} when it names a type berth
     * knows, else from the document's own "mediaType", else from its shape (OCI allows leaving it out).
     *
     * @throws RegistryException UNSUPPORTED for schema 1, anything that is not JSON, or an unknown type
     */
    public static Manifest of(byte[] bytes, String contentType) throws RegistryException {
        JsonNode json;
        try {
            json = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new RegistryException(RegistryException.Kind.UNSUPPORTED, "manifest is not valid JSON: " + e.getMessage());
        }
        if (json == null || !json.isObject()) {
            throw new RegistryException(RegistryException.Kind.UNSUPPORTED, "manifest is not a JSON object");
        }
        if (json.path("schemaVersion").asInt() == 1) {
            throw new RegistryException(RegistryException.Kind.UNSUPPORTED,
                    "manifest schema 1 is not supported (push the image again with a current client)");
        }
        String type = contentType == null ? "" : contentType.split(";")[0].trim();
        if (!MediaTypes.isImageManifest(type) && !MediaTypes.isIndex(type)) {
            type = json.path("mediaType").asText("");
        }
        if (type.isEmpty()) {
            type = json.has("manifests") ? MediaTypes.OCI_INDEX : json.has("config") ? MediaTypes.OCI_MANIFEST : "";
        }
        if (!MediaTypes.isImageManifest(type) && !MediaTypes.isIndex(type)) {
            throw new RegistryException(RegistryException.Kind.UNSUPPORTED,
                    "unsupported manifest media type " + (type.isEmpty() ? "(none)" : type));
        }
        return new Manifest(bytes.clone(), type, Digests.sha256(bytes), json);
    }

    /** The bytes as served; a copy. */
    public byte[] bytes() {
        return bytes.clone();
    }

    public int size() {
        return bytes.length;
    }

    public String mediaType() {
        return mediaType;
    }

    /** sha256 of {@link #bytes}. */
    public String digest() {
        return digest;
    }

    public boolean isIndex() {
        return MediaTypes.isIndex(mediaType);
    }

    /** The image config; only for an image manifest. */
    public Descriptor config() {
        requireImage();
        return descriptor(json.path("config"));
    }

    /** The layers, base first; only for an image manifest. */
    public List<Descriptor> layers() {
        requireImage();
        List<Descriptor> layers = new ArrayList<>();
        json.path("layers").forEach(n -> layers.add(descriptor(n)));
        return layers;
    }

    /** The per-platform manifests; only for an index. */
    public List<Descriptor> manifests() {
        if (!isIndex()) {
            throw new IllegalStateException(mediaType + " is not an index");
        }
        List<Descriptor> entries = new ArrayList<>();
        json.path("manifests").forEach(n -> entries.add(descriptor(n)));
        return entries;
    }

    /**
     * The index entry for {@code platform}: the first entry that accepts it, in the index's order.
     *
     * @throws RegistryException UNSUPPORTED in Docker's words when there is none
     */
    public Descriptor select(Platform platform) throws RegistryException {
        for (Descriptor d : manifests()) {
            if (platform.accepts(d.platform()) && (d.mediaType().isEmpty() || MediaTypes.isImageManifest(d.mediaType()))) {
                return d;
            }
        }
        throw new RegistryException(RegistryException.Kind.UNSUPPORTED,
                "no matching manifest for " + platform + " in the manifest list entries");
    }

    private void requireImage() {
        if (isIndex()) {
            throw new IllegalStateException(mediaType + " is an index, not an image manifest");
        }
    }

    private static Descriptor descriptor(JsonNode n) {
        JsonNode p = n.get("platform");
        Platform platform = p == null ? null
                : new Platform(p.path("os").asText(""), p.path("architecture").asText(""),
                        p.hasNonNull("variant") ? p.get("variant").asText() : null);
        return new Descriptor(n.path("mediaType").asText(""), n.path("digest").asText(""), n.path("size").asLong(-1), platform);
    }

    @Override
    public String toString() {
        return mediaType + " " + digest + " (" + bytes.length + " bytes)";
    }
}
