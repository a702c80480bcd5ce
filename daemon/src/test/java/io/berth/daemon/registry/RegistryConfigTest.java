package io.berth.daemon.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RegistryConfigTest {

    @Test
    void endpointsFollowDockersRules() {
        RegistryConfig c = RegistryConfig.defaults();
        assertEquals(URI.create("https://registry-1.docker.io"), c.endpoint("docker.io"));
        assertEquals(URI.create("https://ghcr.io"), c.endpoint("ghcr.io"));
        assertEquals(URI.create("http://localhost:5000"), c.endpoint("localhost:5000"));
        assertEquals(URI.create("http://127.0.0.1:5000"), c.endpoint("127.0.0.1:5000"));
        assertEquals(URI.create("http://127.1.2.3"), c.endpoint("127.1.2.3"));
        assertEquals(URI.create("http://[::1]:5000"), c.endpoint("[::1]:5000"));
        assertEquals(URI.create("https://128.0.0.1:5000"), c.endpoint("128.0.0.1:5000"));
        assertEquals(URI.create("https://localhost.example:5000"), c.endpoint("localhost.example:5000"));
    }

    @Test
    void mirrorsAndInsecureRegistriesAreConfigured() {
        RegistryConfig c = new RegistryConfig("docker.io", Map.of(), Set.of("reg.lan:5000", "other.lan"),
                RegistryConfig.defaults().connectTimeout(), RegistryConfig.defaults().responseTimeout(),
                RegistryConfig.defaults().stallTimeout(), 0)
                .withMirror("docker.io", URI.create("http://127.0.0.1:5001"));
        assertEquals(URI.create("http://127.0.0.1:5001"), c.endpoint("docker.io"));
        assertEquals(URI.create("http://reg.lan:5000"), c.endpoint("reg.lan:5000"));
        assertEquals(URI.create("http://other.lan:443"), c.endpoint("other.lan:443"));
        assertTrue(c.isInsecure("other.lan"));
        assertFalse(c.isInsecure("reg.lan:5001"));
    }

    @Test
    void credentialsNeverShowTheirPassword() {
        Credentials c = Credentials.basic("alice", "secretpw");
        assertFalse(c.toString().contains("secretpw"));
        assertEquals("alice:******", c.toString());
        assertTrue(Credentials.basic("", "x").isAnonymous());
        assertEquals("Basic YWxpY2U6c2VjcmV0cHc=", c.basicHeader());
    }
}
