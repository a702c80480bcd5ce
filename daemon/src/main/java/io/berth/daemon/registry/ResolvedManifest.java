package io.berth.daemon.registry;

/**
 * What a reference resolved to for one platform: the image manifest, and the index it was picked from
 * when the reference named a multi-platform index.
 *
 * @param index null when the reference named the image manifest itself
 */
public record ResolvedManifest(Manifest image, Manifest index) {

    /** The digest the reference points at (the index's when there is one): what Docker shows as "Digest:" and keeps in RepoDigests. */
    public String repoDigest() {
        return index != null ? index.digest() : image.digest();
    }
}
