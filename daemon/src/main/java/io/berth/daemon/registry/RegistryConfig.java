package io.berth.daemon.registry;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Where registries are and how long to wait for them.
 *
 * <p>A registry name maps to a base URL: a {@link #mirrors mirror} when one is configured for it (the
 * usual use: "docker.io" → a local mirror), "https://registry-1.docker.io" for docker.io, else
 * "https://NAME". Plain HTTP is used for the {@link #insecure} registries and, as Docker does by default,
 * for every loopback registry (localhost, 127.0.0.0/8, ::1). Unlike Docker, berth does not try HTTPS
 * first on those, so a TLS registry on loopback needs a mirror entry with an https URL.
 *
 * @param defaultRegistry where names without a registry live ("docker.io")
 * @param mirrors registry name → base URL (scheme, host, port; no path)
 * @param insecure registry names ("host:port" or "host") reached over plain HTTP
 * @param connectTimeout how long to wait for a TCP connection; bounds "no route to the registry"
 * @param responseTimeout how long to wait for the status and headers of a request without a large body
 * @param stallTimeout how long a blob download or upload may move no byte before it is abandoned
 * @param uploadChunkSize 0 for monolithic uploads (one PUT with the whole blob); else blobs larger than
 *     this go up in PATCH chunks of this size
 */
public record RegistryConfig(String defaultRegistry, Map<String, URI> mirrors, Set<String> insecure,
        Duration connectTimeout, Duration responseTimeout, Duration stallTimeout, long uploadChunkSize) {

    public static final String DOCKER_HUB_ENDPOINT = "https://registry-1.docker.io";

    public RegistryConfig {
        mirrors = Map.copyOf(mirrors);
        insecure = Set.copyOf(insecure);
        if (uploadChunkSize < 0) {
            throw new IllegalArgumentException("uploadChunkSize must be >= 0");
        }
    }

    /** docker.io, no mirror, loopback insecure, 5 s to connect, 30 s for a response, 60 s of stall, monolithic uploads. */
    public static RegistryConfig defaults() {
        return new RegistryConfig(Reference.DOCKER_HUB, Map.of(), Set.of(),
                Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(60), 0);
    }

    public RegistryConfig withMirror(String registry, URI endpoint) {
        Map<String, URI> m = new java.util.HashMap<>(mirrors);
        m.put(registry, endpoint);
        return new RegistryConfig(defaultRegistry, m, insecure, connectTimeout, responseTimeout, stallTimeout, uploadChunkSize);
    }

    public RegistryConfig withUploadChunkSize(long bytes) {
        return new RegistryConfig(defaultRegistry, mirrors, insecure, connectTimeout, responseTimeout, stallTimeout, bytes);
    }

    public RegistryConfig withTimeouts(Duration connect, Duration response, Duration stall) {
        return new RegistryConfig(defaultRegistry, mirrors, insecure, connect, response, stall, uploadChunkSize);
    }

    /** The base URL of {@code registry}'s API ("http://127.0.0.1:5000"); "/v2/…" is appended to it. */
    public URI endpoint(String registry) {
        URI mirror = mirrors.get(registry);
        if (mirror != null) {
            return mirror;
        }
        if (registry.equals(Reference.DOCKER_HUB)) {
            return URI.create(DOCKER_HUB_ENDPOINT);
        }
        return URI.create((isInsecure(registry) ? "http://" : "https://") + registry);
    }

    /** Whether plain HTTP is used for {@code registry}: listed as insecure, or on loopback. */
    public boolean isInsecure(String registry) {
        if (insecure.contains(registry)) {
            return true;
        }
        String host = hostOf(registry);
        if (insecure.contains(host) || host.equals("localhost")) {
            return true;
        }
        return host.matches("127(\\.[0-9]{1,3}){3}") || host.equals("::1") || host.equals("0:0:0:0:0:0:0:1");
    }

    /** "127.0.0.1:5000" → "127.0.0.1", "[::1]:5000" → "::1". */
    static String hostOf(String registry) {
        if (registry.startsWith("[")) {
            int end = registry.indexOf(']');
            return end > 0 ? registry.substring(1, end) : registry;
        }
        int colon = registry.lastIndexOf(':');
        return colon > 0 ? registry.substring(0, colon) : registry;
    }
}
