package io.berth.daemon.feed;

import io.berth.daemon.state.EngineState;

/** Where a subscriber gets the projection as it was at some point of the log, to translate the events after it. */
@FunctionalInterface
public interface StateSource {

    /**
     * A new projection holding exactly the events before {@code position} (those the log still holds, or
     * as a snapshot recorded them), owned by the caller. Blocks: call it on a worker.
     */
    EngineState stateBefore(long position);
}
