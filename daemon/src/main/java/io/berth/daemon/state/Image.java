package io.berth.daemon.state;

import java.util.List;
import java.util.Set;

/**
 * An image as the event log describes it; its config document lives in the image store under {@code id}.
 *
 * @param layers chain ids of its layers, bottom first
 * @param tags   the references that name it ("busybox:latest")
 */
public record Image(String id, List<String> layers, long size, long createdNanos, String comment, Set<String> tags) {

    Image withTags(Set<String> newTags) {
        return new Image(id, layers, size, createdNanos, comment, Set.copyOf(newTags));
    }
}
