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
 *
 * <p><b>Positions</b> start at 1 and are consecutive: every event gets the previous event's position + 1,
 * and a position is never reused, also across reopen and retention.
 *
 * <p><b>Times never decrease.</b> Every event of a batch carries the batch's time: the wall clock at the
 * append, or the previous batch's time when the clock is behind it (it was set back, or the log was
 * written by a machine whose clock was ahead; after a reopen the previous batch is the last stored one).
 * So the events' times are ordered like their positions, which {@link #firstPositionAtOrAfter} relies on.
 *
 * <p><b>Retention</b> removes the oldest events in whole files ({@link #deleteBefore}); what is left is
 * always the contiguous range {@link #firstPosition()} .. {@link #lastPosition()}.
 */
public interface EventLog extends AutoCloseable {

    /** Appends a batch in order and returns it as stored. An empty batch appends nothing. */
    List<Envelope> append(List<PendingEvent> batch);

    /**
     * Calls {@code consumer} with every stored event whose position is {@code >= fromPosition}, in order,
     * up to the end of the log as it is when the call starts. Returns the position of the last event
     * delivered (or {@code fromPosition - 1} when none). Events removed by retention are not delivered:
     * a replay from before {@link #firstPosition()} starts there.
     */
    long replay(long fromPosition, Consumer<Envelope> consumer);

    /**
     * A cursor whose first {@link EventCursor#next()} returns the event at {@code fromPosition} (or the
     * first after it; a position beyond the end waits for that position). When {@code fromPosition} was
     * removed by retention, the cursor starts at {@link #firstPosition()}.
     */
    EventCursor cursor(long fromPosition);

    /** The position of the newest event, 0 when the log is empty. Never decreases. */
    long lastPosition();

    /**
     * The position of the oldest event still stored: 1 for a log that retention never trimmed, and
     * {@code lastPosition() + 1} when the log holds no event (never written, or everything removed).
     */
    long firstPosition();

    /**
     * The first stored position whose time is {@code >= timeNanos} (nanoseconds since the epoch), or
     * {@code lastPosition() + 1} when every stored event is older. A time before the oldest stored event
     * gives {@link #firstPosition()}. A binary search, not a scan.
     */
    long firstPositionAtOrAfter(long timeNanos);

    /**
     * Retention: removes the oldest events, in whole storage files, keeping every event at or after
     * {@code position} (and possibly some before it: only a file all of whose events are below
     * {@code position} is removed; the file holding the newest event is always kept). Safe while cursors
     * and replays read. Returns the new {@link #firstPosition()}.
     */
    long deleteBefore(long position);

    /** The bytes the log's files take on disk. */
    long sizeOnDisk();

    @Override
    void close();
}
