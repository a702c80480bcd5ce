package io.berth.daemon.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ManifestTest {

    static final String A = "sha256:" + "a".repeat(64);
    static final String B = "sha256:" + "b".repeat(64);
    static final String C = "sha256:" + "c".repeat(64);

    static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    static String entry(String digest, String os, String arch, String variant) {
        return "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + digest + "\",\"size\":500,"
                + "\"platform\":{\"os\":\"" + os + "\",\"architecture\":\"" + arch + "\""
                + (variant == null ? "" : ",\"variant\":\"" + variant + "\"") + "}}";
    }

    @Test
    void anImageManifestKeepsItsBytesAndListsItsBlobs() throws Exception {
        byte[] raw = bytes("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST + "\","
                + "\"config\":{\"mediaType\":\"" + MediaTypes.DOCKER_CONFIG + "\",\"size\":7,\"digest\":\"" + A + "\"},"
                + "\"layers\":[{\"mediaType\":\"" + MediaTypes.DOCKER_LAYER + "\",\"size\":9,\"digest\":\"" + B + "\"}],"
                + "\"annotations\":{\"kept\":\"verbatim\"}}");
        Manifest m = Manifest.of(raw, MediaTypes.DOCKER_MANIFEST + "; charset=utf-8");
        assertEquals(MediaTypes.DOCKER_MANIFEST, m.mediaType());
        assertArrayEquals(raw, m.bytes());
        assertEquals(Digests.sha256(raw), m.digest());
        assertFalse(m.isIndex());
        assertEquals(new Descriptor(MediaTypes.DOCKER_CONFIG, A, 7), m.config());
        assertEquals(1, m.layers().size());
        assertEquals(new Descriptor(MediaTypes.DOCKER_LAYER, B, 9), m.layers().get(0));
    }

    @Test
    void theMediaTypeComesFromTheHeaderTheDocumentOrItsShape() throws Exception {
        String oci = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"size\":1,\"digest\":\"" + A + "\"},\"layers\":[]}";
        assertEquals(MediaTypes.OCI_MANIFEST, Manifest.of(bytes(oci), "application/octet-stream").mediaType());
        assertEquals(MediaTypes.OCI_MANIFEST, Manifest.of(bytes(oci), null).mediaType());
        String index = "{\"schemaVersion\":2,\"manifests\":[]}";
        assertEquals(MediaTypes.OCI_INDEX, Manifest.of(bytes(index), "application/json").mediaType());
        String list = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST_LIST + "\",\"manifests\":[]}";
        assertEquals(MediaTypes.DOCKER_MANIFEST_LIST, Manifest.of(bytes(list), "text/plain").mediaType());
    }

    @Test
    void picksLinuxAmd64FromAMultiPlatformIndex() throws Exception {
        String index = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
                + entry(A, "linux", "arm64", "v8") + "," + entry(B, "windows", "amd64", null) + ","
                + entry(C, "linux", "amd64", null) + "]}";
        Manifest m = Manifest.of(bytes(index), MediaTypes.OCI_INDEX);
        assertTrue(m.isIndex());
        assertEquals(3, m.manifests().size());
        assertEquals(C, m.select(Platform.LINUX_AMD64).digest());
        assertEquals(A, m.select(Platform.parse("linux/arm64/v8")).digest());
        assertEquals(A, m.select(Platform.parse("linux/arm64")).digest());
        RegistryException e = assertThrows(RegistryException.class, () -> m.select(Platform.parse("linux/s390x")));
        assertEquals("no matching manifest for linux/s390x in the manifest list entries", e.getMessage());
        assertEquals(RegistryException.Kind.UNSUPPORTED, e.kind());
        assertThrows(IllegalStateException.class, m::layers);
    }

    @Test
    void refusesSchema1AndUnknownTypes() {
        RegistryException v1 = assertThrows(RegistryException.class,
                () -> Manifest.of(bytes("{\"schemaVersion\":1,\"fsLayers\":[]}"), "application/vnd.docker.distribution.manifest.v1+prettyjws"));
        assertTrue(v1.getMessage().contains("schema 1"), v1.getMessage());
        assertEquals(RegistryException.Kind.UNSUPPORTED, v1.kind());
        assertThrows(RegistryException.class, () -> Manifest.of(bytes("{\"schemaVersion\":2,\"mediaType\":\"application/x-other\"}"), null));
        assertThrows(RegistryException.class, () -> Manifest.of(bytes("not json"), MediaTypes.OCI_MANIFEST));
        assertThrows(IllegalArgumentException.class, () -> Platform.parse("linux"));
    }

    @Test
    void registryErrorsReadAsDockerPrintsThem() {
        assertEquals("manifest unknown: manifest unknown", Errors.registryErrors(
                bytes("{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\",\"detail\":{\"Tag\":\"x\"}}]}")));
        RegistryException e = Errors.fromResponse(404, bytes("{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}"),
                "manifest for localhost:5000/app:nosuch");
        assertEquals("manifest for localhost:5000/app:nosuch not found: manifest unknown: manifest unknown", e.getMessage());
        assertEquals(RegistryException.Kind.NOT_FOUND, e.kind());
        assertEquals(RegistryException.Kind.UNAUTHORIZED, Errors.fromResponse(401, null, "x").kind());
        assertEquals(RegistryException.Kind.DENIED, Errors.fromResponse(403, null, "x").kind());
        assertEquals("Not Found", Errors.registryErrors(bytes("Not Found\n")));
    }
}
