package io.berth.daemon.command;

import io.berth.daemon.events.Event;
import java.util.List;

/**
 * What a command became: the events to append (possibly none, for a command that changes nothing) and a
 * value for the caller (e.g. the list of untagged and deleted images of a docker rmi).
 */
public record Decision(List<Event> events, Object value) {

    public static Decision of(Event... events) {
        return new Decision(List.of(events), null);
    }

    public static Decision none() {
        return new Decision(List.of(), null);
    }
}
