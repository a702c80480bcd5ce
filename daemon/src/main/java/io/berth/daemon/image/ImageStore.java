package io.berth.daemon.image;

import io.berth.daemon.util.Files2;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Content-addressed image configs: each config document is stored as {@code blobs/sha256/<hex>}, where
 * hex is the sha256 of its bytes, so an image's id is the digest of its config, as in Docker. Blobs are
 * written under a temporary name and renamed into place before any event names them.
 */
public final class ImageStore {

    private final Path blobs;

    public ImageStore(Path root) throws IOException {
        this.blobs = root.resolve("blobs").resolve("sha256");
        Files.createDirectories(blobs);
        Files2.removeTempFiles(blobs);
    }

    /** Stores a config document and returns its id ("sha256:<hex>"). */
    public String put(byte[] config) throws IOException {
        String hex = sha256(config);
        Path target = blobs.resolve(hex);
        if (!Files.exists(target)) {
            Files2.writeAtomically(target, config);
        }
        return "sha256:" + hex;
    }

    /** The exact bytes of image {@code id}'s config (its sha256 is the id); checked as they are read. */
    public byte[] configBytes(String id) throws IOException {
        byte[] bytes = Files.readAllBytes(blobs.resolve(hex(id)));
        if (!("sha256:" + sha256(bytes)).equals(id.startsWith("sha256:") ? id : "sha256:" + id)) {
            throw new IOException("the stored config of image " + id + " does not match its digest");
        }
        return bytes;
    }

    public void delete(String id) throws IOException {
        Files.deleteIfExists(blobs.resolve(hex(id)));
    }

    /** Every stored id (for removing what no event references at boot). */
    public Set<String> ids() throws IOException {
        Set<String> ids = new HashSet<>();
        try (Stream<Path> files = Files.list(blobs)) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9a-f]{64}"))
                    .forEach(n -> ids.add("sha256:" + n));
        }
        return ids;
    }

    private static String hex(String id) {
        String hex = id.startsWith("sha256:") ? id.substring(7) : id;
        if (!hex.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("not an image id: " + id);
        }
        return hex;
    }

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
