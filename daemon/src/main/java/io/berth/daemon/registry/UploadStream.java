package io.berth.daemon.registry;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * The bytes of a blob on their way up: hashed and counted as the HTTP client reads them, reported to
 * the progress listener and the stall guard, and handed out in windows of a given length (one window per
 * request: the whole blob for a monolithic upload, one chunk per PATCH) without closing the source.
 */
final class UploadStream {

    private final InputStream source;
    private final long size;
    private final ProgressListener progress;
    private final MessageDigest sha = Digests.newSha256();
    private volatile StallWatch.Guard guard;
    private long count;

    UploadStream(InputStream source, long size, ProgressListener progress) {
        this.source = source;
        this.size = size;
        this.progress = progress;
    }

    void guardedBy(StallWatch.Guard guard) {
        this.guard = guard;
    }

    synchronized long count() {
        return count;
    }

    /** The digest of every byte read so far. */
    synchronized String digest() throws IOException {
        try {
            return Digests.format(((MessageDigest) sha.clone()).digest());
        } catch (CloneNotSupportedException e) {
            throw new IOException("SHA-256 cannot be cloned", e);
        }
    }

    /** The next {@code length} bytes of the blob as a stream of their own; closing it leaves the source open. */
    InputStream window(long length) {
        return new InputStream() {
            long left = length;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int n = source.read(b, off, (int) Math.min(len, left));
                if (n > 0) {
                    left -= n;
                    moved(b, off, n);
                }
                return n;
            }
        };
    }

    private void moved(byte[] b, int off, int n) {
        long now;
        synchronized (this) {
            sha.update(b, off, n);
            count += n;
            now = count;
        }
        StallWatch.Guard g = guard;
        if (g != null) {
            g.moved();
        }
        progress.progress(now, size);
    }
}
