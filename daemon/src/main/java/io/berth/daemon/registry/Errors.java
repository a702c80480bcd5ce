package io.berth.daemon.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Turns what goes wrong on the wire into {@link RegistryException}s: transport failures name the
 * registry and the URL (never a header), and error answers carry the registry's own error codes in
 * Docker's form ("manifest unknown: manifest unknown").
 */
final class Errors {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Errors() {}

    /** Sends {@code request}, mapping connection failures; an interrupt is passed on as InterruptedIOException. */
    static HttpResponse<InputStream> send(HttpClient http, HttpRequest request, String registry) throws IOException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException io = new InterruptedIOException("interrupted: " + request.method() + " " + request.uri());
            io.initCause(e);
            throw io;
        } catch (IOException e) {
            throw unreachable(registry, request, e);
        }
    }

    static RegistryException unreachable(String registry, HttpRequest request, IOException e) {
        String why;
        if (e instanceof HttpConnectTimeoutException) {
            why = "no connection within the connect timeout";
        } else if (e instanceof HttpTimeoutException) {
            why = "no answer within " + request.timeout().map(t -> t.toMillis() + " ms").orElse("the timeout");
        } else if (hasCause(e, ConnectException.class)) {
            why = "connection refused";
        } else if (hasCause(e, NoRouteToHostException.class)) {
            why = "no route to host";
        } else if (hasCause(e, UnresolvedAddressException.class) || hasCause(e, UnknownHostException.class)) {
            why = "no such host";
        } else if (hasCause(e, SSLException.class)) {
            why = "TLS handshake failed (" + e.getMessage() + ")";
        } else {
            why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        }
        return new RegistryException(RegistryException.Kind.UNREACHABLE, -1,
                "registry " + registry + " is unreachable: " + request.method() + " " + withoutQuery(request) + ": " + why, e);
    }

    private static String withoutQuery(HttpRequest request) {
        String u = request.uri().toString();
        int q = u.indexOf('?');
        return q < 0 ? u : u.substring(0, q);
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** Up to {@code limit} bytes of the body, then closes it. */
    static byte[] readAtMost(HttpResponse<InputStream> response, int limit) throws IOException {
        try (InputStream in = response.body()) {
            return in.readNBytes(limit);
        }
    }

    static void discard(HttpResponse<InputStream> response) {
        try {
            response.body().close();
        } catch (IOException ignored) {
            // the answer is complete or abandoned; nothing to keep
        }
    }

    /**
     * The exception for an error answer.
     *
     * @param what what was attempted, for the message: "manifest for localhost:5000/app:1"
     */
    static RegistryException fromResponse(int status, byte[] body, String what) {
        String detail = registryErrors(body);
        RegistryException.Kind kind;
        String message;
        switch (status) {
            case 401:
                kind = RegistryException.Kind.UNAUTHORIZED;
                message = detail.isEmpty() ? "unauthorized: authentication required" : detail;
                break;
            case 403:
                kind = RegistryException.Kind.DENIED;
                message = detail.isEmpty() ? "denied: requested access to the resource is denied" : detail;
                break;
            case 404:
                kind = RegistryException.Kind.NOT_FOUND;
                message = what + " not found" + (detail.isEmpty() ? "" : ": " + detail);
                break;
            case 429:
                kind = RegistryException.Kind.TOO_MANY_REQUESTS;
                message = "toomanyrequests: " + (detail.isEmpty() ? "too many requests" : detail);
                break;
            default:
                kind = detail.contains("digest invalid") ? RegistryException.Kind.DIGEST_MISMATCH
                        : detail.contains("unknown") && status == 400 ? RegistryException.Kind.NOT_FOUND
                        : RegistryException.Kind.PROTOCOL;
                message = what + " failed with status " + status + (detail.isEmpty() ? "" : ": " + detail);
        }
        return new RegistryException(kind, status, message, null);
    }

    /** {"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]} → "manifest unknown: manifest unknown". */
    static String registryErrors(byte[] body) {
        if (body == null || body.length == 0) {
            return "";
        }
        try {
            JsonNode errors = JSON.readTree(body).path("errors");
            StringBuilder b = new StringBuilder();
            for (JsonNode e : errors) {
                if (b.length() > 0) {
                    b.append("; ");
                }
                String code = e.path("code").asText("").toLowerCase(Locale.ROOT).replace('_', ' ');
                String msg = e.path("message").asText("");
                b.append(code.isEmpty() ? msg : msg.isEmpty() ? code : code + ": " + msg);
            }
            return b.toString();
        } catch (IOException | RuntimeException e) {
            String text = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8).strip();
            return text.replaceAll("\\s+", " ");
        }
    }
}
