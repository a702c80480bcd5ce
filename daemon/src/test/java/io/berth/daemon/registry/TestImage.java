package io.berth.daemon.registry;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** A small image made on the spot: one gzip layer holding one file, its config, and a schema 2 manifest. */
record TestImage(byte[] layer, String layerDigest, byte[] config, String configDigest, Manifest manifest) {

    /** @param fileSize the size of the one file; random bytes, so gzip cannot shrink the layer much */
    static TestImage make(String fileName, int fileSize, long seed) throws IOException {
        byte[] content = new byte[fileSize];
        new Random(seed).nextBytes(content);
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
            TarArchiveEntry e = new TarArchiveEntry(fileName);
            e.setSize(content.length);
            e.setMode(0644);
            out.putArchiveEntry(e);
            out.write(content);
            out.closeArchiveEntry();
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(tar.toByteArray());
        }
        byte[] layer = gz.toByteArray();
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digests.sha256(tar.toByteArray()) + "\"]}}")
                .getBytes(StandardCharsets.UTF_8);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST + "\","
                + "\"config\":{\"mediaType\":\"" + MediaTypes.DOCKER_CONFIG + "\",\"size\":" + config.length
                + ",\"digest\":\"" + Digests.sha256(config) + "\"},"
                + "\"layers\":[{\"mediaType\":\"" + MediaTypes.DOCKER_LAYER + "\",\"size\":" + layer.length
                + ",\"digest\":\"" + Digests.sha256(layer) + "\"}]}";
        return new TestImage(layer, Digests.sha256(layer), config, Digests.sha256(config),
                Manifest.of(manifest.getBytes(StandardCharsets.UTF_8), MediaTypes.DOCKER_MANIFEST));
    }

    /** Pushes what the registry lacks, then the manifest under {@code tag}; returns how many blobs were uploaded. */
    int push(RepositorySession s, String tag) throws IOException {
        int uploaded = 0;
        for (byte[] blob : new byte[][] {layer, config}) {
            String digest = Digests.sha256(blob);
            if (!s.blobExists(digest)) {
                s.pushBlob(digest, blob.length, new ByteArrayInputStream(blob), ProgressListener.NONE);
                uploaded++;
            }
        }
        s.putManifest(tag, manifest);
        return uploaded;
    }
}
