package io.berth.daemon.feed;

import io.berth.eventlog.Envelope;
import java.util.function.Consumer;

/**
 * Turns the events a follower reads into one subscriber's messages, filtered. Called on a feed worker, with
 * every event of the log from the follower's start on, in order, one call at a time; it may keep state.
 */
public interface FeedFormat {

    /** Passes {@code out} the messages {@code envelope} makes for this subscriber (none, one or several). */
    void accept(Envelope envelope, Consumer<FeedMessage> out);
}
