package io.berth.daemon.feed;

import io.berth.daemon.api.Filters;
import java.util.List;

/**
 * Docker's event filters, with dockerd's semantics: several values of one filter are alternatives, different
 * filters must all hold. {@code type}, {@code event} and {@code scope} match exactly (an {@code event} of
 * exec_create, exec_start or health_status also matches as a prefix); {@code container}, {@code network},
 * {@code volume}, {@code daemon} (and swarm's names) match the actor's id or its name attribute, in full or
 * as a prefix, whatever the event's type; {@code image} matches the actor's id or image name with or
 * without the tag; {@code label} needs every key (or key=value) among the attributes.
 */
public final class DockerEventFilter {

    /** The filters dockerd accepts on /events; any other is a 400. */
    static final String[] ACCEPTED = {"container", "image", "event", "label", "type", "daemon", "volume", "network",
            "scope", "plugin", "node", "service", "secret", "config"};
    private static final List<String> NAME_FILTERS = List.of("container", "network", "volume", "daemon", "plugin",
            "node", "service", "secret", "config");
    private static final List<String> PREFIX_EVENTS = List.of("health_status", "exec_create", "exec_start");

    private final Filters filters;

    private DockerEventFilter(Filters filters) {
        this.filters = filters;
    }

    /** The filter a request asks for; an unknown filter name is refused with Docker's message. */
    public static DockerEventFilter of(Filters filters) {
        filters.allow(ACCEPTED);
        return new DockerEventFilter(filters);
    }

    public boolean includes(DockerEvent e) {
        if (!exact("type", e.type()) || !exact("scope", "local") || !matchesAction(e.action())) {
            return false;
        }
        String name = e.attributes().get("name");
        for (String key : NAME_FILTERS) {
            if (!fuzzy(key, e.actorId()) && !fuzzy(key, name)) {
                return false;
            }
        }
        return matchesImage(e) && filters.matchLabels(e.attributes());
    }

    private boolean matchesAction(String action) {
        if (filters.get("event").stream().anyMatch(PREFIX_EVENTS::contains)) {
            return fuzzy("event", action);
        }
        return exact("event", action);
    }

    private boolean matchesImage(DockerEvent e) {
        if (!filters.has("image")) {
            return true;
        }
        String imageName = e.attributes().get(e.type().equals(DockerEvent.IMAGE) ? "name" : "image");
        List<String> wanted = filters.get("image");
        return wanted.contains(e.actorId()) || wanted.contains(withoutTag(e.actorId()))
                || (imageName != null && (wanted.contains(imageName) || wanted.contains(withoutTag(imageName))));
    }

    /** "busybox:latest" → "busybox"; "localhost:5000/app:1" → "localhost:5000/app"; ids and digests unchanged. */
    static String withoutTag(String reference) {
        if (reference.startsWith("sha256:") || reference.contains("@")) {
            return reference;
        }
        int slash = reference.lastIndexOf('/');
        int colon = reference.lastIndexOf(':');
        return colon > slash ? reference.substring(0, colon) : reference;
    }

    /** No values for {@code key}, or one of them is {@code value}. */
    private boolean exact(String key, String value) {
        return !filters.has(key) || filters.get(key).contains(value);
    }

    /** No values for {@code key}, or {@code value} is one of them or starts with one. */
    private boolean fuzzy(String key, String value) {
        if (!filters.has(key)) {
            return true;
        }
        if (value == null) {
            return false;
        }
        for (String v : filters.get(key)) {
            if (value.startsWith(v)) {
                return true;
            }
        }
        return false;
    }
}
