package io.berth.daemon.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.api.ApiException;
import io.berth.daemon.command.Command;
import io.berth.daemon.util.CrashPoints;
import io.berth.plugin.storage.LayerFormatException;
import io.berth.plugin.storage.StorageDriver;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.apache.commons.compress.compressors.CompressorException;
import org.apache.commons.compress.compressors.CompressorStreamFactory;

/**
 * {@code docker import}: a root filesystem tar (plain, gzip, bzip2 or xz) becomes a one-layer image.
 * The layer goes into the storage driver and the config into the image store (files first); the
 * returned command registers both in the log.
 */
public final class ImageImporter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final StorageDriver storage;
    private final ImageStore images;

    public ImageImporter(StorageDriver storage, ImageStore images) {
        this.storage = storage;
        this.images = images;
    }

    /**
     * Imports the archive in {@code archive}. Blocks (file work).
     *
     * @param tag     the normalised reference to tag, or null
     * @param changes Dockerfile instructions applied to the config (CMD, ENTRYPOINT, ENV, ...)
     * @param message the history comment; empty gives Docker's "Imported from -"
     */
    public Command.RegisterImage importArchive(Path archive, String tag, List<String> changes, String message,
                                               long nowNanos) throws IOException {
        String diffId;
        try (InputStream in = open(archive)) {
            diffId = "sha256:" + digest(in);
        }
        String chainId = diffId; // a base layer's chain id is its diff id
        long size;
        try (InputStream in = decompress(CrashPoints.midUnpack(Files.newInputStream(archive), Files.size(archive)))) {
            size = storage.applyLayer(LayerIds.storageId(chainId), null, in);
        } catch (LayerFormatException e) {
            throw ApiException.invalid("invalid tar archive: " + e.getMessage());
        }
        String created = Instant.ofEpochSecond(0, nowNanos).toString();
        String comment = message == null || message.isEmpty() ? "Imported from -" : message;
        ObjectNode config = JSON.createObjectNode();
        config.put("architecture", "amd64");
        config.put("comment", comment);
        config.set("config", ConfigChanges.apply(JSON.createObjectNode(), changes));
        config.put("created", created);
        ObjectNode history = JSON.createObjectNode();
        history.put("created", created);
        history.put("comment", comment);
        config.set("history", JSON.createArrayNode().add(history));
        config.put("os", "linux");
        ObjectNode rootfs = JSON.createObjectNode();
        rootfs.put("type", "layers");
        ArrayNode diffIds = JSON.createArrayNode().add(diffId);
        rootfs.set("diff_ids", diffIds);
        config.set("rootfs", rootfs);
        byte[] configBytes = JSON.writeValueAsBytes(config);
        String imageId = images.put(configBytes);
        return new Command.RegisterImage(imageId, new String(configBytes, java.nio.charset.StandardCharsets.UTF_8), List.of(new Command.NewLayer(chainId, diffId, "", size)),
                List.of(chainId), size, nowNanos, comment, tag == null ? List.of() : List.of(tag),
                io.berth.daemon.events.Event.ImageCreated.IMPORT);
    }

    /** The archive, decompressed when it is gzip, bzip2 or xz. */
    static InputStream open(Path archive) throws IOException {
        return decompress(Files.newInputStream(archive));
    }

    /** {@code in}, decompressed when it is gzip, bzip2 or xz (sniffed from its first bytes). */
    static InputStream decompress(InputStream in) throws IOException {
        InputStream raw = new BufferedInputStream(in, 1 << 16);
        try {
            String format = CompressorStreamFactory.detect(raw);
            return new CompressorStreamFactory().createCompressorInputStream(format, raw);
        } catch (CompressorException notCompressed) {
            return raw;
        }
    }

    private static String digest(InputStream in) throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (DigestInputStream d = new DigestInputStream(in, sha)) {
                d.transferTo(java.io.OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
