package io.berth.daemon.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A token service as distribution's token auth expects one, for tests: on 127.0.0.1, it grants one user
 * (Basic auth) every action asked for, anonymous callers "pull" only, and a wrong password nothing (401).
 * Tokens are JWTs signed RS256 with a key made by openssl, whose self-signed certificate travels in the
 * x5c header and is the registry's root certificate.
 */
final class TokenService implements AutoCloseable {

    static final String SERVICE = "berth-test-registry";
    static final String ISSUER = "berth-test-issuer";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final PrivateKey key;
    private final String certificatePem;
    private final String certificateDer;
    private final String user;
    private final String password;
    private final AtomicInteger issued = new AtomicInteger();

    private TokenService(HttpServer server, PrivateKey key, String certificatePem, String certificateDer, String user, String password) {
        this.server = server;
        this.key = key;
        this.certificatePem = certificatePem;
        this.certificateDer = certificateDer;
        this.user = user;
        this.password = password;
    }

    static TokenService start(String user, String password) throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/var/tmp"), "berth-token-it-");
        try {
            Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=" + ISSUER, "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("openssl failed: " + out);
            }
            String pem = Files.readString(dir.resolve("cert.pem"));
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(Files.newInputStream(dir.resolve("cert.pem")));
            String keyPem = Files.readString(dir.resolve("key.pem"))
                    .replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(keyPem)));
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            TokenService t = new TokenService(server, key, pem, Base64.getEncoder().encodeToString(cert.getEncoded()), user, password);
            server.createContext("/token", t::serve);
            server.start();
            return t;
        } finally {
            LocalRegistry.deleteTree(dir);
        }
    }

    String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    String certificatePem() {
        return certificatePem;
    }

    /** How many tokens were handed out. */
    int issued() {
        return issued.get();
    }

    private void serve(HttpExchange ex) throws IOException {
        try (ex) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            boolean known = false;
            if (auth != null) {
                String expected = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
                if (!auth.equals(expected)) {
                    reply(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
                    return;
                }
                known = true;
            }
            List<String> scopes = new ArrayList<>();
            String query = ex.getRequestURI().getRawQuery();
            for (String pair : query == null ? new String[0] : query.split("&")) {
                if (pair.startsWith("scope=")) {
                    scopes.add(URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8));
                }
            }
            ArrayNode access = JSON.createArrayNode();
            for (String scope : scopes) {
                String[] p = scope.split(":");
                if (p.length != 3 || !p[0].equals("repository")) {
                    continue;
                }
                ArrayNode actions = JSON.createArrayNode();
                for (String action : p[2].split(",")) {
                    if (known || action.equals("pull")) {
                        actions.add(action);
                    }
                }
                access.addObject().put("type", "repository").put("name", p[1]).set("actions", actions);
            }
            long now = System.currentTimeMillis() / 1000;
            ObjectNode claims = JSON.createObjectNode().put("iss", ISSUER).put("sub", known ? user : "")
                    .put("aud", SERVICE).put("exp", now + 300).put("nbf", now - 10).put("iat", now)
                    .put("jti", UUID.randomUUID().toString());
            claims.set("access", access);
            ObjectNode header = JSON.createObjectNode().put("typ", "JWT").put("alg", "RS256");
            header.putArray("x5c").add(certificateDer);
            String signingInput = b64(JSON.writeValueAsBytes(header)) + "." + b64(JSON.writeValueAsBytes(claims));
            Signature rs256 = Signature.getInstance("SHA256withRSA");
            rs256.initSign(key);
            rs256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            String token = signingInput + "." + b64(rs256.sign());
            issued.incrementAndGet();
            reply(ex, 200, JSON.createObjectNode().put("token", token).put("expires_in", 300).toString());
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    private static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static void reply(HttpExchange ex, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
