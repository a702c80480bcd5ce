package io.berth.daemon.api;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerRequest;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;

/**
 * A request body as an {@link InputStream} for one worker thread, while the event loop keeps receiving:
 * the chunks Vert.x delivers are queued, and the request is paused while more than {@link #HIGH_WATER}
 * bytes wait (resumed, on the request's context, once the reader has taken them down to
 * {@link #LOW_WATER}). So a large upload (docker load) is processed as it arrives, with bounded memory,
 * and without the event loop ever waiting for the reader.
 *
 * <p>A connection that closes or fails before the body's end makes {@link #read} throw an
 * {@link IOException} (an {@link java.io.EOFException} when it just ended early). A reader that stops
 * early calls {@link #discardRest}: the rest of the body is then read and dropped, so that an answer
 * (an error) can be sent to a client that is still sending.
 */
public final class RequestBodyStream extends InputStream {

    static final int HIGH_WATER = 8 << 20;
    static final int LOW_WATER = 2 << 20;

    private final HttpServerRequest request;
    private final Context context;
    private final Promise<Void> ended = Promise.promise();
    private final ArrayDeque<Buffer> chunks = new ArrayDeque<>();
    /** Read position in the first chunk. */
    private int offset;
    private long queued;
    private boolean paused;
    private boolean end;
    private boolean discarding;
    private Throwable failure;

    /** Starts receiving {@code request}'s body; call on the request's event loop. */
    public RequestBodyStream(HttpServerRequest request, Context context) {
        this.request = request;
        this.context = context;
        request.handler(this::onChunk);
        request.endHandler(v -> onEnd(null));
        // also what a connection that closes before the end gets
        request.exceptionHandler(this::onEnd);
        request.resume();
    }

    /** Completes once the whole body has arrived (or failed: the connection is gone). */
    public Future<Void> ended() {
        return ended.future();
    }

    /**
     * Drops what is queued and every chunk still to come; {@link #ended} tells when the body is over.
     * Any thread.
     */
    public void discardRest() {
        synchronized (this) {
            discarding = true;
            chunks.clear();
            offset = 0;
            queued = 0;
            notifyAll();
        }
        context.runOnContext(v -> request.resume());
    }

    private void onChunk(Buffer chunk) {
        synchronized (this) {
            if (discarding || chunk.length() == 0) {
                return;
            }
            chunks.addLast(chunk);
            queued += chunk.length();
            notifyAll();
            if (queued < HIGH_WATER || paused) {
                return;
            }
            paused = true;
        }
        request.pause();
    }

    private void onEnd(Throwable error) {
        synchronized (this) {
            if (end) {
                return;
            }
            end = true;
            failure = error;
            notifyAll();
        }
        if (error == null) {
            ended.tryComplete();
        } else {
            ended.tryFail(error);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        boolean resume = false;
        int n = 0;
        synchronized (this) {
            while (chunks.isEmpty() && !end && !discarding) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for the request body");
                }
            }
            if (chunks.isEmpty()) {
                if (failure instanceof HttpClosedException) {
                    EOFException eof = new EOFException("the connection closed before the end of the request body");
                    eof.initCause(failure);
                    throw eof;
                }
                if (failure != null) {
                    throw failure instanceof IOException io ? io : new IOException(failure.getMessage(), failure);
                }
                return -1;
            }
            while (n < len && !chunks.isEmpty()) {
                Buffer first = chunks.peekFirst();
                int take = Math.min(len - n, first.length() - offset);
                first.getBytes(offset, offset + take, b, off + n);
                n += take;
                offset += take;
                if (offset == first.length()) {
                    chunks.removeFirst();
                    offset = 0;
                }
            }
            queued -= n;
            if (paused && queued <= LOW_WATER) {
                paused = false;
                resume = true;
            }
        }
        if (resume) {
            context.runOnContext(v -> request.resume());
        }
        return n;
    }

    @Override
    public synchronized int available() {
        return (int) Math.min(Integer.MAX_VALUE, queued);
    }
}
