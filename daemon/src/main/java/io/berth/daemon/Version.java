package io.berth.daemon;

/** berth's version and the Docker Engine API versions it serves. */
public final class Version {

    /** berth's own version. */
    public static final String BERTH = "0.1.0";

    /**
     * The engine version clients see: Docker-style semver (clients such as Testcontainers require at
     * least 1.6.0), naming berth in its pre-release part.
     */
    public static final String ENGINE = "28.0.0-berth." + BERTH;

    public static final String API = "1.47";
    public static final String MIN_API = "1.24";

    private Version() {}

    /** Compares major.minor with a "X.Y" version string. */
    public static int compare(int major, int minor, String version) {
        String[] p = version.split("\\.");
        int c = Integer.compare(major, Integer.parseInt(p[0]));
        return c != 0 ? c : Integer.compare(minor, Integer.parseInt(p[1]));
    }
}
