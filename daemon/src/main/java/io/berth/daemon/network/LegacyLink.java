package io.berth.daemon.network;

/**
 * A legacy link ({@code --link name:alias}) as HostConfig.Links and EndpointsConfig carry it: "web",
 * "web:w", or Docker's stored form "/web:/app/w".
 *
 * @param target the linked container's name or id
 * @param alias  the name it has for the linking container (the target's name when none is given)
 */
public record LegacyLink(String target, String alias) {

    public static LegacyLink parse(String link) {
        String[] parts = link.replaceFirst("^/", "").split(":", 2);
        String alias = parts.length == 2 ? parts[1].substring(parts[1].lastIndexOf('/') + 1) : parts[0];
        return new LegacyLink(parts[0], alias);
    }
}
