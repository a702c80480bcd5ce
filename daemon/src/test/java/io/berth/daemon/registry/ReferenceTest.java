package io.berth.daemon.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReferenceTest {

    static final String DIGEST = "sha256:" + "ab".repeat(32);

    static void assertParsed(String input, String registry, String repository, String tag, String digest) {
        Reference r = Reference.parse(input);
        assertEquals(registry, r.registry(), input + " registry");
        assertEquals(repository, r.repository(), input + " repository");
        assertEquals(tag, r.tag(), input + " tag");
        assertEquals(digest, r.digest(), input + " digest");
    }

    @Test
    void namesWithoutRegistryLiveOnDockerHub() {
        assertParsed("busybox", "docker.io", "library/busybox", "latest", null);
        assertParsed("busybox:1.36", "docker.io", "library/busybox", "1.36", null);
        assertParsed("me/app:2", "docker.io", "me/app", "2", null);
        assertParsed("me/team/app", "docker.io", "me/team/app", "latest", null);
        assertParsed("docker.io/library/alpine:3.19", "docker.io", "library/alpine", "3.19", null);
        assertParsed("index.docker.io/alpine", "docker.io", "library/alpine", "latest", null);
        assertParsed("docker.io/me/app", "docker.io", "me/app", "latest", null);
        assertEquals("docker.io/library/busybox:latest", Reference.parse("busybox").toString());
        assertEquals("docker.io/library/busybox", Reference.parse("busybox").name());
    }

    @Test
    void aFirstComponentWithDotColonOrLocalhostIsARegistry() {
        assertParsed("localhost:5000/app", "localhost:5000", "app", "latest", null);
        assertParsed("localhost/app:1", "localhost", "app", "1", null);
        assertParsed("127.0.0.1:5000/team/app:v2", "127.0.0.1:5000", "team/app", "v2", null);
        assertParsed("registry.example.com/app", "registry.example.com", "app", "latest", null);
        assertParsed("[::1]:5000/app", "[::1]:5000", "app", "latest", null);
        assertParsed("Registry/app", "Registry", "app", "latest", null);
        // a single name is a repository on docker.io, even "localhost"
        assertParsed("localhost", "docker.io", "library/localhost", "latest", null);
        assertParsed("localhost:5000", "docker.io", "library/localhost", "5000", null);
    }

    @Test
    void digestsWinOverTagsAndKeepThem() {
        assertParsed("busybox@" + DIGEST, "docker.io", "library/busybox", null, DIGEST);
        assertParsed("localhost:5000/app:1@" + DIGEST, "localhost:5000", "app", "1", DIGEST);
        Reference r = Reference.parse("localhost:5000/app:1@" + DIGEST);
        assertEquals(DIGEST, r.manifestReference());
        assertEquals("localhost:5000/app:1@" + DIGEST, r.toString());
        assertEquals("1", Reference.parse("localhost:5000/app:1").manifestReference());
        Reference byDigest = r.withReference(DIGEST);
        assertNull(byDigest.tag());
        assertEquals("v3", r.withReference("v3").tag());
    }

    @Test
    void aDefaultRegistryTakesUnqualifiedNames() {
        Reference r = Reference.parse("team/app:1", "mirror.local:5000");
        assertEquals("mirror.local:5000", r.registry());
        assertEquals("team/app", r.repository());
        // only docker.io gets the library/ namespace
        assertEquals("app", Reference.parse("app", "mirror.local:5000").repository());
        assertEquals("other.io", Reference.parse("other.io/app", "mirror.local:5000").registry());
    }

    @Test
    void refusesInvalidReferencesInDockersWords() {
        for (String bad : new String[] {"", "BusyBox", "busybox:bad tag", "busybox@sha256:abc", "app@md5:" + "a".repeat(32),
                "-app", "app//x", "app:", "localhost:5000/App", "a".repeat(256)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Reference.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("invalid reference format"), e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Reference.parse("BusyBox")).getMessage()
                .contains("must be lowercase"));
    }
}
