package io.berth.daemon.registry;

/**
 * A pointer to content in a registry, as manifests and indexes list it.
 *
 * @param platform what an index entry is built for; null outside an index or when the entry does not say
 */
public record Descriptor(String mediaType, String digest, long size, Platform platform) {

    public Descriptor(String mediaType, String digest, long size) {
        this(mediaType, digest, size, null);
    }
}
