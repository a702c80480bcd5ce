package io.berth.daemon.registry;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Content digests in the distribution spec's form, "sha256:&lt;64 lower-case hex&gt;"; sha256 is the only algorithm. */
public final class Digests {

    private static final Pattern SHA256 = Pattern.compile("sha256:[a-f0-9]{64}");

    private Digests() {}

    public static boolean isSha256(String digest) {
        return digest != null && SHA256.matcher(digest).matches();
    }

    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    public static String sha256(byte[] content) {
        return format(newSha256().digest(content));
    }

    /** The digest of what {@code sha} has consumed. */
    public static String format(byte[] sha256) {
        return "sha256:" + HexFormat.of().formatHex(sha256);
    }

    /** "sha256:1b02b9271920…" → "1b02b9271920": the short id Docker's progress lines show. */
    public static String shortId(String digest) {
        String hex = digest.substring(digest.indexOf(':') + 1);
        return hex.substring(0, Math.min(12, hex.length()));
    }
}
