package io.berth.daemon.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.history.PointInTime;
import io.berth.daemon.history.SnapshotStore;
import io.berth.daemon.history.TimeTravel;
import java.time.Instant;

/**
 * berth's own time-travel API, under /berth/: the container list and inspect as they were at a moment
 * ({@code ?at=T}), and the whole state rebuilt from the log alone ({@code /berth/replay?until=T}). T is
 * RFC 3339, unix seconds, or a duration ago ({@link PointInTime}). The answers have exactly the shapes of
 * /containers/json and /containers/{id}/json; the rebuild runs on a worker thread in a state of its own.
 */
public final class HistoryRoutes {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Engine engine;
    private final TimeTravel timeTravel;

    public HistoryRoutes(Engine engine, TimeTravel timeTravel) {
        this.engine = engine;
        this.timeTravel = timeTravel;
    }

    public void register(Router r) {
        r.get("/berth/containers/json", this::list);
        r.get("/berth/containers/{id}/json", this::inspect);
        r.get("/berth/replay", this::replay);
    }

    private void list(ApiCall call) {
        Instant at = moment(call, "at");
        engine.blocking(() -> ContainerQueries.list(timeTravel.stateAt(at).state(), call, PointInTime.nanos(at)))
                .onSuccess(list -> call.json(200, list)).onFailure(error -> call.fail(refusal(error)));
    }

    private void inspect(ApiCall call) {
        Instant at = moment(call, "at");
        engine.blocking(() -> ContainerQueries.inspect(timeTravel.stateAt(at).state(), call.param("id"), engine.paths(),
                PointInTime.nanos(at))).onSuccess(c -> call.json(200, c)).onFailure(error -> call.fail(refusal(error)));
    }

    /**
     * {"Until", "Position", "Time", "EventsReplayed", "From": {"Position", "Snapshot", "Note"}, "State"}:
     * State holds every map of the projection (containers, images, networks, ...) as berth keeps them.
     */
    private void replay(ApiCall call) {
        Instant until = moment(call, "until");
        engine.blocking(() -> {
            TimeTravel.StateAt s = timeTravel.replayFromLog(until);
            ObjectNode out = JSON.createObjectNode();
            out.put("Until", until.toString());
            out.put("Position", s.position());
            out.put("Time", Times.rfc3339(s.timeNanos()));
            out.put("EventsReplayed", s.rebuild().replayed());
            ObjectNode from = out.putObject("From");
            if (s.rebuild().usedSnapshot()) {
                from.put("Position", s.rebuild().snapshot() + 1);
                from.put("Snapshot", s.rebuild().snapshot());
                from.put("Note", "retention dropped the log before position " + (s.rebuild().snapshot() + 1)
                        + ": the replay starts from the snapshot at the retention boundary");
            } else {
                from.put("Position", 1);
                from.putNull("Snapshot");
                from.put("Note", "replayed from the log's first event, without snapshots");
            }
            out.set("State", SnapshotStore.json(s.state().export()));
            return out;
        }).onSuccess(out -> call.json(200, out)).onFailure(error -> call.fail(refusal(error)));
    }

    private static Instant moment(ApiCall call, String name) {
        String value = call.query(name);
        if (value == null || value.isEmpty()) {
            throw ApiException.invalid("the query parameter " + name + " is required: RFC 3339 (2026-11-28T17:40:00Z), "
                    + "unix seconds (1764351600.5) or a duration ago (10m, 1h30m)");
        }
        try {
            return PointInTime.parse(value, Instant.now());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(e.getMessage());
        }
    }

    /** A moment before retention is the caller's mistake (400); the rest is as the router answers it. */
    private static Throwable refusal(Throwable error) {
        return error instanceof TimeTravel.OutsideHistoryException ? ApiException.invalid(error.getMessage()) : error;
    }
}
