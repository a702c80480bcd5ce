package io.berth.daemon.image;

/**
 * What a pull or a push tells the user as it goes, in Docker's words ("Pulling fs layer", "Downloading",
 * "Pushed", ...). Called from worker threads, possibly several at once; implementations keep the order
 * of calls made by one thread.
 */
public interface ImageProgress {

    ImageProgress NONE = new ImageProgress() {
        @Override
        public void status(String status) {
        }

        @Override
        public void status(String id, String status) {
        }

        @Override
        public void progress(String id, String status, long current, long total) {
        }
    };

    /** A line about the whole operation ("Digest: sha256:..."). */
    void status(String status);

    /** A line about one layer ({@code id}: its short digest). */
    void status(String id, String status);

    /** Bytes moved for one layer; {@code total} is -1 when unknown. */
    void progress(String id, String status, long current, long total);
}
