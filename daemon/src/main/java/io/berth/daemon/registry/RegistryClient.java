package io.berth.daemon.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.Map;

/**
 * berth's client of the OCI distribution API (Docker Registry HTTP API v2): resolves image references,
 * opens a {@link RepositorySession} per pull or push, and checks logins. One instance serves the whole
 * daemon and every thread: it holds the HTTP client (connection pool, one selector thread) and the
 * configuration; credentials are given per session and kept only as long as it lives.
 */
public final class RegistryClient {

    static final String USER_AGENT = "berth/0.1";

    private final RegistryConfig config;
    private final StallWatch stalls = new StallWatch();
    private HttpClient http;

    /** Cheap: the HTTP client (whose TLS setup costs hundreds of milliseconds) is made on first use. */
    public RegistryClient(RegistryConfig config) {
        this.config = config;
    }

    private synchronized HttpClient http() {
        if (http == null) {
            http = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(config.connectTimeout())
                    .followRedirects(HttpClient.Redirect.NEVER) // RegistryHttp follows them, without credentials across hosts
                    .build();
        }
        return http;
    }

    public RegistryConfig config() {
        return config;
    }

    StallWatch stalls() {
        return stalls;
    }

    /** Resolves {@code reference} with this client's default registry (see {@link Reference#parse(String, String)}). */
    public Reference resolve(String reference) {
        return Reference.parse(reference, config.defaultRegistry());
    }

    /** A session on {@code reference}'s repository acting as {@code credentials}; nothing is sent yet. */
    public RepositorySession open(Reference reference, Credentials credentials) {
        return open(reference.registry(), reference.repository(), credentials);
    }

    public RepositorySession open(String registry, String repository, Credentials credentials) {
        return new RepositorySession(this, new RegistryHttp(http(), config, registry, credentials), repository);
    }

    /**
     * Checks that {@code credentials} are good on {@code registry}, the way {@code docker login} does:
     * GET /v2/, answering the registry's challenge (token or Basic) with them. A registry that asks for
     * nothing accepts any login. Blocks.
     *
     * @throws RegistryException UNAUTHORIZED "login attempt to URL failed with status: 401 Unauthorized",
     *     UNREACHABLE
     */
    public void login(String registry, Credentials credentials) throws IOException {
        RegistryHttp h = new RegistryHttp(http(), config, registry, credentials);
        String url = h.resolve("/v2/").toString();
        HttpResponse<InputStream> r;
        try {
            r = h.send("GET", h.resolve("/v2/"), Map.of(), null, true, config.responseTimeout(), "login to " + registry);
        } catch (RegistryException e) {
            if (e.kind() == RegistryException.Kind.UNAUTHORIZED) {
                throw new RegistryException(e.kind(), e.status(),
                        "login attempt to " + url + " failed with status: 401 Unauthorized", null);
            }
            throw e;
        }
        byte[] body = Errors.readAtMost(r, 64 * 1024);
        if (r.statusCode() != 200) {
            throw Errors.fromResponse(r.statusCode(), body, "login attempt to " + url);
        }
    }
}
