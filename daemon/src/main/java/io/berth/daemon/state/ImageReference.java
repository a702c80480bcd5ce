package io.berth.daemon.state;

import java.util.regex.Pattern;

/**
 * Docker's image references, in the short familiar form berth stores ("busybox:latest",
 * "localhost:5000/app:1"): the default registry "docker.io" and its "library/" namespace are dropped,
 * a missing tag becomes "latest". A reference with a digest keeps it and gets no tag.
 */
public final class ImageReference {

    private static final Pattern NAME = Pattern.compile(
            "^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$");
    private static final Pattern TAG = Pattern.compile("^[\\w][\\w.-]{0,127}$");

    private ImageReference() {}

    /** The stored form of {@code reference}; unchanged when it is not a valid reference. */
    public static String normalize(String reference) {
        if (reference == null) {
            return "";
        }
        String ref = reference.trim();
        String digest = "";
        int at = ref.indexOf('@');
        if (at >= 0) {
            digest = ref.substring(at);
            ref = ref.substring(0, at);
        }
        String tag = "";
        int slash = ref.lastIndexOf('/');
        int colon = ref.lastIndexOf(':');
        if (colon > slash) {
            tag = ref.substring(colon + 1);
            ref = ref.substring(0, colon);
        }
        if (ref.startsWith("docker.io/")) {
            ref = ref.substring("docker.io/".length());
        } else if (ref.startsWith("index.docker.io/")) {
            ref = ref.substring("index.docker.io/".length());
        }
        if (ref.startsWith("library/") && ref.indexOf('/', "library/".length()) < 0) {
            ref = ref.substring("library/".length());
        }
        if (!digest.isEmpty()) {
            return ref + digest;
        }
        return ref + ":" + (tag.isEmpty() ? "latest" : tag);
    }

    /**
     * Checks a repository and tag as given to import or tag; returns an error message in Docker's words,
     * or null when valid.
     */
    public static String validate(String repository, String tag) {
        if (repository == null || repository.isEmpty()) {
            return "repository name must have at least one component";
        }
        if (!NAME.matcher(repository).matches()) {
            if (!repository.equals(repository.toLowerCase())) {
                return "invalid reference format: repository name (" + repository + ") must be lowercase";
            }
            return "invalid reference format";
        }
        if (tag != null && !tag.isEmpty() && !TAG.matcher(tag).matches()) {
            return "invalid tag format";
        }
        return null;
    }

    /** "busybox:latest" → {"busybox", "latest"}; a digest reference → {name, "<none>"}. */
    public static String[] split(String normalized) {
        int at = normalized.indexOf('@');
        if (at >= 0) {
            return new String[] {normalized.substring(0, at), "<none>"};
        }
        int slash = normalized.lastIndexOf('/');
        int colon = normalized.lastIndexOf(':');
        if (colon > slash) {
            return new String[] {normalized.substring(0, colon), normalized.substring(colon + 1)};
        }
        return new String[] {normalized, "latest"};
    }

    /** The stored form with the registry and namespace spelled out: "busybox:latest" → "docker.io/library/busybox:latest". */
    public static String fullyQualified(String normalized) {
        int slash = normalized.indexOf('/');
        String first = slash < 0 ? "" : normalized.substring(0, slash);
        boolean hasRegistry = slash >= 0 && (first.contains(".") || first.contains(":") || first.equals("localhost"));
        if (hasRegistry) {
            return normalized;
        }
        return "docker.io/" + (slash < 0 ? "library/" : "") + normalized;
    }
}
