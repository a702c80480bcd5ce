package io.berth.eventlog;

/**
 * An event that has been decided but not yet appended.
 *
 * @param type          the event's type name ("ContainerCreated"); past tense
 * @param revision      the payload's schema revision (starts at 1; upcasters lift old revisions)
 * @param aggregateKind "container", "image", "volume", "network", "exec", "daemon"
 * @param aggregateId   the aggregate's id
 * @param correlationId the id of the API call (or reactor run) that caused the event
 * @param actor         who caused it
 * @param payload       the event's body as a JSON document
 */
public record PendingEvent(String type, int revision, String aggregateKind, String aggregateId,
                           String correlationId, Actor actor, String payload) {}
