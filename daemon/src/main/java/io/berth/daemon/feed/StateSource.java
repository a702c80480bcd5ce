package io.berth.daemon.feed;

import io.berth.daemon.state.EngineState;

/** Where a subscriber gets the projection as it was at some point of the log, to translate the events after it. */
@FunctionalInterface
public interface StateSource {

    /** A place to start reading: the first position, and a new projection (the caller's) of everything before it. */
    record Seed(long from, EngineState state) {}

    /**
     * The seed for a reader that asks to start at {@code position}: that position itself, or a later one when
     * the log's retention dropped what the projection before it needs (from the retention boundary on).
     * Blocks: call it on a worker.
     */
    Seed seed(long position);
}
