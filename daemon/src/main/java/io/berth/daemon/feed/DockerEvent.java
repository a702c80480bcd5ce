package io.berth.daemon.feed;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.Map;

/**
 * One message of Docker's event stream ({@code GET /events}): what happened ({@code type}, {@code action})
 * to whom ({@code actorId} and its {@code attributes}), when, and where it comes from in berth's log.
 *
 * @param position the log position of the berth event it was made from (several Docker events may share one)
 */
public record DockerEvent(String type, String action, String actorId, Map<String, String> attributes,
                          long timeNanos, long position) {

    public static final String CONTAINER = "container";
    public static final String IMAGE = "image";
    public static final String NETWORK = "network";

    /**
     * Writes the message as Docker does: {@code Type, Action, Actor{ID, Attributes}, scope, time, timeNano}
     * and, for containers and images, the legacy {@code status}, {@code id} and {@code from} that API
     * versions before 1.52 still carry (docker CLIs before 25 and compose read them).
     */
    public void write(JsonGenerator g) throws IOException {
        g.writeStartObject();
        if (type.equals(CONTAINER) || type.equals(IMAGE)) {
            g.writeStringField("status", action);
            g.writeStringField("id", actorId);
            if (type.equals(CONTAINER)) {
                g.writeStringField("from", attributes.getOrDefault("image", ""));
            }
        }
        g.writeStringField("Type", type);
        g.writeStringField("Action", action);
        g.writeObjectFieldStart("Actor");
        g.writeStringField("ID", actorId);
        g.writeObjectFieldStart("Attributes");
        for (Map.Entry<String, String> a : attributes.entrySet()) {
            g.writeStringField(a.getKey(), a.getValue());
        }
        g.writeEndObject();
        g.writeEndObject();
        g.writeStringField("scope", "local");
        g.writeNumberField("time", Math.floorDiv(timeNanos, 1_000_000_000L));
        g.writeNumberField("timeNano", timeNanos);
        g.writeEndObject();
    }
}
