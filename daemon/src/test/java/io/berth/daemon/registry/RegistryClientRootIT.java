package io.berth.daemon.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The registry client against a real registry: Debian's docker-registry (distribution 2.8) on
 * 127.0.0.1, without auth, with htpasswd Basic auth, and with bearer tokens from a token service in this
 * JVM. Pushes a small image by tag (skipping blobs the registry has), pulls it back by tag and by digest
 * and checks every digest. Each registry runs in its own temporary directory, removed after each test
 * however it ends. Needs scripts/packages.sh (docker-registry, apache2-utils); fails without them.
 */
class RegistryClientRootIT {

    static final String USER = "alice";
    static final String PASSWORD = "secretpw";

    final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stopEverything() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    <T extends AutoCloseable> T closeLater(T resource) {
        cleanup.add(resource);
        return resource;
    }

    static RegistryClient client() {
        return new RegistryClient(RegistryConfig.defaults().withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(10)));
    }

    @Test
    void pushesAndPullsByTagAndByDigestWithoutAuth() throws Exception {
        LocalRegistry registry = closeLater(LocalRegistry.open());
        RegistryClient client = client();
        Reference ref = client.resolve(registry.address() + "/berth/test:v1");
        assertEquals(registry.address(), ref.registry());
        TestImage image = TestImage.make("hello.txt", 4096, 1);

        RepositorySession push = client.open(ref, Credentials.anonymous());
        assertFalse(push.blobExists(image.layerDigest()));
        assertEquals(2, image.push(push, ref.tag()));
        assertTrue(push.blobExists(image.layerDigest()));
        assertTrue(push.blobExists(image.configDigest()));
        assertEquals(0, image.push(push, "v1-again"), "a second push uploads nothing");

        RepositorySession pull = client.open(ref, Credentials.anonymous());
        ResolvedManifest byTag = pull.fetchImageManifest(ref.tag(), Platform.LINUX_AMD64);
        assertNull(byTag.index());
        assertArrayEquals(image.manifest().bytes(), byTag.image().bytes());
        assertEquals(image.manifest().digest(), byTag.repoDigest());
        assertEquals(MediaTypes.DOCKER_MANIFEST, byTag.image().mediaType());

        Reference byDigestRef = client.resolve(registry.address() + "/berth/test@" + image.manifest().digest());
        Manifest byDigest = client.open(byDigestRef, Credentials.anonymous()).fetchManifest(byDigestRef.manifestReference());
        assertArrayEquals(image.manifest().bytes(), byDigest.bytes());

        for (Descriptor d : List.of(byTag.image().config(), byTag.image().layers().get(0))) {
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            List<Long> progress = new ArrayList<>();
            assertEquals(d.size(), pull.fetchBlob(d.digest(), d.size(), sink, (current, total) -> progress.add(current)));
            assertEquals(d.digest(), Digests.sha256(sink.toByteArray()));
            assertEquals(d.size(), progress.get(progress.size() - 1));
        }
        assertArrayEquals(image.layer(), fetch(pull, image.layerDigest()));
    }

    @Test
    void uploadsInChunksAndMountsAcrossRepositories() throws Exception {
        LocalRegistry registry = closeLater(LocalRegistry.open());
        RegistryClient client = new RegistryClient(RegistryConfig.defaults().withUploadChunkSize(64 * 1024));
        TestImage big = TestImage.make("big.bin", 300 * 1024, 2);
        assertTrue(big.layer().length > 4 * 64 * 1024, "the layer spans several chunks");

        RepositorySession a = client.open(registry.address(), "berth/a", Credentials.anonymous());
        List<Long> progress = new ArrayList<>();
        a.pushBlob(big.layerDigest(), big.layer().length, new ByteArrayInputStream(big.layer()), (c, t) -> progress.add(c));
        assertEquals(big.layer().length, progress.get(progress.size() - 1));
        assertArrayEquals(big.layer(), fetch(a, big.layerDigest()));

        RepositorySession b = client.open(registry.address(), "berth/b", Credentials.anonymous());
        assertFalse(b.blobExists(big.layerDigest()));
        assertTrue(b.mountBlob(big.layerDigest(), "berth/a"));
        assertTrue(b.blobExists(big.layerDigest()));
        assertFalse(b.mountBlob(TestImage.make("x", 10, 3).layerDigest(), "berth/a"), "nothing to mount: the registry declines");

        // content that does not match its digest never completes an upload, chunked or not
        byte[] wrong = big.layer().clone();
        wrong[wrong.length / 2] ^= 1;
        RegistryException chunked = assertThrows(RegistryException.class,
                () -> a.pushBlob(big.layerDigest(), wrong.length, new ByteArrayInputStream(wrong), ProgressListener.NONE));
        assertEquals(RegistryException.Kind.DIGEST_MISMATCH, chunked.kind(), chunked.getMessage());
        assertArrayEquals(big.layer(), fetch(a, big.layerDigest()), "the blob stored before is untouched");
        TestImage small = TestImage.make("s", 100, 4);
        RegistryException monolithic = assertThrows(RegistryException.class,
                () -> a.pushBlob(big.configDigest(), small.layer().length, new ByteArrayInputStream(small.layer()), ProgressListener.NONE));
        assertEquals(RegistryException.Kind.DIGEST_MISMATCH, monolithic.kind(), monolithic.getMessage());
        assertFalse(a.blobExists(small.layerDigest()));
    }

    @Test
    void picksLinuxAmd64FromAnIndex() throws Exception {
        LocalRegistry registry = closeLater(LocalRegistry.open());
        RegistryClient client = client();
        RepositorySession s = client.open(registry.address(), "berth/multi", Credentials.anonymous());
        TestImage amd64 = TestImage.make("amd64.txt", 100, 5);
        TestImage arm64 = TestImage.make("arm64.txt", 100, 6);
        amd64.push(s, "amd64");
        arm64.push(s, "arm64");
        String index = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST_LIST + "\",\"manifests\":["
                + entry(arm64.manifest(), "arm64", "\"variant\":\"v8\",") + "," + entry(amd64.manifest(), "amd64", "") + "]}";
        Manifest list = Manifest.of(index.getBytes(StandardCharsets.UTF_8), MediaTypes.DOCKER_MANIFEST_LIST);
        assertEquals(list.digest(), s.putManifest("multi", list));

        ResolvedManifest r = client.open(registry.address(), "berth/multi", Credentials.anonymous())
                .fetchImageManifest("multi", Platform.LINUX_AMD64);
        assertEquals(list.digest(), r.repoDigest());
        assertEquals(amd64.manifest().digest(), r.image().digest());
        assertTrue(r.index().isIndex());
        assertEquals(arm64.manifest().digest(), s.fetchImageManifest("multi", Platform.parse("linux/arm64")).image().digest());
        RegistryException none = assertThrows(RegistryException.class, () -> s.fetchImageManifest("multi", Platform.parse("linux/ppc64le")));
        assertEquals("no matching manifest for linux/ppc64le in the manifest list entries", none.getMessage());
    }

    static String entry(Manifest m, String arch, String variant) {
        return "{\"mediaType\":\"" + m.mediaType() + "\",\"size\":" + m.size() + ",\"digest\":\"" + m.digest() + "\","
                + "\"platform\":{" + variant + "\"architecture\":\"" + arch + "\",\"os\":\"linux\"}}";
    }

    @Test
    void failuresSayWhatAndWhere() throws Exception {
        LocalRegistry registry = closeLater(LocalRegistry.open());
        RegistryClient client = client();
        RepositorySession s = client.open(registry.address(), "berth/test", Credentials.anonymous());

        RegistryException manifest = assertThrows(RegistryException.class, () -> s.fetchManifest("nosuch"));
        assertEquals(RegistryException.Kind.NOT_FOUND, manifest.kind());
        assertEquals("manifest for " + registry.address() + "/berth/test:nosuch not found: manifest unknown: manifest unknown",
                manifest.getMessage());
        String missing = TestImage.make("m", 1, 7).layerDigest();
        RegistryException blob = assertThrows(RegistryException.class,
                () -> s.fetchBlob(missing, -1, new ByteArrayOutputStream(), ProgressListener.NONE));
        assertEquals(RegistryException.Kind.NOT_FOUND, blob.kind(), blob.getMessage());
        assertTrue(blob.getMessage().startsWith("blob " + missing + " in " + registry.address() + "/berth/test not found"), blob.getMessage());

        int closedPort = LocalRegistry.freePort();
        long start = System.nanoTime();
        RegistryException refused = assertThrows(RegistryException.class,
                () -> client.open("127.0.0.1:" + closedPort, "berth/test", Credentials.anonymous()).fetchManifest("v1"));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(RegistryException.Kind.UNREACHABLE, refused.kind());
        assertTrue(refused.getMessage().startsWith("registry 127.0.0.1:" + closedPort + " is unreachable"), refused.getMessage());
        assertTrue(refused.getMessage().endsWith("connection refused"), refused.getMessage());
        assertTrue(millis < 2000, "connection refused took " + millis + " ms");
    }

    @Test
    void basicAuthFromHtpasswd() throws Exception {
        LocalRegistry registry = closeLater(LocalRegistry.withHtpasswd(List.of(htpasswd(USER, PASSWORD))));
        RegistryClient client = client();
        Credentials good = Credentials.basic(USER, PASSWORD);
        Credentials bad = Credentials.basic(USER, "wrong");

        client.login(registry.address(), good);
        RegistryException refusedLogin = assertThrows(RegistryException.class, () -> client.login(registry.address(), bad));
        assertEquals(RegistryException.Kind.UNAUTHORIZED, refusedLogin.kind());
        assertEquals("login attempt to http://" + registry.address() + "/v2/ failed with status: 401 Unauthorized", refusedLogin.getMessage());

        TestImage image = TestImage.make("secret.txt", 2048, 8);
        RegistryException anonymous = assertThrows(RegistryException.class,
                () -> image.push(client.open(registry.address(), "berth/private", Credentials.anonymous()), "v1"));
        assertEquals(RegistryException.Kind.UNAUTHORIZED, anonymous.kind(), anonymous.getMessage());

        assertEquals(2, image.push(client.open(registry.address(), "berth/private", good), "v1"));
        RepositorySession pull = client.open(registry.address(), "berth/private", good);
        assertEquals(image.manifest().digest(), pull.fetchImageManifest("v1", Platform.LINUX_AMD64).repoDigest());
        assertArrayEquals(image.layer(), fetch(pull, image.layerDigest()));

        RegistryException wrong = assertThrows(RegistryException.class,
                () -> client.open(registry.address(), "berth/private", bad).fetchManifest("v1"));
        assertEquals(RegistryException.Kind.UNAUTHORIZED, wrong.kind());
        for (RegistryException e : List.of(refusedLogin, anonymous, wrong)) {
            assertFalse(e.getMessage().contains(PASSWORD) || e.getMessage().contains("wrong"), e.getMessage());
        }
    }

    @Test
    void bearerTokensFromATokenService() throws Exception {
        TokenService tokens = closeLater(TokenService.start(USER, PASSWORD));
        LocalRegistry registry = closeLater(LocalRegistry.withTokens(tokens.realm(), TokenService.SERVICE, TokenService.ISSUER, tokens.certificatePem()));
        RegistryClient client = client();
        Credentials good = Credentials.basic(USER, PASSWORD);

        client.login(registry.address(), good);
        RegistryException badLogin = assertThrows(RegistryException.class,
                () -> client.login(registry.address(), Credentials.basic(USER, "wrong")));
        assertEquals(RegistryException.Kind.UNAUTHORIZED, badLogin.kind(), badLogin.getMessage());

        TestImage image = TestImage.make("token.txt", 1024, 9);
        RegistryException anonymousPush = assertThrows(RegistryException.class,
                () -> image.push(client.open(registry.address(), "berth/tok", Credentials.anonymous()), "v1"));
        assertEquals(RegistryException.Kind.UNAUTHORIZED, anonymousPush.kind(), anonymousPush.getMessage());

        RepositorySession push = client.open(registry.address(), "berth/tok", good);
        int beforePush = tokens.issued();
        assertEquals(2, image.push(push, "v1"));
        int afterPush = tokens.issued();
        assertEquals(2, afterPush - beforePush, "a pull token for the first HEAD, then one pull+push token for the rest");

        // anonymous users may pull (the token service grants them pull only)
        RepositorySession pull = client.open(registry.address(), "berth/tok", Credentials.anonymous());
        assertArrayEquals(image.manifest().bytes(), pull.fetchManifest("v1").bytes());
        assertArrayEquals(image.layer(), fetch(pull, image.layerDigest()));
        assertArrayEquals(image.config(), fetch(pull, image.configDigest()));
        assertEquals(afterPush + 1, tokens.issued(), "a session fetches its token once");

        RepositorySession other = client.open(registry.address(), "berth/tok2", good);
        assertTrue(other.mountBlob(image.layerDigest(), "berth/tok"));
        assertTrue(other.blobExists(image.layerDigest()));
    }

    static byte[] fetch(RepositorySession s, String digest) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        s.fetchBlob(digest, -1, sink, ProgressListener.NONE);
        return sink.toByteArray();
    }

    /** "alice:$2y$05$…" from apache2-utils' htpasswd, the password given on stdin. */
    static String htpasswd(String user, String password) throws Exception {
        Process p = new ProcessBuilder("htpasswd", "-niB", user).redirectErrorStream(false).start();
        p.getOutputStream().write((password + "\n").getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String line = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "htpasswd failed: "
                + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        assertTrue(line.startsWith(user + ":$2"), line);
        return line;
    }
}
