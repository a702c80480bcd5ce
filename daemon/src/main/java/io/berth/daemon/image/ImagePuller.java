package io.berth.daemon.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.daemon.api.ApiException;
import io.berth.daemon.command.Command;
import io.berth.daemon.registry.Credentials;
import io.berth.daemon.registry.Descriptor;
import io.berth.daemon.registry.Digests;
import io.berth.daemon.registry.Manifest;
import io.berth.daemon.registry.Platform;
import io.berth.daemon.registry.Reference;
import io.berth.daemon.registry.RegistryClient;
import io.berth.daemon.registry.RegistryException;
import io.berth.daemon.registry.RepositorySession;
import io.berth.daemon.registry.ResolvedManifest;
import io.berth.daemon.state.EngineState;
import io.berth.daemon.state.Image;
import io.berth.daemon.state.ImageReference;
import io.berth.daemon.state.Layer;
import io.berth.plugin.storage.LayerFormatException;
import io.berth.plugin.storage.StorageDriver;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;

/**
 * {@code docker pull}: resolves a reference to the linux/amd64 image manifest, fetches the config and
 * the layers the storage driver does not have yet (several at once, into the data root's tmp, each
 * checked against its digest), and applies them in order, checking that each decompresses to the diff
 * id the config names. Files first; the returned commands register the image, where it came from
 * (its repo digest) and the layers' registry blobs.
 */
public final class ImagePuller {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a pull learnt; {@code register} is null when the image was already stored. */
    public record Pulled(String imageId, Command.RegisterImage register, List<Command> records, String repoDigest,
                         boolean upToDate) {}

    private final EngineState state;
    private final StorageDriver storage;
    private final ImageStore images;
    private final RegistryClient registry;
    private final ExecutorService downloads;
    private final Path tmp;

    /** @param downloads runs layer downloads in parallel (bounded; a few at a time is what registries expect) */
    public ImagePuller(EngineState state, StorageDriver storage, ImageStore images, RegistryClient registry,
                       ExecutorService downloads, Path tmp) {
        this.state = state;
        this.storage = storage;
        this.images = images;
        this.registry = registry;
        this.downloads = downloads;
        this.tmp = tmp;
    }

    /** Blocks (network and file work). Failures are {@link ApiException}s with Docker's messages. */
    public Pulled pull(Reference ref, Credentials credentials, ImageProgress progress, long nowNanos) throws IOException {
        RepositorySession session = registry.open(ref, credentials);
        ResolvedManifest resolved;
        try {
            resolved = session.fetchImageManifest(ref.manifestReference(), Platform.LINUX_AMD64);
        } catch (RegistryException e) {
            throw pullFailure(ref, e);
        }
        // as dockerd: once the registry answered with a manifest (an unreachable one says nothing else)
        progress.status(ref.digest() != null ? ref.digest() : ref.tag(), "Pulling from " + ref.name());
        Manifest manifest = resolved.image();
        Descriptor configDescriptor = manifest.config();
        ByteArrayOutputStream configOut = new ByteArrayOutputStream();
        session.fetchBlob(configDescriptor.digest(), configDescriptor.size(), configOut, (c, t) -> { });
        byte[] config = configOut.toByteArray();
        String imageId = "sha256:" + ImageStore.sha256(config);
        JsonNode parsed = JSON.readTree(config);
        List<String> diffIds = new ArrayList<>();
        parsed.path("rootfs").path("diff_ids").forEach(d -> diffIds.add(d.asText()));
        List<Descriptor> blobs = manifest.layers();
        if (diffIds.size() != blobs.size()) {
            throw ApiException.invalid("the manifest of " + ref + " lists " + blobs.size() + " layers, its config "
                    + diffIds.size() + " diff ids");
        }
        List<Command> records = new ArrayList<>();
        String repoDigest = ImageReference.normalize(ref.name() + "@" + resolved.repoDigest());
        records.add(new Command.RecordImageDigest(imageId, repoDigest));
        Image existing = state.image(imageId).orElse(null);

        // which layers are missing: start their downloads at once, in parallel
        List<String> chain = new ArrayList<>();
        List<CompletableFuture<Path>> fetched = new ArrayList<>();
        String parent = null;
        for (int i = 0; i < blobs.size(); i++) {
            Descriptor blob = blobs.get(i);
            String chainId = LayerIds.chain(parent, diffIds.get(i));
            chain.add(chainId);
            parent = chainId;
            records.add(new Command.RecordLayerBlob(diffIds.get(i), blob.digest(), blob.size(), blob.mediaType()));
            String shortId = Digests.shortId(blob.digest());
            if (state.layer(chainId).isPresent() && storage.layerExists(LayerIds.storageId(chainId))) {
                progress.status(shortId, "Already exists");
                fetched.add(null);
                continue;
            }
            if (blob.mediaType().contains("zstd")) {
                throw ApiException.notImplemented("not implemented: zstd-compressed layers (" + blob.digest() + ")");
            }
            progress.status(shortId, "Pulling fs layer");
            fetched.add(CompletableFuture.supplyAsync(() -> download(session, blob, shortId, progress), downloads));
        }

        List<Command.NewLayer> newLayers = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        try {
            long size = 0;
            for (int i = 0; i < blobs.size(); i++) {
                String chainId = chain.get(i);
                String parentId = i == 0 ? null : chain.get(i - 1);
                if (fetched.get(i) == null) {
                    size += state.layer(chainId).map(Layer::size).orElse(0L);
                    continue;
                }
                Path file = join(fetched.get(i));
                files.add(file);
                String shortId = Digests.shortId(blobs.get(i).digest());
                long layerSize = apply(file, chainId, parentId, diffIds.get(i), shortId, progress);
                progress.status(shortId, "Pull complete");
                newLayers.add(new Command.NewLayer(chainId, diffIds.get(i), parentId == null ? "" : parentId, layerSize));
                size += layerSize;
            }
            List<String> tags = ref.digest() == null ? List.of(ImageReference.normalize(ref.name() + ":" + ref.tag())) : List.of();
            Command.RegisterImage register = null;
            if (existing == null || !newLayers.isEmpty()) {
                images.put(config);
                register = new Command.RegisterImage(imageId, new String(config, StandardCharsets.UTF_8), newLayers,
                        chain, size, io.berth.daemon.api.Times.epochNanos(parsed.path("created").asText(""), nowNanos), "", tags,
                        io.berth.daemon.events.Event.ImageCreated.PULL);
            } else {
                tags.forEach(t -> records.add(new Command.TagImage(imageId, t)));
            }
            return new Pulled(imageId, register, records, resolved.repoDigest(),
                    existing != null && existing.tags().containsAll(tags));
        } finally {
            for (CompletableFuture<Path> f : fetched) {
                if (f != null) {
                    f.cancel(true);
                }
            }
            for (CompletableFuture<Path> f : fetched) {
                if (f != null && f.isDone() && !f.isCompletedExceptionally()) {
                    Files.deleteIfExists(f.join());
                }
            }
        }
    }

