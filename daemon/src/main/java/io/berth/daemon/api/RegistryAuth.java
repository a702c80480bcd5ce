package io.berth.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.daemon.registry.Credentials;

import java.util.Base64;

/**
 * The credentials a docker client sends for a pull or push: the {@code X-Registry-Auth} header, base64url
 * JSON {@code {"username", "password", "serveraddress"}} ({@code e30=}, "{}", when not logged in), and a
 * build's {@code X-Registry-Config}, the same per registry. They live for one call: never logged, never put into a command or an event.
 */
final class RegistryAuth {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RegistryAuth() {
    }

    static Credentials fromHeader(String header) {
        if (header == null || header.isBlank()) {
            return Credentials.anonymous();
        }
        JsonNode auth;
        try {
            auth = JSON.readTree(Base64.getUrlDecoder().decode(header.trim().replace('+', '-').replace('/', '_')));
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw ApiException.invalid("invalid X-Registry-Auth header: not base64-encoded JSON");
        }
        return fromJson(auth);
    }

    /**
     * The {@code X-Registry-Config} header of a build: base64url JSON mapping each registry's address to
     * {"username", "password"}; the credentials by registry name ({@link #registry}).
     */
    static java.util.Map<String, Credentials> fromConfigHeader(String header) {
        java.util.Map<String, Credentials> byRegistry = new java.util.HashMap<>();
        if (header == null || header.isBlank()) {
            return byRegistry;
        }
        JsonNode config;
        try {
            config = JSON.readTree(Base64.getUrlDecoder().decode(header.trim().replace('+', '-').replace('/', '_')));
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw ApiException.invalid("invalid X-Registry-Config header: not base64-encoded JSON");
        }
        if (config != null) {
            config.fields().forEachRemaining(e -> byRegistry.put(registry(e.getKey()), fromJson(e.getValue())));
        }
        return byRegistry;
    }

    /** {"username", "password"} (also POST /auth's body); anonymous without a username. */
    static Credentials fromJson(JsonNode auth) {
        String user = auth == null ? "" : auth.path("username").asText("");
        if (user.isEmpty()) {
            return Credentials.anonymous();
        }
        return Credentials.basic(user, auth.path("password").asText(""));
    }

    /** The registry a login names: "https://index.docker.io/v1/" → "docker.io", "localhost:5000" as it is. */
    static String registry(String serverAddress) {
        String s = serverAddress == null ? "" : serverAddress.trim();
        s = s.replaceFirst("^https?://", "");
        int slash = s.indexOf('/');
        if (slash >= 0) {
            s = s.substring(0, slash);
        }
        return s.isEmpty() || s.equals("index.docker.io") || s.equals("registry-1.docker.io") ? "docker.io" : s;
    }
}
