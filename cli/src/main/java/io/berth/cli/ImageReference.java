package io.berth.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The docker CLI's check of an image name given on its command line (distribution/reference's
 * ParseNormalizedNamed): "app", "app:1", "me/app", "localhost:5000/app:1", "app@sha256:…" are names;
 * "App", "app:", "-app" are not, and the error says why in docker's words.
 */
final class ImageReference {

    private static final String PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final String DOMAIN = "(?:" + DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?";
    private static final String NAME = "(?:" + DOMAIN + "/)?(" + PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*)";
    private static final Pattern REFERENCE = Pattern.compile(
            NAME + "(?::[\\w][\\w.-]{0,127})?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?");
    private static final Pattern IMAGE_ID = Pattern.compile("[a-f0-9]{64}");
    private static final int NAME_MAX = 255;

    private ImageReference() {}

    /** @throws IllegalArgumentException with docker's message when {@code ref} is not a valid image name */
    static void validate(String ref) {
        if (IMAGE_ID.matcher(ref).matches()) {
            throw new IllegalArgumentException("invalid repository name (" + ref + "), cannot specify 64-byte hexadecimal strings");
        }
        String[] domainAndRemainder = splitDomain(ref);
        String remainder = domainAndRemainder[1];
        int colon = remainder.indexOf(':');
        String remote = colon < 0 ? remainder : remainder.substring(0, colon);
        if (!lower(remote).equals(remote)) {
            throw new IllegalArgumentException("invalid reference format: repository name (" + remote + ") must be lowercase");
        }
        String normalized = domainAndRemainder[0] + "/" + remainder;
        Matcher m = REFERENCE.matcher(normalized);
        if (!m.matches()) {
            throw new IllegalArgumentException(REFERENCE.matcher(lower(normalized)).matches()
                    ? "repository name must be lowercase" : "invalid reference format");
        }
        if (m.group(1).length() > NAME_MAX) {
            throw new IllegalArgumentException("repository name must not be more than " + NAME_MAX + " characters");
        }
        String digest = m.group(2);
        if (digest != null && digest.startsWith("sha256:") && !digest.matches("sha256:[a-f0-9]{64}")) {
            throw new IllegalArgumentException("invalid checksum digest format");
        }
    }

    /**
     * {registry, the rest}: the first part names a registry when it has a '.' or ':', is "localhost", or
     * has an upper-case letter; else the registry is docker.io, where a one-part name gets "library/".
     */
    private static String[] splitDomain(String ref) {
        int slash = ref.indexOf('/');
        String domain = "docker.io";
        String remainder = ref;
        if (slash >= 0) {
            String first = ref.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost") || !lower(first).equals(first)) {
                domain = first.equals("index.docker.io") ? "docker.io" : first;
                remainder = ref.substring(slash + 1);
            }
        }
        if (domain.equals("docker.io") && !remainder.contains("/")) {
            remainder = "library/" + remainder;
        }
        return new String[] {domain, remainder};
    }

    private static String lower(String s) {
        return s.toLowerCase(java.util.Locale.ROOT);
    }
}
