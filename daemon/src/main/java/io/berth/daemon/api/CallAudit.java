package io.berth.daemon.api;

import io.berth.audit.AuditRecord;
import io.berth.audit.AuditTrail;
import io.berth.eventlog.Actor;
import io.vertx.core.http.HttpServerRequest;
import java.time.Instant;
import java.util.Set;

/**
 * The audit of one request: records it in the trail once, when its outcome is decided: when the response
 * head is written (streamed answers included), when the connection is taken over for a raw stream
 * ({@link #decided}), or, if the connection closes before either, as aborted. Only the method, path,
 * query (secrets redacted), caller, status and error message are kept: never a header or a body.
 * Everything here runs on the connection's event loop.
 */
final class CallAudit {

    private final AuditTrail trail;
    private final HttpServerRequest request;
    private final Actor caller;
    private final String requestId;
    private final long startNanos = System.nanoTime();
    private final Set<CallAudit> open;
    private String path;
    private String apiVersion;
    private String error;
    private boolean done;

    /**
     * Starts auditing {@code request}; {@code open} holds the connection's undecided audits, which its close
     * turns into aborted records.
     */
    CallAudit(AuditTrail trail, HttpServerRequest request, Actor caller, String requestId, String path,
              String apiVersion, Set<CallAudit> open) {
        this.trail = trail;
        this.request = request;
        this.caller = caller;
        this.requestId = requestId;
        this.path = path;
        this.apiVersion = apiVersion;
        this.open = open;
        open.add(this);
        request.response().headersEndHandler(v -> decided(request.response().getStatusCode()));
    }

    /** The path and version once the /vX.Y prefix is known to be valid and stripped. */
    void routed(String path, String apiVersion) {
        this.path = path;
        this.apiVersion = apiVersion;
    }

    /** The message a refusal or failure is answered with; call before the answer is sent. */
    void error(String message) {
        this.error = message;
    }

    /** Records the outcome with the status the client got; only the first call counts. */
    void decided(int status) {
        if (done) {
            return;
        }
        done = true;
        open.remove(this);
        AuditRecord.Caller who = new AuditRecord.Caller(caller.origin(), caller.uid(), caller.gid(), caller.pid(),
                caller.command());
        AuditRecord.Outcome outcome = AuditRecord.Outcome.of(status);
        trail.append(new AuditRecord(Instant.now(), requestId, who, request.method().name(), path,
                AuditRecord.redactQuery(request.query()), apiVersion, status, outcome,
                outcome == AuditRecord.Outcome.ACCEPTED ? null : error,
                (System.nanoTime() - startNanos) / 1_000));
    }

    /** The connection closed: a request with no answer yet is recorded as aborted. */
    void connectionClosed() {
        decided(0);
    }
}