    private Path download(RepositorySession session, Descriptor blob, String shortId, ImageProgress progress) {
        try {
            Path file = Files.createTempFile(tmp, "pull-", ".blob");
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
                session.fetchBlob(blob.digest(), blob.size(), out,
                        (current, total) -> progress.progress(shortId, "Downloading", current, total));
                progress.status(shortId, "Verifying Checksum");
                progress.status(shortId, "Download complete");
                return file;
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(file);
                throw e;
            }
        } catch (IOException e) {
            throw new CompletionException(e);
        }
    }

    /** Decompresses and applies one downloaded layer; its content must hash to {@code diffId}. */
    private long apply(Path file, String chainId, String parentId, String diffId, String shortId, ImageProgress progress)
            throws IOException {
        long total = Files.size(file);
        MessageDigest sha = ImageArchiveWriter.sha256();
        long size;
        String storageId = LayerIds.storageId(chainId);
        try (InputStream raw = new java.io.FilterInputStream(Files.newInputStream(file)) {
                 private long read;

                 @Override
                 public int read(byte[] b, int off, int len) throws IOException {
                     int n = super.read(b, off, len);
                     if (n > 0) {
                         read += n;
                         progress.progress(shortId, "Extracting", read, total);
                     }
                     return n;
                 }
             };
             InputStream in = new DigestInputStream(ImageImporter.decompress(raw), sha)) {
            size = storage.applyLayer(storageId, parentId == null ? null : LayerIds.storageId(parentId), in);
            in.transferTo(OutputStream.nullOutputStream());
        } catch (LayerFormatException e) {
            throw ApiException.invalid("layer " + diffId + ": " + e.getMessage());
        }
        String actual = "sha256:" + HexFormat.of().formatHex(sha.digest());
        if (!actual.equals(diffId)) {
            storage.removeLayer(storageId);
            throw ApiException.invalid("layer " + shortId + " decompresses to " + actual + ", not the diff id "
                    + diffId + " its image config names");
        }
        return size;
    }

    private static Path join(CompletableFuture<Path> f) throws IOException {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw e;
        }
    }

    /** Docker's words for a manifest that cannot be had. */
    static IOException pullFailure(Reference ref, RegistryException e) {
        return switch (e.kind()) {
            case NOT_FOUND -> ref.registry().equals(Reference.DOCKER_HUB)
                    ? new RegistryException(e.kind(), "pull access denied for " + ref.name()
                            + ", repository does not exist or may require 'docker login'")
                    : new RegistryException(e.kind(), "manifest for " + ref + " not found: manifest unknown");
            case UNAUTHORIZED, DENIED -> new RegistryException(e.kind(), "pull access denied for " + ref.name()
                    + ", repository does not exist or may require 'docker login'");
            default -> e;
        };
    }

}
