package io.berth.daemon.api;

import io.berth.daemon.feed.DockerEventFilter;
import io.berth.daemon.feed.DockerFeedFormat;
import io.berth.daemon.feed.EventFeeds;
import io.berth.daemon.feed.StateSource;
import io.berth.daemon.feed.FeedMessage;
import io.berth.daemon.feed.LogFollower;
import io.berth.daemon.feed.RawFeedFormat;
import io.berth.eventlog.EventLog;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import java.util.List;
import java.util.function.Function;

/**
 * The event streams, all read from the log: Docker's {@code GET /events}; berth's {@code GET /berth/events}
 * (the log's own events, or Docker's, as JSON lines, resumable by position); and the WebSocket
 * {@code /berth/events/ws} for subscribers that reconnect and resume where they left off.
 *
 * <p>Where a stream starts: {@code after=N} (the event after position N), {@code since=T} (the first event
 * at or after T), {@code until=T} alone (the start of the log), else the end of the log (live events only).
 * With {@code until=T} the stream ends once the log is read up to T (at once for a T in the past). T is
 * Docker's {@code seconds[.nanoseconds]}; berth also takes RFC 3339 times and durations ("10m": ago).
 */
public final class EventRoutes {

    /** How much a streamed response may have waiting unsent before the follower waits for it to drain (bytes). */
    static final int STREAM_QUEUE = 2 << 20;
    /** How much a WebSocket subscriber may have waiting unsent before it counts as slow (bytes). */
    static final int DEFAULT_QUEUE = 1 << 20;
    /** How long a WebSocket subscriber may stay slow before it is cut off (ms). */
    static final long DEFAULT_SLOW_MS = 10_000;

    private final EventFeeds feeds;

    public EventRoutes(EventFeeds feeds) {
        this.feeds = feeds;
    }

    public void register(Router r) {
        r.get("/events", this::dockerEvents);
        r.get("/berth/events", this::berthEvents);
        r.get("/berth/events/ws", this::webSocket);
    }

    /** What a request asks to read: where to start and stop, and how to format what it reads. */
    private record Range(long afterPosition, long sinceNanos, long untilNanos) {

        static final long UNSET = -1;

        static Range of(ApiCall call) {
            long now = System.currentTimeMillis() * 1_000_000L;
            String sinceText = call.query("since", "");
            String untilText = call.query("until", "");
            long since = sinceText.isEmpty() ? UNSET : Times.eventTime(sinceText, now);
            long until = untilText.isEmpty() ? Long.MAX_VALUE : Times.eventTime(untilText, now);
            if (since != UNSET && until != Long.MAX_VALUE && until < since) {
                throw ApiException.invalid("`since` time (" + sinceText + ") cannot be after `until` time ("
                        + untilText + ")");
            }
            String afterText = call.query("after", "");
            long after = UNSET;
            if (!afterText.isEmpty()) {
                try {
                    after = Long.parseLong(afterText);
                } catch (NumberFormatException e) {
                    after = -2;
                }
                if (after < 0) {
                    throw ApiException.invalid("invalid value for after: " + afterText
                            + " (a log position: 0 or more)");
                }
            }
            return new Range(after, since, until);
        }

        /** The first position to read; searches the log (a worker's job). */
        long from(EventLog log) {
            if (afterPosition != UNSET) {
                return afterPosition + 1;
            }
            if (sinceNanos != UNSET) {
                return log.firstPositionAtOrAfter(sinceNanos);
            }
            return untilNanos != Long.MAX_VALUE ? log.firstPosition() : log.lastPosition() + 1;
        }
    }

    private void dockerEvents(ApiCall call) {
        Range range = Range.of(call);
        DockerEventFilter filter = DockerEventFilter.of(call.filters());
        stream(call, range, from -> {
            StateSource.Seed seed = feeds.seed(from);
            return new LogFollower.Start(seed.from(), new DockerFeedFormat(seed.state(), filter, false, call.apiVersion()));
        });
    }

    private void berthEvents(ApiCall call) {
        Range range = Range.of(call);
        stream(call, range, formatFor(call, false));
    }

    /**
     * {@code format=raw} (the default: berth's events as logged) or {@code format=docker}: how to start at
     * a position (Docker's messages need the projection before it, which may move the start past the
     * retention boundary).
     */
    private Function<Long, LogFollower.Start> formatFor(ApiCall call, boolean wrapped) {
        String format = call.query("format", "raw");
        switch (format) {
            case "raw" -> {
                RawFeedFormat raw = new RawFeedFormat(call.filters(), wrapped);
                return from -> new LogFollower.Start(from, raw);
            }
            case "docker" -> {
                DockerEventFilter filter = DockerEventFilter.of(call.filters());
                return from -> {
                    StateSource.Seed seed = feeds.seed(from);
                    return new LogFollower.Start(seed.from(),
                            new DockerFeedFormat(seed.state(), filter, wrapped, call.apiVersion()));
                };
            }
            default -> throw ApiException.invalid("invalid format " + format + ": raw or docker");
        }
    }

