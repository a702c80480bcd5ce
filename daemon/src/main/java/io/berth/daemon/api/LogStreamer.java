package io.berth.daemon.api;

import io.berth.daemon.logs.JsonFileLog;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams a container's log to a client: what is in the log now, then, with follow, whatever the monitor
 * appends, until the container stops running or the client goes away. File reads happen on worker
 * threads; following polls the file every {@link #POLL_MS} ms with a timer, holding no thread between polls.
 */
final class LogStreamer {

    static final long POLL_MS = 100;

    private final Engine engine;
    private final String containerId;
    private final JsonFileLog log;
    private final JsonFileLog.Query query;
    private final HttpServerResponse response;
    private final boolean tty;
    private final boolean timestamps;
    private final boolean follow;
    /** Holds the log file open while following (so a removal or rotation loses nothing already written). */
    private volatile JsonFileLog.Follower follower;
    private volatile boolean closed;

    LogStreamer(Engine engine, String containerId, JsonFileLog log, JsonFileLog.Query query,
                HttpServerResponse response, boolean tty, boolean timestamps, boolean follow) {
        this.engine = engine;
        this.containerId = containerId;
        this.log = log;
        this.query = query;
        this.response = response;
        this.tty = tty;
        this.timestamps = timestamps;
        this.follow = follow;
    }

    void start() {
        response.closeHandler(v -> {
            closed = true;
            closeFollower();
        });
        engine.<Buffer>blocking(() -> {
            List<JsonFileLog.Entry> entries = new ArrayList<>();
            long offset = log.read(query, entries::add);
            if (follow) {
                follower = log.follow(offset);
            }
            return encode(entries);
        }).onSuccess(data -> {
            if (data.length() > 0) {
                response.write(data);
            }
            if (follow) {
                poll();
            } else {
                response.end();
            }
        }).onFailure(e -> response.end());
    }

    private void poll() {
        if (closed) {
            return;
        }
        boolean running = engine.state().container(containerId).map(c -> c.running() || c.startPending()).orElse(false);
        engine.<Buffer>blocking(() -> {
            List<JsonFileLog.Entry> entries = new ArrayList<>();
            // a follower wants everything new, whatever tail said
            follower.read(new JsonFileLog.Query(query.stdout(), query.stderr(), query.sinceNanos(),
                    query.untilNanos(), -1), entries::add);
            return encode(entries);
        }).onSuccess(data -> {
            if (closed) {
                return;
            }
            if (data.length() > 0) {
                response.write(data);
            }
            if (!running) {
                closeFollower();
                response.end();
            } else if (response.writeQueueFull()) {
                response.drainHandler(v -> engine.vertx().setTimer(POLL_MS, t -> poll()));
            } else {
                engine.vertx().setTimer(POLL_MS, t -> poll());
            }
        }).onFailure(e -> {
            closeFollower();
            response.end();
        });
    }

    private void closeFollower() {
        JsonFileLog.Follower f = follower;
        if (f != null) {
            engine.blocking(() -> {
                f.close();
                return null;
            });
        }
    }

    private Buffer encode(List<JsonFileLog.Entry> entries) {
        Buffer out = Buffer.buffer();
        for (JsonFileLog.Entry e : entries) {
            byte[] payload = e.data();
            if (timestamps) {
                byte[] prefix = (e.time() + " ").getBytes(java.nio.charset.StandardCharsets.UTF_8);
                byte[] joined = new byte[prefix.length + payload.length];
                System.arraycopy(prefix, 0, joined, 0, prefix.length);
                System.arraycopy(payload, 0, joined, prefix.length, payload.length);
                payload = joined;
            }
            if (tty) {
                out.appendBytes(payload);
            } else {
                out.appendByte((byte) ("stderr".equals(e.stream()) ? 2 : 1)).appendByte((byte) 0)
                        .appendByte((byte) 0).appendByte((byte) 0).appendInt(payload.length).appendBytes(payload);
            }
        }
        return out;
    }
}
