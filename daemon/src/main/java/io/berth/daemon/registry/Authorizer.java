package io.berth.daemon.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The Authorization header of one session with one registry, and how it is earned. A request first goes
 * out with what the session has (nothing, at first); a 401 carries the registry's challenges, and
 * {@link #answer} turns them into a header: for "Bearer", a token fetched from the challenge's realm
 * (with the session's credentials as Basic auth, if any) for the challenge's scope plus the session's
 * own scopes; for "Basic", the credentials themselves. A bearer token is fetched again shortly before
 * it expires. Nothing here logs; the header and the token never leave this object except on requests.
 */
final class Authorizer {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Tokens without expires_in live 60 s (distribution's token spec). */
    private static final long DEFAULT_TOKEN_SECONDS = 60;

    private final HttpClient http;
    private final String registry;
    private final Credentials credentials;
    private final Set<String> scopes = new LinkedHashSet<>();
    private final Duration timeout;
    private String header;
    private AuthChallenge bearer;
    private long expiresAtNanos;

    Authorizer(HttpClient http, String registry, Credentials credentials, Duration timeout) {
        this.http = http;
        this.registry = registry;
        this.credentials = credentials;
        this.timeout = timeout;
    }

    /** Asks for {@code scope} ("repository:app:pull,push") in every later token request. */
    synchronized void addScope(String scope) {
        if (scopes.add(scope) && bearer != null) {
            header = null; // the current token lacks the new scope; fetch another one on the next request
        }
    }

    /** The header to send now, or null; refreshes an expiring bearer token first. */
    synchronized String header() throws IOException {
        if (bearer != null && (header == null || System.nanoTime() > expiresAtNanos)) {
            fetchToken(bearer);
        }
        return header;
    }

    /**
     * Answers a 401: earns a new header from the challenges in {@code wwwAuthenticate}.
     *
     * @param sent the header the refused request carried (null if none)
     * @return true when there is a new header worth retrying with; false when the refusal stands
     */
    synchronized boolean answer(String wwwAuthenticate, String sent) throws IOException {
        List<AuthChallenge> challenges = AuthChallenge.parse(wwwAuthenticate);
        AuthChallenge b = AuthChallenge.find(challenges, "bearer");
        if (b != null && b.param("realm") != null) {
            bearer = b;
            fetchToken(b);
            return !header.equals(sent);
        }
        if (AuthChallenge.find(challenges, "basic") != null && !credentials.isAnonymous()) {
            header = credentials.basicHeader();
            return !header.equals(sent);
        }
        return false;
    }

    private void fetchToken(AuthChallenge challenge) throws IOException {
        Set<String> wanted = new LinkedHashSet<>();
        if (challenge.param("scope") != null) {
            wanted.add(challenge.param("scope"));
        }
        wanted.addAll(scopes);
        StringBuilder query = new StringBuilder();
        if (challenge.param("service") != null) {
            query.append("service=").append(encode(challenge.param("service")));
        }
        for (String scope : wanted) {
            query.append(query.length() > 0 ? "&" : "").append("scope=").append(encode(scope));
        }
        String realm = challenge.param("realm");
        URI uri;
        try {
            uri = URI.create(realm + (query.length() == 0 ? "" : (realm.contains("?") ? "&" : "?") + query));
        } catch (IllegalArgumentException e) {
            throw new RegistryException(RegistryException.Kind.PROTOCOL, -1,
                    "registry " + registry + " sent an invalid token realm", e);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().timeout(timeout)
                .header("User-Agent", RegistryClient.USER_AGENT);
        if (!credentials.isAnonymous()) {
            request.header("Authorization", credentials.basicHeader());
        }
        HttpResponse<InputStream> response = Errors.send(http, request.build(), registry);
        byte[] body = Errors.readAtMost(response, 1 << 20);
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            throw new RegistryException(RegistryException.Kind.UNAUTHORIZED, response.statusCode(),
                    "unauthorized: " + (credentials.isAnonymous() ? "authentication required"
                            : "incorrect username or password") + " (token service of " + registry + ")", null);
        }
        if (response.statusCode() != 200) {
            throw Errors.fromResponse(response.statusCode(), body, "token request to the token service of " + registry);
        }
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (IOException e) {
            throw new RegistryException(RegistryException.Kind.PROTOCOL, 200,
                    "the token service of " + registry + " answered something that is not JSON", null);
        }
        String token = json.path("token").asText(json.path("access_token").asText(""));
        if (token.isEmpty()) {
            throw new RegistryException(RegistryException.Kind.PROTOCOL, 200,
                    "the token service of " + registry + " answered without a token", null);
        }
        long seconds = json.path("expires_in").asLong(DEFAULT_TOKEN_SECONDS);
        // refresh a little early, but never sooner than half the lifetime
        long margin = Math.min(30, Math.max(seconds, 1) / 2);
        expiresAtNanos = System.nanoTime() + Duration.ofSeconds(Math.max(seconds, 1) - margin).toNanos();
        header = "Bearer " + token;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
