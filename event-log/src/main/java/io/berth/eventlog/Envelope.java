package io.berth.eventlog;

/**
 * An event as stored in the log.
 *
 * @param position  the event's place in the log: strictly increasing, never reused, starting at 1
 * @param timeNanos wall-clock time of the append, nanoseconds since the epoch (all events of one batch
 *                  share it)
 */
public record Envelope(long position, long timeNanos, String type, int revision, String aggregateKind,
                       String aggregateId, String correlationId, Actor actor, String payload) {}
