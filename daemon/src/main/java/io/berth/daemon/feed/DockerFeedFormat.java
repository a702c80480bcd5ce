package io.berth.daemon.feed;

import io.berth.daemon.events.Event;
import io.berth.daemon.events.EventCodec;
import io.berth.daemon.state.EngineState;
import io.berth.eventlog.Envelope;
import java.util.function.Consumer;

/**
 * Docker's event messages: each berth event is translated against this subscriber's own copy of the
 * projection (as it was just before the event), filtered, and written as one JSON object and a newline
 * (the /events stream) or wrapped with its log position (the WebSocket). Events the translation has no use
 * for ({@link DockerEventTranslator#concerns}) are neither decoded nor applied: the copy is kept only as far
 * as the translation reads it.
 */
public final class DockerFeedFormat implements FeedFormat {

    private final EngineState state;
    private final DockerEventTranslator translator = new DockerEventTranslator();
    private final DockerEventFilter filter;
    private final boolean wrapped;
    private final boolean imageCreateEvents;

    /**
     * @param state      the projection as it was just before the first event this format will see; it is
     *                   applied every event from then on, so it must be the format's own
     * @param wrapped    {@code {"type":"event","position":N,"event":{...}}} instead of the bare Docker object
     * @param apiVersion the client's API version: image create events exist from 1.46 on
     */
    public DockerFeedFormat(EngineState state, DockerEventFilter filter, boolean wrapped, String apiVersion) {
        this.state = state;
        this.filter = filter;
        this.wrapped = wrapped;
        String[] v = apiVersion.split("\\.");
        this.imageCreateEvents = io.berth.daemon.Version.compare(Integer.parseInt(v[0]), Integer.parseInt(v[1]), "1.46") >= 0;
    }

    @Override
    public void accept(Envelope envelope, Consumer<FeedMessage> out) {
        if (!DockerEventTranslator.concerns(envelope.type())) {
            return;
        }
        Event event = EventCodec.decode(envelope);
        translator.translate(state, envelope, event, e -> {
            boolean imageCreate = e.type().equals(DockerEvent.IMAGE) && e.action().equals("create");
            if (filter.includes(e) && (imageCreateEvents || !imageCreate)) {
                out.accept(FeedMessage.of(e.position(), wrapped, 256, e::write));
            }
        });
        state.apply(event);
    }
}
