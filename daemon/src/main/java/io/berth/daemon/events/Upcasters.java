package io.berth.daemon.events;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Lifts payloads written at an old revision of an event to the next one, so that every event ever logged
 * still decodes into today's record. An upcaster is keyed by the event type and the revision it reads;
 * {@link EventCodec} applies them in turn until the payload is at {@link EventCodec#revision}. The log is
 * never rewritten: old documents stay as they were written and are lifted each time they are read.
 *
 * <p>Every upcaster is tested against frozen payloads of the revision it reads
 * (daemon/src/test/resources/events/).
 */
final class Upcasters {

    private record Key(String type, int fromRevision) {}

    private static final Map<Key, UnaryOperator<ObjectNode>> ALL = Map.of(
            // ImageCreated 1 → 2: "origin" says what made the image. Revision 1 knew it only for images with a
            // parent: a build step (it had a build cache key) or a commit; an image without one was imported,
            // loaded or pulled, which revision 1 did not tell apart.
            new Key("ImageCreated", 1), payload -> {
                boolean hasParent = !payload.path("parent").asText("").isEmpty();
                boolean built = !payload.path("buildKey").asText("").isEmpty();
                return payload.put("origin", built ? Event.ImageCreated.BUILD
                        : hasParent ? Event.ImageCreated.COMMIT : Event.ImageCreated.UNKNOWN);
            });

    private Upcasters() {}

    /** The current revision of {@code type}: one above the newest revision an upcaster reads. */
    static int currentRevision(String type) {
        int revision = 1;
        while (ALL.containsKey(new Key(type, revision))) {
            revision++;
        }
        return revision;
    }

    /** {@code payload} (of {@code type} at {@code revision}) lifted to the current revision. */
    static ObjectNode lift(String type, int revision, ObjectNode payload) {
        ObjectNode p = payload;
        for (int r = revision; ; r++) {
            UnaryOperator<ObjectNode> up = ALL.get(new Key(type, r));
            if (up == null) {
                return p;
            }
            p = up.apply(p);
        }
    }
}
