package io.berth.daemon.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.command.Command;
import io.berth.daemon.registry.Credentials;
import io.berth.daemon.registry.Digests;
import io.berth.daemon.registry.Manifest;
import io.berth.daemon.registry.MediaTypes;
import io.berth.daemon.registry.Reference;
import io.berth.daemon.registry.RegistryClient;
import io.berth.daemon.registry.RepositorySession;
import io.berth.daemon.state.EngineState;
import io.berth.daemon.state.Image;
import io.berth.daemon.state.ImageReference;
import io.berth.daemon.state.Layer;
import io.berth.daemon.state.LayerBlob;
import io.berth.plugin.storage.StorageDriver;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * {@code docker push}: sends an image's layers (gzip-compressed), its config and a Docker schema2
 * manifest to a registry. A layer whose compressed blob berth already knows (from a pull or an earlier
 * push) and that the registry has is not compressed or sent again; a layer berth compresses is checked
 * on the way (its tar must still hash to its diff id) and skipped if the registry has the result.
 */
public final class ImagePusher {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a push did: the manifest's digest and size, and what berth learnt (digests and blobs to record). */
    public record Pushed(String tag, String digest, int size, List<Command> records) {}

    private final EngineState state;
    private final StorageDriver storage;
    private final ImageStore images;
    private final RegistryClient registry;
    private final java.util.concurrent.ExecutorService workers;
    private final Path tmp;

    /** @param workers runs the layers' compression and upload in parallel (bounded) */
    public ImagePusher(EngineState state, StorageDriver storage, ImageStore images, RegistryClient registry,
                       java.util.concurrent.ExecutorService workers, Path tmp) {
        this.state = state;
        this.storage = storage;
        this.images = images;
        this.registry = registry;
        this.workers = workers;
        this.tmp = tmp;
    }

    /** Pushes {@code image} as {@code ref} (which has a tag). Blocks. */
    public Pushed push(Image image, Reference ref, Credentials credentials, ImageProgress progress) throws IOException {
        RepositorySession session = registry.open(ref, credentials);
        List<Command> records = java.util.Collections.synchronizedList(new ArrayList<>());
        // every layer is prepared (checked, compressed, sent) at once, a few at a time; the manifest lists them in order
        List<java.util.concurrent.CompletableFuture<LayerBlob>> prepared = new ArrayList<>();
        for (String chainId : image.layers()) {
            Layer layer = state.layer(chainId).orElseThrow(() -> new IOException("layer " + chainId + " is not stored"));
            String shortId = Digests.shortId(layer.diffId());
            progress.status(shortId, "Preparing");
            prepared.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    LayerBlob blob = state.layerBlob(layer.diffId()).filter(b -> b.mediaType().endsWith("gzip")).orElse(null);
                    if (blob != null && session.blobExists(blob.digest())) {
                        progress.status(shortId, "Layer already exists");
                        return blob;
                    }
                    blob = compressAndSend(session, layer, shortId, progress);
                    records.add(new Command.RecordLayerBlob(layer.diffId(), blob.digest(), blob.size(), blob.mediaType()));
                    return blob;
                } catch (IOException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }, workers));
        }
        ArrayNode layers = JSON.createArrayNode();
        for (java.util.concurrent.CompletableFuture<LayerBlob> f : prepared) {
            LayerBlob blob;
            try {
                blob = f.join();
            } catch (java.util.concurrent.CompletionException e) {
                prepared.forEach(other -> other.cancel(true));
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw e;
            }
            layers.addObject().put("mediaType", MediaTypes.DOCKER_LAYER).put("size", blob.size()).put("digest", blob.digest());
        }
        byte[] config = images.configBytes(image.id());
        if (!session.blobExists(image.id())) {
            session.pushBlob(image.id(), config.length, new ByteArrayInputStream(config), (c, t) -> { });
        }
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", MediaTypes.DOCKER_MANIFEST);
        manifest.putObject("config").put("mediaType", MediaTypes.DOCKER_CONFIG).put("size", config.length)
                .put("digest", image.id());
        manifest.set("layers", layers);
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest);
        String digest = session.putManifest(ref.tag(), Manifest.of(bytes, MediaTypes.DOCKER_MANIFEST));
        progress.status(ref.tag() + ": digest: " + digest + " size: " + bytes.length);
        records.add(new Command.RecordImageDigest(image.id(), ImageReference.normalize(ref.name() + "@" + digest)));
        return new Pushed(ref.tag(), digest, bytes.length, records);
    }

    /** Exports the layer, gzips it into the data root's tmp (checking the tar's digest), and sends it unless the registry has it. */
    private LayerBlob compressAndSend(RepositorySession session, Layer layer, String shortId, ImageProgress progress)
            throws IOException {
        Path file = Files.createTempFile(tmp, "push-", ".tar.gz");
        try {
            MessageDigest compressed = ImageArchiveWriter.sha256();
            MessageDigest uncompressed = ImageArchiveWriter.sha256();
            try (OutputStream out = new DigestOutputStream(new FastGzip(new DigestOutputStream(
                    new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16), compressed)), uncompressed)) {
                storage.exportLayer(LayerIds.storageId(layer.chainId()), out);
            }
            String diffId = "sha256:" + HexFormat.of().formatHex(uncompressed.digest());
            if (!diffId.equals(layer.diffId())) {
                throw new IOException("layer " + layer.diffId() + " does not reproduce (it hashes to " + diffId + ")");
            }
            String digest = "sha256:" + HexFormat.of().formatHex(compressed.digest());
            long size = Files.size(file);
            if (session.blobExists(digest)) {
                progress.status(shortId, "Layer already exists");
            } else {
                try (InputStream in = Files.newInputStream(file)) {
                    session.pushBlob(digest, size, in, (current, total) -> progress.progress(shortId, "Pushing", current, size));
                }
                progress.status(shortId, "Pushed");
            }
            return new LayerBlob(digest, size, MediaTypes.DOCKER_LAYER);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * gzip at zlib's fastest level: on 2 cores compression bounds a push, and level 1 is several times
     * faster than the default for blobs a few percent larger (the registry and pullers do not care).
     */
    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(OutputStream out) throws IOException {
            super(out, 1 << 16);
            def.setLevel(java.util.zip.Deflater.BEST_SPEED);
        }
    }
}
