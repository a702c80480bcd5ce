package io.berth.daemon.api;

import io.berth.audit.AuditRecord;
import io.berth.audit.AuditTrail;
import io.berth.daemon.Version;
import io.berth.eventlog.Actor;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannelConfig;
import io.netty.util.AttributeKey;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.berth.daemon.command.Command;
import io.berth.daemon.command.Journal;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.ConnectionBase;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Docker Engine API over HTTP/1.1 on a unix socket. Accepts every /vX.Y prefix from
 * {@link Version#MIN_API} to {@link Version#API}, adds Docker's headers to every response, knows the
 * caller of every request (SO_PEERCRED), gives each request an id, records each state-changing request
 * (and, with --audit-reads, each read) in the audit trail ({@link CallAudit}), and maps errors to Docker's
 * status codes and {@code {"message": ...}} bodies in one place.
 *
 * <p>The server listens before the daemon is ready, so that accepting connections and parsing the first
 * requests overlap with the daemon's start: a request waits (paused, on its event loop) until a router
 * that answers it is served: {@link #serveEarly} for the few calls that are right before the daemon is
 * complete (/_ping as soon as it listens), {@link #serve} for all of them.
 *
 * <p>Connections allow half-close, because a client that has no more stdin shuts down its write side
 * of a hijacked attach connection and still expects output; on a connection that was not hijacked a
 * half-close simply closes it.
 */
public final class ApiServer {

    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    private static final Pattern VERSIONED = Pattern.compile("^/v(\\d+)\\.(\\d+)(/.*)$");

    /** Set on a channel when a route has taken the connection over; called when the client half-closes. */
    static final AttributeKey<Runnable> ON_INPUT_SHUTDOWN = AttributeKey.valueOf("berth.onInputShutdown");
    static final AttributeKey<Boolean> INPUT_SHUT = AttributeKey.valueOf("berth.inputShut");
    static final AttributeKey<Boolean> HIJACKED = AttributeKey.valueOf("berth.hijacked");
    /** Who is on the other end of a connection, learned when it is accepted. */
    private static final AttributeKey<Actor> CALLER = AttributeKey.valueOf("berth.caller");
    /** The connection's requests whose audit record waits for their outcome. */
    private static final AttributeKey<Set<CallAudit>> UNDECIDED = AttributeKey.valueOf("berth.undecided");
    private static final Actor UNKNOWN = new Actor("unix", -1, -1, -1, "");

    /** A request that arrived before a router that answers it was served. */
    private record HeldRequest(HttpServerRequest request, String path, String apiVersion, String requestId,
                               CallAudit audit, Context context) {}

    private final Vertx vertx;
    private final boolean readOnly;
    private final AuditTrail audit;
    private final boolean auditReads;
    private final List<HeldRequest> held = new ArrayList<>(); // guarded by itself, as are the two routers' changes
    private volatile Router earlyRouter; // answers what it matches while the daemon is not ready
    private volatile Router router;      // answers every request once the daemon is ready
    private HttpServer server;

    /**
     * @param readOnly   refuse every state-changing call (a daemon that only replays and serves the log)
     * @param audit      where every state-changing call is recorded
     * @param auditReads record read-only calls (GET, HEAD) too
     */
    public ApiServer(Vertx vertx, boolean readOnly, AuditTrail audit, boolean auditReads) {
        this.vertx = vertx;
        this.readOnly = readOnly;
        this.audit = audit;
        this.auditReads = auditReads;
    }

    /** From now on answers the requests {@code partial} matches, those waiting included; the others keep waiting. */
    public void serveEarly(Router partial) {
        release(partial, false);
    }

    /** From now on answers every request with {@code complete}, those waiting first. */
    public void serve(Router complete) {
        release(complete, true);
    }

    private void release(Router next, boolean complete) {
        List<HeldRequest> released = new ArrayList<>();
        synchronized (held) {
            if (complete) {
                router = next;
            } else {
                earlyRouter = next;
            }
            for (Iterator<HeldRequest> it = held.iterator(); it.hasNext(); ) {
                HeldRequest h = it.next();
                if (complete || next.match(h.request.method(), h.path) != null) {
                    released.add(h);
                    it.remove();
                }
            }
        }
        for (HeldRequest h : released) {
            h.context.runOnContext(v -> {
                // resume first, as a route that reads the body sets its handlers in this same turn
                h.request.resume();
                route(h.request, h.path, h.apiVersion, h.requestId, h.audit);
            });
        }
    }

    public Future<Void> listen(Path socket) throws java.io.IOException {
        Files.createDirectories(socket.getParent());
        Files.deleteIfExists(socket);
        HttpServerOptions options = new HttpServerOptions()
                .setMaxHeaderSize(64 * 1024)
                .setMaxInitialLineLength(64 * 1024)
                .setMaxChunkSize(256 * 1024)
                .setDecompressionSupported(false)
                .setCompressionSupported(false);
        server = vertx.createHttpServer(options)
                .connectionHandler(this::onConnection)
                .requestHandler(this::onRequest);
        return server.listen(SocketAddress.domainSocketAddress(socket.toString())).map(s -> {
            try {
                Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
            } catch (java.io.IOException e) {
                LOG.warn("cannot set permissions of {}: {}", socket, e.getMessage());
            }
            return null;
        });
    }

    public Future<Void> close() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    private void onConnection(HttpConnection connection) {
        Channel channel = ((ConnectionBase) connection).channel();
        channel.attr(CALLER).set(Caller.of(channel));
        Set<CallAudit> undecided = new HashSet<>();
        channel.attr(UNDECIDED).set(undecided);
        // a listener, not the connection's one close handler, which routes set for their own ends
        channel.closeFuture().addListener(f -> channel.eventLoop().execute(() ->
                new ArrayList<>(undecided).forEach(CallAudit::connectionClosed)));
        if (channel.config() instanceof DuplexChannelConfig duplex) {
            duplex.setAllowHalfClosure(true);
        }
        channel.pipeline().addFirst("berth-half-close", new ChannelDuplexHandler() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                if (evt instanceof ChannelInputShutdownEvent) {
                    ctx.channel().attr(INPUT_SHUT).set(true);
                    Runnable onShutdown = ctx.channel().attr(ON_INPUT_SHUTDOWN).get();
                    if (onShutdown != null) {
                        onShutdown.run();
                    } else if (!Boolean.TRUE.equals(ctx.channel().attr(HIJACKED).get())) {
                        ctx.close();
                    }
                    return;
                }
                super.userEventTriggered(ctx, evt);
            }
        });
    }

    private void onRequest(HttpServerRequest request) {
        HttpServerResponseHeaders.add(request.response());
        String rawPath = request.path();
        String path = decode(rawPath);
        String apiVersion = Version.API;
        String requestId = UUID.randomUUID().toString();
        Channel channel = ((ConnectionBase) request.connection()).channel();
        Actor caller = channel.hasAttr(CALLER) ? channel.attr(CALLER).get() : UNKNOWN;
        boolean read = request.method() == HttpMethod.GET || request.method() == HttpMethod.HEAD;
        CallAudit callAudit = read && !auditReads ? null
                : new CallAudit(audit, request, caller, requestId, path, apiVersion, channel.attr(UNDECIDED).get());
        Matcher m = VERSIONED.matcher(path);
        if (m.matches()) {
            int major = Integer.parseInt(m.group(1));
            int minor = Integer.parseInt(m.group(2));
            apiVersion = major + "." + minor;
            if (Version.compare(major, minor, Version.API) > 0) {
                sendError(request, callAudit, ApiException.invalid("client version " + apiVersion
                        + " is too new. Maximum supported API version is " + Version.API));
                return;
            }
            if (Version.compare(major, minor, Version.MIN_API) < 0) {
                sendError(request, callAudit, ApiException.invalid("client version " + apiVersion
                        + " is too old. Minimum supported API version is " + Version.MIN_API
                        + ", please upgrade your client to a newer version"));
                return;
            }
            path = m.group(3);
        }
        if (callAudit != null) {
            callAudit.routed(path, apiVersion);
        }
        route(request, path, apiVersion, requestId, callAudit);
    }

    /** Answers a request with the router served for it, or holds it until there is one. */
    private void route(HttpServerRequest request, String path, String apiVersion, String requestId, CallAudit callAudit) {
        Router.Match match = null;
        Router complete = router;
        if (complete == null) {
            synchronized (held) {
                complete = router;
                if (complete == null) {
                    Router partial = earlyRouter;
                    match = partial == null ? null : partial.match(request.method(), path);
                    if (match == null) {
                        request.pause();
                        held.add(new HeldRequest(request, path, apiVersion, requestId, callAudit,
                                vertx.getOrCreateContext()));
                        return;
                    }
                }
            }
        }
        if (match == null) {
            match = complete.match(request.method(), path);
        }
        if (match == null) {
            sendError(request, callAudit, ApiException.notFound("page not found"));
            return;
        }
        if (readOnly && request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
            sendError(request, callAudit, ApiException.conflict("this daemon runs with --no-side-effects: it serves the state"
                    + " replayed from its log and changes nothing"));
            return;
        }
        Channel channel = ((ConnectionBase) request.connection()).channel();
        Actor caller = channel.hasAttr(CALLER) ? channel.attr(CALLER).get() : UNKNOWN;
        ApiCall call = new ApiCall(this, request, path, match.params(), caller, apiVersion, requestId, callAudit);
        try {
            match.handler().handle(call);
        } catch (Throwable e) {
            fail(call, e);
        }
    }

    /**
     * Answers a failed call; a refused state-changing call that the journal did not decide itself (bad
     * JSON, bad parameters, unknown names) is recorded in the log with its caller, the query's secrets
     * redacted, and the request id as the correlation id (so that it joins the call's audit record).
     */
    void fail(ApiCall call, Throwable error) {
        Throwable e = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        HttpMethod method = call.request().method();
        if (e instanceof ApiException api && !api.recorded() && api.kind() != ApiException.Kind.NOT_MODIFIED
                && method != HttpMethod.GET && method != HttpMethod.HEAD) {
            String query = AuditRecord.redactQuery(call.request().query());
            Journal.send(vertx, new Command.RecordRejection(method.name(), call.request().path()
                    + (query.isEmpty() ? "" : "?" + query), api.kind().status, api.getMessage()), call.caller(),
                    call.requestId());
        }
        sendError(call.request(), call.audit(), e);
    }

    private static String decode(String path) {
        try {
            return URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return path;
        }
    }

    /** Sends {@code error} as Docker does (its message goes to the audit record); unexpected errors are a 500 and are logged. */
    static void sendError(HttpServerRequest request, CallAudit callAudit, Throwable error) {
        Throwable e = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        int status;
        String message;
        if (e instanceof ApiException api) {
            status = api.kind().status;
            message = api.getMessage();
        } else {
            status = 500;
            message = e.getMessage() == null ? e.toString() : e.getMessage();
            LOG.error("request {} {} failed", request.method(), request.path(), e);
        }
        if (callAudit != null) {
            callAudit.error(message);
        }
        var response = request.response();
        if (response.ended() || response.closed()) {
            return;
        }
        if (response.headWritten()) {
            // a stream already started: end it; the error cannot be sent as a status any more
            response.end();
            return;
        }
        if (status == 304) {
            response.setStatusCode(304).end();
            return;
        }
        response.setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(ApiCall.JSON.createObjectNode().put("message", message).toString() + "\n");
    }
}