    /** A chunked JSON-lines response that follows the log from the range's start. */
    private void stream(ApiCall call, Range range, Function<Long, LogFollower.Start> starter) {
        HttpServerResponse response = call.response();
        // a reader of history gets the next batch made while the previous one drains to it
        response.setWriteQueueMaxSize(STREAM_QUEUE);
        // dockerd sends the headers at once; clients wait for them before they go on
        response.setChunked(true).setStatusCode(200).putHeader("Content-Type", "application/json");
        response.writeHead();
        Context context = io.vertx.core.Vertx.currentContext(); // the request's event loop
        LogFollower follower = feeds.follow(context, range.untilNanos(), () -> starter.apply(range.from(feeds.log())),
                new LogFollower.Sink() {
            @Override
            public boolean deliver(List<FeedMessage> messages, Runnable resume) {
                if (response.closed()) {
                    return true;
                }
                Buffer chunk = Buffer.buffer(messages.size() * 256);
                for (FeedMessage m : messages) {
                    chunk.appendBuffer(m.bytes());
                }
                response.write(chunk);
                if (response.writeQueueFull()) {
                    response.drainHandler(v -> resume.run());
                    return false;
                }
                return true;
            }

            @Override
            public void end(Throwable failure) {
                if (!response.ended() && !response.closed()) {
                    response.end();
                }
            }
        });
        response.closeHandler(v -> follower.stop());
    }

    /**
     * The WebSocket: every message is a JSON object with a {@code type}: {@code event} (its {@code position}
     * and the {@code event}, raw or Docker's), {@code caught-up} (history read; {@code position} is the
     * last event of the log at that moment), or {@code cut-off} (the subscriber stayed slow for too long:
     * the socket closes; {@code position} is the last event it was sent, to reconnect with {@code after}).
     * A subscriber that does not keep up has at most {@code queue} bytes (1 MiB; 16 KiB to 64 MiB) waiting for
     * it; when that stays full for {@code slow} ms (10 s; 100 ms to 10 min) it is cut off.
     */
    private void webSocket(ApiCall call) {
        if (!call.request().canUpgradeToWebSocket()) {
            throw ApiException.invalid("/berth/events/ws is a WebSocket: connect with an Upgrade: websocket request");
        }
        Range range = Range.of(call);
        Function<Long, LogFollower.Start> starter = formatFor(call, true);
        int queue = (int) bounded(call, "queue", DEFAULT_QUEUE, 16 << 10, 64 << 20);
        long slowMs = bounded(call, "slow", DEFAULT_SLOW_MS, 100, 600_000);
        Context context = io.vertx.core.Vertx.currentContext(); // the request's event loop
        call.request().toWebSocket().onFailure(call::fail).onSuccess(ws -> {
            ws.setWriteQueueMaxSize(queue);
            WebSocketSink sink = new WebSocketSink(ws, context, slowMs, queue);
            LogFollower follower = feeds.follow(context, range.untilNanos(),
                    () -> starter.apply(range.from(feeds.log())), sink);
            sink.follower = follower;
            ws.closeHandler(v -> follower.stop());
        });
    }

    private static long bounded(ApiCall call, String name, long fallback, long min, long max) {
        String text = call.query(name, "");
        if (text.isEmpty()) {
            return fallback;
        }
        try {
            long v = Long.parseLong(text);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw ApiException.invalid("invalid value for " + name + ": " + text + " (from " + min + " to " + max + ")");
    }

    /** Sends messages as text frames; cuts the subscriber off when its queue stays full too long. */
    private static final class WebSocketSink implements LogFollower.Sink {

        private final ServerWebSocket ws;
        private final Context context;
        private final long slowMs;
        private final int queue;
        private long lastSent;
        private long slowTimer = -1;
        LogFollower follower;

        WebSocketSink(ServerWebSocket ws, Context context, long slowMs, int queue) {
            this.ws = ws;
            this.context = context;
            this.slowMs = slowMs;
            this.queue = queue;
        }

        @Override
        public int batchBytes() {
            return Math.min(queue, LogFollower.BATCH_BYTES); // so that at most about twice the queue waits
        }

        @Override
        public boolean deliver(List<FeedMessage> messages, Runnable resume) {
            if (ws.isClosed()) {
                return true;
            }
            for (FeedMessage m : messages) {
                ws.writeTextMessage(m.bytes().toString());
                lastSent = m.position();
            }
            if (!ws.writeQueueFull()) {
                return true;
            }
            slowTimer = context.owner().setTimer(slowMs, id -> cutOff());
            ws.drainHandler(v -> {
                context.owner().cancelTimer(slowTimer);
                slowTimer = -1;
                resume.run();
            });
            return false;
        }

        @Override
        public void caughtUp(long position) {
            if (!ws.isClosed()) {
                ws.writeTextMessage("{\"type\":\"caught-up\",\"position\":" + position + "}");
            }
        }

        private void cutOff() {
            if (ws.isClosed()) {
                return;
            }
            ws.writeTextMessage("{\"type\":\"cut-off\",\"position\":" + lastSent + ",\"reason\":\"the subscriber read"
                    + " nothing for " + slowMs + " ms while its queue was full; reconnect with after=" + lastSent + "\"}");
            ws.close((short) 1013, "too slow");
            follower.stop();
        }

        @Override
        public void end(Throwable failure) {
            if (slowTimer >= 0) {
                context.owner().cancelTimer(slowTimer);
            }
            if (!ws.isClosed()) {
                ws.close(failure == null ? (short) 1000 : (short) 1011, failure == null ? "end" : "feed failed");
            }
        }
    }
}
