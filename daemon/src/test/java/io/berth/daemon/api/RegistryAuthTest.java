package io.berth.daemon.api;

import io.berth.daemon.registry.Credentials;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegistryAuthTest {

    private static String header(String json) {
        return Base64.getUrlEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anEmptyObjectOrNoHeaderIsAnonymous() {
        assertTrue(RegistryAuth.fromHeader("e30=").isAnonymous());
        assertTrue(RegistryAuth.fromHeader(null).isAnonymous());
    }

    @Test
    void usernameAndPasswordBecomeBasicCredentialsThatNeverPrintThePassword() {
        Credentials c = RegistryAuth.fromHeader(header("{\"username\":\"alice\",\"password\":\"secretpw\",\"serveraddress\":\"localhost:5000\"}"));
        assertFalse(c.isAnonymous());
        assertEquals("alice", c.username());
        assertFalse(c.toString().contains("secretpw"));
    }

    @Test
    void aHeaderThatIsNotBase64JsonIsABadRequest() {
        assertEquals(400, assertThrows(ApiException.class, () -> RegistryAuth.fromHeader("%%%")).kind().status);
    }

    @Test
    void loginAddressesNameTheRegistry() {
        assertEquals("docker.io", RegistryAuth.registry("https://index.docker.io/v1/"));
        assertEquals("docker.io", RegistryAuth.registry(""));
        assertEquals("localhost:5000", RegistryAuth.registry("localhost:5000"));
        assertEquals("127.0.0.1:5000", RegistryAuth.registry("http://127.0.0.1:5000/v2/"));
    }
}
