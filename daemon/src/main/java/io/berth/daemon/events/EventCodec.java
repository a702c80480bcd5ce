package io.berth.daemon.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.eventlog.Actor;
import io.berth.eventlog.Envelope;
import io.berth.eventlog.PendingEvent;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns {@link Event} records into log entries and back. The one place that knows event type names and
 * revisions: an event is written at its current revision, and an older payload is lifted by
 * {@link Upcasters} when it is read.
 */
public final class EventCodec {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private static final Map<String, Class<? extends Event>> TYPES = new HashMap<>();
    private static final Map<String, Integer> REVISIONS = new HashMap<>();

    static {
        for (Class<?> c : Event.class.getPermittedSubclasses()) {
            TYPES.put(c.getSimpleName(), c.asSubclass(Event.class));
            REVISIONS.put(c.getSimpleName(), Upcasters.currentRevision(c.getSimpleName()));
        }
    }

    private EventCodec() {}

    public static String typeName(Event event) {
        return event.getClass().getSimpleName();
    }

    /** The revision at which events of {@code type} are written now. */
    public static int revision(String type) {
        Integer r = REVISIONS.get(type);
        if (r == null) {
            throw new IllegalArgumentException("unknown event type " + type);
        }
        return r;
    }

    public static PendingEvent encode(Event event, String correlationId, Actor actor) {
        String type = typeName(event);
        try {
            return new PendingEvent(type, revision(type), event.aggregateKind(), event.aggregateId(),
                    correlationId, actor, JSON.writeValueAsString(event));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + type, e);
        }
    }

    /** The event in an envelope; an unknown type or a revision newer than this berth knows is an error. */
    public static Event decode(Envelope envelope) {
        Class<? extends Event> type = TYPES.get(envelope.type());
        if (type == null) {
            throw new IllegalStateException("unknown event type " + envelope.type() + " at position "
                    + envelope.position());
        }
        int current = REVISIONS.get(envelope.type());
        if (envelope.revision() > current) {
            throw new IllegalStateException("event " + envelope.type() + " at position " + envelope.position()
                    + " has revision " + envelope.revision() + ", newer than this berth knows (" + current + ")");
        }
        try {
            if (envelope.revision() == current) {
                return JSON.readValue(envelope.payload(), type);
            }
            ObjectNode old = (ObjectNode) JSON.readTree(envelope.payload());
            return JSON.treeToValue(Upcasters.lift(envelope.type(), envelope.revision(), old), type);
        } catch (JsonProcessingException | ClassCastException e) {
            throw new IllegalStateException("cannot decode " + envelope.type() + " at position "
                    + envelope.position(), e);
        }
    }
}
