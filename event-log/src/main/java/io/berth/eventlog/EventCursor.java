package io.berth.eventlog;

/**
 * A reading position in an {@link EventLog} that stays open and follows the log as it grows: the way a
 * subscriber tails the log, and resumes from a position it remembered.
 *
 * <p>A cursor is used by one thread at a time, but may be handed from one thread to another between calls
 * (with the usual happens-before of the hand-over, e.g. an executor). It holds resources (a mapped file):
 * close it. Close every cursor before the log itself is closed; a cursor of a closed log throws
 * {@link IllegalStateException}.
 */
public interface EventCursor extends AutoCloseable {

    /**
     * The next event at or after {@link #position()}, or null when the log holds nothing more right now.
     * Never blocks: call again later to get the events appended meanwhile (only events that
     * {@link EventLog#append} has acknowledged are returned). After a non-null result, {@link #position()}
     * is that event's position + 1.
     *
     * <p>Events the log's retention ({@link EventLog#deleteBefore}) removed before the cursor got to them
     * are skipped: the cursor continues at the oldest event still stored, and {@link #position()} jumps.
     */
    Envelope next();

    /** The position the next {@link #next()} looks for: the cursor has delivered everything before it. */
    long position();

    @Override
    void close();
}
