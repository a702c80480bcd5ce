package io.berth.daemon.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.eventlog.Actor;
import io.berth.eventlog.Envelope;
import io.berth.eventlog.PendingEvent;
import java.util.HashMap;
import java.util.Map;

/** Turns {@link Event} records into log entries and back. The one place that knows event type names. */
public final class EventCodec {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private static final Map<String, Class<? extends Event>> TYPES = new HashMap<>();

    static {
        for (Class<?> c : Event.class.getPermittedSubclasses()) {
            TYPES.put(c.getSimpleName(), c.asSubclass(Event.class));
        }
    }

    private EventCodec() {}

    public static String typeName(Event event) {
        return event.getClass().getSimpleName();
    }

    public static PendingEvent encode(Event event, String correlationId, Actor actor) {
        try {
            return new PendingEvent(typeName(event), Event.REVISION, event.aggregateKind(), event.aggregateId(),
                    correlationId, actor, JSON.writeValueAsString(event));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + typeName(event), e);
        }
    }

    /** The event in an envelope; an unknown type (written by a newer berth) is an error. */
    public static Event decode(Envelope envelope) {
        Class<? extends Event> type = TYPES.get(envelope.type());
        if (type == null) {
            throw new IllegalStateException("unknown event type " + envelope.type() + " at position "
                    + envelope.position());
        }
        if (envelope.revision() > Event.REVISION) {
            throw new IllegalStateException("event " + envelope.type() + " at position " + envelope.position()
                    + " has revision " + envelope.revision() + ", newer than this berth knows");
        }
        try {
            return JSON.readValue(envelope.payload(), type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot decode " + envelope.type() + " at position "
                    + envelope.position(), e);
        }
    }
}
