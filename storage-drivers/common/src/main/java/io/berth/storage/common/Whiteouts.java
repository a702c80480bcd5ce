package io.berth.storage.common;

import io.berth.plugin.storage.LayerFormatException;

/**
 * The one place that knows Docker's layer-tar form of deletions (AUFS's): {@code .wh.<name>} deletes
 * {@code <name>} from the layers below, {@code .wh..wh..opq} in a directory hides everything the layers
 * below hold in it. Names starting with {@code .wh..wh.} are AUFS's own bookkeeping (its hard-link
 * directory {@code .wh..wh.plnk}, {@code .wh..wh.aufs}); like Docker we skip them and what is under them.
 * A driver turns the first two into its own form through a {@link WhiteoutFormat}.
 */
public final class Whiteouts {

    public static final String PREFIX = ".wh.";
    public static final String META_PREFIX = ".wh..wh.";
    public static final String OPAQUE = ".wh..wh..opq";

    /** What one tar entry name means. */
    public sealed interface Kind permits Plain, Whiteout, Opaque, Meta {}

    /** A normal entry. */
    public record Plain() implements Kind {}

    /** Deletes {@code target} (a name in the same directory). */
    public record Whiteout(String target) implements Kind {}

    /** The directory holding the marker is opaque. */
    public record Opaque() implements Kind {}

    /** AUFS bookkeeping: skipped. */
    public record Meta() implements Kind {}

    private Whiteouts() {}

    /**
     * Classifies the last component of an entry name; {@code entry} is the whole name, for messages.
     *
     * @throws LayerFormatException for {@code .wh.}, {@code .wh..} and {@code .wh...}, which name nothing
     */
    public static Kind classify(String entry, String base) throws LayerFormatException {
        if (!base.startsWith(PREFIX)) {
            return new Plain();
        }
        if (base.equals(OPAQUE)) {
            return new Opaque();
        }
        if (base.startsWith(META_PREFIX)) {
            return new Meta();
        }
        String target = base.substring(PREFIX.length());
        if (target.isEmpty() || target.equals(".") || target.equals("..")) {
            throw new LayerFormatException(entry + ": whiteout names no file");
        }
        return new Whiteout(target);
    }

    /** True for a directory component that starts AUFS bookkeeping; entries below it are skipped. */
    public static boolean isMetaDirectory(String component) {
        return component.startsWith(META_PREFIX) && !component.equals(OPAQUE);
    }
}
