package io.berth.daemon.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import io.berth.eventlog.Actor;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Map;

/**
 * One API request as the routes see it: path parameters, typed query parameters with Docker's lenient
 * parsing, the JSON body, the caller, and the ways to answer.
 */
public final class ApiCall {

    /** Largest JSON body accepted; larger ones are refused before they are buffered. */
    public static final int MAX_JSON_BODY = 4 * 1024 * 1024;

    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServerRequest request;
    private final Map<String, String> params;
    private final Actor caller;
    private final String path;
    private final String apiVersion;
    private final ApiServer server;
    private final String requestId;
    private final CallAudit audit;

    ApiCall(ApiServer server, HttpServerRequest request, String path, Map<String, String> params, Actor caller,
            String apiVersion, String requestId, CallAudit audit) {
        this.requestId = requestId;
        this.audit = audit;
        this.server = server;
        this.request = request;
        this.path = path;
        this.params = params;
        this.caller = caller;
        this.apiVersion = apiVersion;
    }

    public HttpServerRequest request() {
        return request;
    }

    public HttpServerResponse response() {
        return request.response();
    }

    /** The path without its /vX.Y prefix. */
    public String path() {
        return path;
    }

    /** The API version of the request ("1.47" when it had no prefix). */
    public String apiVersion() {
        return apiVersion;
    }

    public Actor caller() {
        return caller;
    }

    /** The request's id, in its audit record (and the correlation id of the rejection it may log). */
    public String requestId() {
        return requestId;
    }

    /** The request's audit, or null when it is not audited (a read without --audit-reads). */
    CallAudit audit() {
        return audit;
    }

    public String param(String name) {
        return params.get(name);
    }

    public String query(String name) {
        return request.getParam(name);
    }

    public String query(String name, String fallback) {
        String v = request.getParam(name);
        return v == null ? fallback : v;
    }

    /** Booleans as every client sends them: 1/0, true/false, True/False; absent or empty is {@code fallback}. */
    public boolean bool(String name, boolean fallback) {
        String v = request.getParam(name);
        if (v == null || v.isEmpty()) {
            return fallback;
        }
        return switch (v.toLowerCase()) {
            case "1", "true", "yes" -> true;
            case "0", "false", "no" -> false;
            default -> throw ApiException.invalid("invalid boolean value for " + name + ": " + v);
        };
    }

    public int integer(String name, int fallback) {
        String v = request.getParam(name);
        if (v == null || v.isEmpty()) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw ApiException.invalid("invalid value for " + name + ": " + v);
        }
    }

    /** The filters parameter in either encoding (map of sets from Go clients, lists from docker-py). */
    public Filters filters() {
        return Filters.parse(request.getParam("filters"));
    }

    /** Reads the JSON body (an empty body is JSON null), refusing bodies over {@link #MAX_JSON_BODY}. */
    public Future<JsonNode> jsonBody() {
        Promise<JsonNode> promise = Promise.promise();
        String length = request.getHeader("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length) > MAX_JSON_BODY) {
                    return Future.failedFuture(ApiException.invalid("request body is too large (limit "
                            + MAX_JSON_BODY + " bytes)"));
                }
            } catch (NumberFormatException e) {
                return Future.failedFuture(ApiException.invalid("invalid Content-Length"));
            }
        }
        Buffer body = Buffer.buffer();
        request.handler(chunk -> {
            if (promise.future().isComplete()) {
                return;
            }
            if (body.length() + chunk.length() > MAX_JSON_BODY) {
                promise.tryFail(ApiException.invalid("request body is too large (limit " + MAX_JSON_BODY + " bytes)"));
                request.connection().close();
                return;
            }
            body.appendBuffer(chunk);
        });
        request.exceptionHandler(promise::tryFail);
        request.endHandler(v -> {
            if (body.length() == 0) {
                promise.tryComplete(NullNode.getInstance());
                return;
            }
            try {
                promise.tryComplete(JSON.readTree(body.getBytes()));
            } catch (JsonProcessingException e) {
                promise.tryFail(ApiException.invalid("invalid JSON: " + e.getOriginalMessage()));
            } catch (java.io.IOException e) {
                promise.tryFail(ApiException.invalid("invalid JSON: " + e.getMessage()));
            }
        });
        return promise.future();
    }

    public void json(int status, Object body) {
        try {
            byte[] bytes = JSON.writeValueAsBytes(body);
            response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(Buffer.buffer(bytes));
        } catch (JsonProcessingException e) {
            fail(e);
        }
    }

    public void noContent() {
        response().setStatusCode(204).end();
    }

    /** Answers with the error: Docker's status and {"message": ...}. */
    public void fail(Throwable error) {
        server.fail(this, error);
    }
}
