package io.berth.daemon.registry;

import java.util.regex.Pattern;

/**
 * An image reference resolved the way Docker resolves it: which registry, which repository in it, and
 * which tag or digest. "busybox" is {@code docker.io} + {@code library/busybox} + {@code latest};
 * "me/app:2" is {@code docker.io} + {@code me/app} + {@code 2}; "localhost:5000/app@sha256:…" is
 * {@code localhost:5000} + {@code app} + that digest.
 *
 * <p>The first path component names a registry when it contains a '.' or a ':', is "localhost", or has
 * an upper-case letter; otherwise the name lives on the default registry. "index.docker.io" is
 * "docker.io", and only on docker.io does a one-component name get the "library/" namespace. When a
 * reference carries both a tag and a digest the digest decides what is pulled; the tag is kept for
 * display.
 *
 * @param registry the registry's name as Docker shows it ("docker.io", "localhost:5000"), not its URL
 * @param repository the path inside the registry ("library/busybox")
 * @param tag the tag, or null when the reference has only a digest
 * @param digest "sha256:&lt;64 hex&gt;", or null
 */
public record Reference(String registry, String repository, String tag, String digest) {

    public static final String DOCKER_HUB = "docker.io";

    private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    private static final Pattern REPOSITORY = Pattern.compile(COMPONENT + "(?:/" + COMPONENT + ")*");
    private static final Pattern REGISTRY = Pattern.compile(
            "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
                    + "|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");

    public Reference {
        if (tag == null && digest == null) {
            throw new IllegalArgumentException("a reference needs a tag or a digest");
        }
    }

    /** Resolves {@code reference} with docker.io as the default registry. */
    public static Reference parse(String reference) {
        return parse(reference, DOCKER_HUB);
    }

    /**
     * Resolves {@code reference}; a name without a registry goes to {@code defaultRegistry}.
     *
     * @throws IllegalArgumentException with Docker's "invalid reference format" wording
     */
    public static Reference parse(String reference, String defaultRegistry) {
        String rest = reference == null ? "" : reference.trim();
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
            if (!Digests.isSha256(digest)) {
                throw invalid(reference, "invalid digest format");
            }
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw invalid(reference, "invalid tag format");
            }
        }
        String registry = defaultRegistry;
        String repository = rest;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")
                    || !first.equals(first.toLowerCase())) {
                registry = first;
                repository = rest.substring(slash + 1);
            }
        }
        if (registry.equals("index.docker.io")) {
            registry = DOCKER_HUB;
        }
        if (registry.equals(DOCKER_HUB) && !repository.contains("/")) {
            repository = "library/" + repository;
        }
        if (!REGISTRY.matcher(registry).matches()) {
            throw invalid(reference, "invalid registry name");
        }
        if (!REPOSITORY.matcher(repository).matches()) {
            throw invalid(reference, repository.equals(repository.toLowerCase())
                    ? "invalid repository name" : "repository name must be lowercase");
        }
        if (registry.length() + 1 + repository.length() > 255) {
            throw invalid(reference, "repository name must not be more than 255 characters");
        }
        return new Reference(registry, repository, tag == null && digest == null ? "latest" : tag, digest);
    }

    private static IllegalArgumentException invalid(String reference, String why) {
        return new IllegalArgumentException("invalid reference format: " + why + " (" + reference + ")");
    }

    /** "docker.io/library/busybox": the fully qualified repository, as Docker's pull messages name it. */
    public String name() {
        return registry + "/" + repository;
    }

    /** What the manifest URL names: the digest when there is one, else the tag. */
    public String manifestReference() {
        return digest != null ? digest : tag;
    }

    /** The same repository at another tag or digest. */
    public Reference withReference(String tagOrDigest) {
        return Digests.isSha256(tagOrDigest)
                ? new Reference(registry, repository, null, tagOrDigest)
                : new Reference(registry, repository, tagOrDigest, null);
    }

    /** "docker.io/library/busybox:latest", "localhost:5000/app@sha256:…". */
    @Override
    public String toString() {
        return name() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }
}
