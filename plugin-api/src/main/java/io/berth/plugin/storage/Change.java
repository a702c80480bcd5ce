package io.berth.plugin.storage;

/**
 * One path a container changed in its read-write layer, as {@code docker diff} shows it.
 *
 * @param path absolute inside the container ("/etc/passwd")
 */
public record Change(Kind kind, String path) implements Comparable<Change> {

    /** Docker's kinds, with the numbers of its API ({@code GET /containers/{id}/changes}). */
    public enum Kind {
        MODIFIED(0, "C"), ADDED(1, "A"), DELETED(2, "D");

        public final int apiValue;
        public final String letter;

        Kind(int apiValue, String letter) {
            this.apiValue = apiValue;
            this.letter = letter;
        }
    }

    @Override
    public int compareTo(Change o) {
        return path.compareTo(o.path);
    }
}
