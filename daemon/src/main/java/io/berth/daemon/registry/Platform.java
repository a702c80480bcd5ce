package io.berth.daemon.registry;

/**
 * The os/architecture[/variant] an image is built for, as an index entry declares it. berth runs
 * linux/amd64 images, so that is what a pull picks from a multi-platform index.
 *
 * @param variant null when any variant will do (amd64 has none)
 */
public record Platform(String os, String architecture, String variant) {

    public static final Platform LINUX_AMD64 = new Platform("linux", "amd64", null);

    /** "linux/amd64", "linux/arm64/v8". */
    public static Platform parse(String text) {
        String[] p = text.split("/");
        if (p.length < 2 || p.length > 3 || p[0].isEmpty() || p[1].isEmpty()) {
            throw new IllegalArgumentException("invalid platform \"" + text + "\": expected os/arch[/variant]");
        }
        return new Platform(p[0], p[1], p.length == 3 ? p[2] : null);
    }

    /** Whether an index entry for {@code offered} can serve this platform. */
    public boolean accepts(Platform offered) {
        return offered != null && os.equals(offered.os) && architecture.equals(offered.architecture)
                && (variant == null || variant.equals(offered.variant));
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant != null ? "/" + variant : "");
    }
}
