package io.berth.daemon.api;

import io.berth.audit.AuditQuery;
import io.berth.audit.AuditTrail;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * berth's own audit endpoints (no Docker counterpart):
 * <ul>
 *   <li>{@code GET /berth/audit?since=&until=&filters=}: the matching records, oldest first, as JSON lines,
 *       streamed; since/until as Docker's (unix seconds, RFC 3339, or a duration back from now), filters as
 *       Docker's JSON (keys: {@link AuditQuery#KEYS});</li>
 *   <li>{@code GET /berth/audit/verify}: the verifier's result as JSON (200 whether or not it found
 *       tampering: read "ok").</li>
 * </ul>
 * Files are read on worker threads; a stream waits for the client when its write queue is full.
 */
public final class AuditRoutes {

    /** Lines sent in one write. */
    private static final int BATCH_BYTES = 64 * 1024;

    private final Vertx vertx;
    private final AuditTrail trail;

    public AuditRoutes(Vertx vertx, AuditTrail trail) {
        this.vertx = vertx;
        this.trail = trail;
    }

    public void register(Router r) {
        r.get("/berth/audit", this::list);
        r.get("/berth/audit/verify", this::verify);
    }

    private void list(ApiCall call) {
        long now = System.currentTimeMillis() * 1_000_000L;
        Instant since = instant(call.query("since"), now);
        Instant until = instant(call.query("until"), now);
        Filters filters = call.filters();
        filters.allow(AuditQuery.KEYS.toArray(String[]::new));
        Map<String, Set<String>> wanted = new HashMap<>();
        for (String key : AuditQuery.KEYS) {
            if (filters.has(key)) {
                wanted.put(key, new HashSet<>(filters.get(key)));
            }
        }
        AuditQuery query = new AuditQuery(since, until, wanted);
        HttpServerResponse response = call.response();
        response.setStatusCode(200).setChunked(true).putHeader("Content-Type", "application/x-ndjson");
        Context context = vertx.getOrCreateContext();
        // the write the reader waits for, failed when the client goes away (a drain would never come)
        AtomicReference<CompletableFuture<Void>> waiting = new AtomicReference<>(CompletableFuture.completedFuture(null));
        response.closeHandler(v -> waiting.get().completeExceptionally(new IllegalStateException("the client went away")));
        vertx.executeBlocking(() -> {
            StringBuilder batch = new StringBuilder();
            trail.read(query, line -> {
                batch.append(line).append('\n');
                if (batch.length() >= BATCH_BYTES) {
                    CompletableFuture<Void> ready = new CompletableFuture<>();
                    waiting.set(ready);
                    send(context, response, batch.toString(), ready);
                    ready.join();
                    batch.setLength(0);
                }
            });
            return batch.toString();
        }).onComplete(ar -> {
            if (ar.succeeded()) {
                response.end(ar.result());
            } else if (!response.headWritten()) {
                call.fail(ar.cause());
            } else {
                response.reset(); // the stream cannot say it broke otherwise
            }
        });
    }

    /** Writes {@code text} on the event loop; completes {@code ready} when the client can take more. */
    private static void send(Context context, HttpServerResponse response, String text, CompletableFuture<Void> ready) {
        context.runOnContext(v -> {
            if (response.closed()) {
                ready.completeExceptionally(new IllegalStateException("the client went away"));
                return;
            }
            response.write(Buffer.buffer(text));
            if (response.writeQueueFull()) {
                response.drainHandler(x -> ready.complete(null));
                response.exceptionHandler(ready::completeExceptionally);
            } else {
                ready.complete(null);
            }
        });
    }

    private void verify(ApiCall call) {
        vertx.executeBlocking(trail::verify)
                .onSuccess(result -> call.json(200, result.toJson()))
                .onFailure(call::fail);
    }

    private static Instant instant(String value, long nowNanos) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        long nanos = Times.eventTime(value, nowNanos);
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }
}
