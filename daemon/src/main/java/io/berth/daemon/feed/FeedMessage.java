package io.berth.daemon.feed;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;

/** One message for a subscriber, encoded, and the log position of the event it came from. */
public record FeedMessage(long position, Buffer bytes) {

    private static final JsonFactory JSON = new JsonFactory();

    /** Writes one JSON object. */
    @FunctionalInterface
    public interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    /**
     * The message for the event at {@code position} whose JSON {@code body} writes: the object and a newline
     * (a line of a JSON-lines stream), or, {@code wrapped}, {@code {"type":"event","position":N,"event":{...}}}
     * (a WebSocket message).
     */
    public static FeedMessage of(long position, boolean wrapped, int sizeHint, Body body) {
        Buffer buffer = Buffer.buffer(sizeHint);
        try (JsonGenerator g = JSON.createGenerator(new BufferOutput(buffer))) {
            if (wrapped) {
                g.writeStartObject();
                g.writeStringField("type", "event");
                g.writeNumberField("position", position);
                g.writeFieldName("event");
            }
            body.write(g);
            if (wrapped) {
                g.writeEndObject();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new FeedMessage(position, wrapped ? buffer : buffer.appendByte((byte) '\n'));
    }
}
