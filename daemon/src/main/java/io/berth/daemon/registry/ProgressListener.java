package io.berth.daemon.registry;

/**
 * Told how far a blob transfer has got, after each buffer moved (up to 64 KiB for downloads; the HTTP
 * client's buffers for uploads). Downloads call it on the caller's thread, uploads on the HTTP client's
 * threads, so an implementation must be cheap and thread-safe; throttling to Docker's progress messages
 * is the caller's business.
 */
@FunctionalInterface
public interface ProgressListener {

    ProgressListener NONE = (current, total) -> {};

    /**
     * @param current bytes moved so far
     * @param total the blob's size, or -1 when the registry did not say
     */
    void progress(long current, long total);
}
