package io.berth.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * One API call as the audit trail keeps it: who called, what, and how it ended. Never a body or a header
 * (registry passwords travel in X-Registry-Auth and in the body of /auth); the query string given here
 * must already be free of secrets ({@link #redactQuery}).
 *
 * @param time           when the outcome was decided (the response head was written, the connection was
 *                       taken over, or it closed first)
 * @param requestId      the call's id, unique per request
 * @param caller         who is on the other end of the connection
 * @param method         the HTTP method
 * @param path           the path without its /vX.Y prefix
 * @param query          the query string, secrets redacted; "" when there is none
 * @param apiVersion     the API version the call asked for
 * @param status         the HTTP status the client got; 0 when the connection closed before any answer
 * @param outcome        what the status means for the call
 * @param error          the error message sent with a refused or failed call; null otherwise
 * @param durationMicros from the request's arrival to its outcome
 */
public record AuditRecord(Instant time, String requestId, Caller caller, String method, String path, String query,
                          String apiVersion, int status, Outcome outcome, String error, long durationMicros) {

    /** Longest text field kept; longer values (a path of 64 KiB) are cut and marked with "…". */
    public static final int MAX_FIELD = 4096;

    /** Record types: an API call, a retention checkpoint, the recovery from a torn last record. */
    public static final String CALL = "call";
    public static final String CHECKPOINT = "checkpoint";
    public static final String RECOVERED = "recovered";

    /**
     * The peer of the call: on the unix socket SO_PEERCRED's uid, gid and pid and the process's command
     * name (/proc/PID/comm); -1 and "" for what could not be learned.
     */
    public record Caller(String origin, int uid, int gid, int pid, String command) {}

    /** How a call ended, from its status. */
    public enum Outcome {
        /** 1xx–3xx: done (a streamed answer that later reports an error in its stream is still accepted). */
        ACCEPTED,
        /** 4xx: refused (bad input, no such object, conflict, not allowed). */
        REJECTED,
        /** 5xx: the daemon failed. */
        FAILED,
        /** The client closed the connection before any answer. */
        ABORTED;

        public static Outcome of(int status) {
            if (status <= 0) {
                return ABORTED;
            }
            return status >= 500 ? FAILED : status >= 400 ? REJECTED : ACCEPTED;
        }

        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** RFC 3339 with nanoseconds, UTC, fixed width, so that times sort as text. */
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'")
            .withZone(ZoneOffset.UTC);

    static String time(Instant t) {
        return TIME.format(t);
    }

    /** The record's fields in the order they are written, before the chain adds seq (first) and prev (last). */
    void writeTo(ObjectNode node) {
        node.put("requestId", requestId);
        ObjectNode c = node.putObject("caller");
        c.put("origin", caller.origin());
        c.put("uid", caller.uid());
        c.put("gid", caller.gid());
        c.put("pid", caller.pid());
        c.put("command", cut(caller.command()));
        node.put("method", method);
        node.put("path", cut(path));
        node.put("query", cut(query));
        node.put("apiVersion", apiVersion);
        node.put("status", status);
        node.put("outcome", outcome.text());
        if (error != null) {
            node.put("error", cut(error));
        }
        node.put("durationMicros", durationMicros);
    }

    private static String cut(String s) {
        return s == null || s.length() <= MAX_FIELD ? s : s.substring(0, MAX_FIELD) + "…";
    }

    /**
     * The query string with every value that may be secret replaced by "REDACTED": build arguments (their
     * names are kept, their values may be tokens) and any parameter whose name speaks of auth, passwords,
     * secrets or tokens. Takes and returns the raw (percent-encoded) form.
     */
    public static String redactQuery(String query) {
        if (query == null || query.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (String pair : query.split("&")) {
            if (out.length() > 0) {
                out.append('&');
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String lower = java.net.URLDecoder.decode(name.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8)
                    .toLowerCase(java.util.Locale.ROOT);
            if (eq < 0) {
                out.append(pair);
            } else if (lower.equals("buildargs")) {
                out.append(name).append('=').append(buildArgNames(pair.substring(eq + 1)));
            } else if (lower.contains("auth") || lower.contains("password") || lower.contains("secret")
                    || lower.contains("token")) {
                out.append(name).append("=REDACTED");
            } else {
                out.append(pair);
            }
        }
        return out.toString();
    }

    /** {"A":"x","B":"y"} (encoded) → {"A":"REDACTED","B":"REDACTED"} (encoded); anything else → REDACTED. */
    private static String buildArgNames(String encoded) {
        try {
            String json = java.net.URLDecoder.decode(encoded, java.nio.charset.StandardCharsets.UTF_8);
            if (Chain.JSON.readTree(json) instanceof ObjectNode args) {
                ObjectNode names = Chain.JSON.createObjectNode();
                args.fieldNames().forEachRemaining(n -> names.put(n, "REDACTED"));
                return java.net.URLEncoder.encode(names.toString(), java.nio.charset.StandardCharsets.UTF_8);
            }
        } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
            // not a JSON object: nothing of it is kept
        }
        return "REDACTED";
    }
}
