package io.berth.daemon.feed;

import io.vertx.core.buffer.Buffer;

/** One message for a subscriber, encoded, and the log position of the event it came from. */
public record FeedMessage(long position, Buffer bytes) {}
