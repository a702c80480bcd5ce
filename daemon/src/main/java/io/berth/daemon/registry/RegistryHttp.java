package io.berth.daemon.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * HTTP with one registry as one principal: sends a request with the session's Authorization header,
 * answers a 401 challenge once and retries, follows redirects of GET and HEAD (a redirect to another
 * host, such as a CDN serving blobs, goes without the Authorization header), and maps failures to
 * {@link RegistryException}. Answers of any other status are returned for the caller to judge.
 */
final class RegistryHttp {

    private static final int MAX_REDIRECTS = 5;

    final String registry;
    final URI base;
    final Authorizer authorizer;
    private final HttpClient http;

    RegistryHttp(HttpClient http, RegistryConfig config, String registry, Credentials credentials) {
        this.http = http;
        this.registry = registry;
        this.base = config.endpoint(registry);
        this.authorizer = new Authorizer(http, registry, credentials, config.responseTimeout());
    }

    /** "/v2/app/blobs/uploads/" → the absolute URL on this registry; an absolute URL stays as it is. */
    URI resolve(String pathOrUrl) {
        return base.resolve(pathOrUrl);
    }

    /**
     * One request to the registry.
     *
     * @param body null for no body; otherwise called once per attempt, so a body that can be sent only
     *     once (a stream) must come with {@code replayable} false, and then a 401 is final
     * @param timeout how long to wait for the answer's headers; null for no limit (a guarded upload)
     * @param what the subject for error messages: "manifest for localhost:5000/app:1"
     */
    HttpResponse<InputStream> send(String method, URI uri, Map<String, String> headers,
            Supplier<HttpRequest.BodyPublisher> body, boolean replayable, Duration timeout, String what)
            throws IOException {
        boolean challenged = false;
        boolean ownHost = true;
        for (int redirects = 0; ; ) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : body.get())
                    .header("User-Agent", RegistryClient.USER_AGENT);
            headers.forEach(b::header);
            if (timeout != null) {
                b.timeout(timeout);
            }
            String authorization = ownHost ? authorizer.header() : null;
            if (authorization != null) {
                b.header("Authorization", authorization);
            }
            HttpResponse<InputStream> response = Errors.send(http, b.build(), registry);
            int status = response.statusCode();
            if (status == 401 && ownHost) {
                byte[] error = Errors.readAtMost(response, 64 * 1024);
                if (!challenged && (body == null || replayable)) {
                    challenged = true;
                    String challenge = response.headers().firstValue("WWW-Authenticate").orElse(null);
                    if (authorizer.answer(challenge, authorization)) {
                        continue;
                    }
                }
                throw Errors.fromResponse(401, error, what);
            }
            boolean redirect = status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
            if (redirect && (method.equals("GET") || method.equals("HEAD"))) {
                String location = response.headers().firstValue("Location").orElse(null);
                Errors.discard(response);
                if (location == null || ++redirects > MAX_REDIRECTS) {
                    throw new RegistryException(RegistryException.Kind.PROTOCOL, status,
                            what + ": too many redirects or a redirect without Location", null);
                }
                uri = uri.resolve(location);
                ownHost = sameOrigin(uri, base);
                continue;
            }
            return response;
        }
    }

    private static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(a.getScheme(), b.getScheme()) && Objects.equals(a.getHost(), b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
    }
}
