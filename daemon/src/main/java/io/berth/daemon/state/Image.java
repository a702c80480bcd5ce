package io.berth.daemon.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Set;

/**
 * An image as the event log describes it.
 *
 * @param layers chain ids of its layers, bottom first
 * @param tags   the references that name it ("busybox:latest")
 * @param config its config document (OCI image config: "config", "rootfs", "history", ...); callers
 *               must not modify it
 * @param parent   the image a build step (or commit) made this one from; "" for none
 * @param buildKey what the build step that made it depended on besides its parent (the build cache's key);
 *                 "" when no build made it
 */
public record Image(String id, List<String> layers, long size, long createdNanos, String comment, Set<String> tags,
                    ObjectNode config, String parent, String buildKey) {

    private static final ObjectMapper JSON = new ObjectMapper();

    Image withTags(Set<String> newTags) {
        return new Image(id, layers, size, createdNanos, comment, Set.copyOf(newTags), config, parent, buildKey);
    }

    /** The runtime part of the config (Env, Cmd, Entrypoint, WorkingDir, User, Labels, ...). */
    public JsonNode runConfig() {
        JsonNode c = config.path("config");
        return c.isObject() ? c : JSON.createObjectNode();
    }

    /** The config text of an {@code ImageCreated} event as a tree; an empty one for a malformed or absent text. */
    static ObjectNode parseConfig(String text) {
        if (text != null) {
            try {
                if (JSON.readTree(text) instanceof ObjectNode o) {
                    return o;
                }
            } catch (JsonProcessingException malformed) {
                // an image whose config cannot be read still exists; inspect shows what the event holds
            }
        }
        return JSON.createObjectNode();
    }
}
