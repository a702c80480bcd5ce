package io.berth.eventlog;

import java.util.List;
import java.util.function.Consumer;

/**
 * The durable, append-only log every piece of berth's state is derived from.
 *
 * <p>Writes come from one thread only (the daemon's journal thread); reads may come from any thread.
 * An append is all-or-nothing: after a crash at any moment, a batch is either wholly in the log or not
 * at all. When {@link #append} returns, the batch survives a kill -9 of the process; with
 * {@code fsync} enabled at open it also survives power loss.
 */
public interface EventLog extends AutoCloseable {

    /** Appends a batch in order and returns it as stored. An empty batch appends nothing. */
    List<Envelope> append(List<PendingEvent> batch);

    /**
     * Calls {@code consumer} with every event whose position is {@code >= fromPosition}, in order, up to
     * the end of the log as it is when the call starts. Returns the position of the last event delivered
     * (or {@code fromPosition - 1} when none).
     */
    long replay(long fromPosition, Consumer<Envelope> consumer);

    /** The position of the newest event, 0 when the log is empty. */
    long lastPosition();

    @Override
    void close();
}
