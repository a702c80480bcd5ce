package io.berth.daemon.feed;

import com.fasterxml.jackson.core.JsonGenerator;
import io.berth.daemon.api.Filters;
import io.berth.daemon.api.Times;
import io.berth.eventlog.Actor;
import io.berth.eventlog.Envelope;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * berth's own events as the log holds them: position, time, type and revision, aggregate, correlation id,
 * the caller, and the payload as written (an old revision stays old here). Filters: {@code type} (event
 * type, exact), {@code kind} (aggregate kind, exact), {@code id} (aggregate id, or a prefix of it),
 * {@code correlation} (exact); several values of one filter are alternatives.
 */
public final class RawFeedFormat implements FeedFormat {

    static final String[] ACCEPTED = {"type", "kind", "id", "correlation"};

    private final Filters filters;
    private final boolean wrapped;

    /** @param wrapped {@code {"type":"event","position":N,"event":{...}}} instead of the bare object and a newline */
    public RawFeedFormat(Filters filters, boolean wrapped) {
        filters.allow(ACCEPTED);
        this.filters = filters;
        this.wrapped = wrapped;
    }

    @Override
    public void accept(Envelope e, Consumer<FeedMessage> out) {
        if (!matches("type", e.type()) || !matches("kind", e.aggregateKind())
                || !matches("correlation", e.correlationId()) || !matchesId(e.aggregateId())) {
            return;
        }
        out.accept(FeedMessage.of(e.position(), wrapped, 256 + e.payload().length(), g -> write(g, e)));
    }

    static void write(JsonGenerator g, Envelope e) throws IOException {
        g.writeStartObject();
        g.writeNumberField("position", e.position());
        g.writeStringField("time", Times.rfc3339(e.timeNanos()));
        g.writeNumberField("timeNano", e.timeNanos());
        g.writeStringField("type", e.type());
        g.writeNumberField("revision", e.revision());
        g.writeStringField("aggregateKind", e.aggregateKind());
        g.writeStringField("aggregateId", e.aggregateId());
        g.writeStringField("correlationId", e.correlationId());
        Actor a = e.actor();
        if (a != null) {
            g.writeObjectFieldStart("actor");
            g.writeStringField("origin", a.origin());
            g.writeNumberField("uid", a.uid());
            g.writeNumberField("gid", a.gid());
            g.writeNumberField("pid", a.pid());
            g.writeStringField("command", a.command());
            g.writeEndObject();
        }
        g.writeFieldName("payload");
        g.writeRawValue(e.payload());
        g.writeEndObject();
    }

    private boolean matches(String key, String value) {
        return !filters.has(key) || filters.get(key).contains(value);
    }

    private boolean matchesId(String id) {
        if (!filters.has("id")) {
            return true;
        }
        return id != null && filters.get("id").stream().anyMatch(id::startsWith);
    }
}
