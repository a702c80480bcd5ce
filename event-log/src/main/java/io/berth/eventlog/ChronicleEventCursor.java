package io.berth.eventlog;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@link EventCursor} of a {@link ChronicleEventLog}: one Chronicle tailer, kept open (and given back
 * to the log's idle tailers when the cursor is closed), that reads the
 * documents forward (across roll cycles, like any tailer) and hands out their events one by one. A
 * document wholly below the cursor's position is skipped on its header, without decoding strings.
 */
final class ChronicleEventCursor implements EventCursor {

    private final ChronicleEventLog log;
    private final ExcerptTailer tailer;
    private final List<Envelope> decoded = new ArrayList<>(); // the current document's events
    private int next;                                        // index into decoded
    private byte[] document = new byte[4096];                // the current document's bytes
    private long position;
    private boolean closed;

    /** {@code tailer} is placed at or before the document holding {@code position}. */
    ChronicleEventCursor(ChronicleEventLog log, ExcerptTailer tailer, long position) {
        this.log = log;
        this.tailer = tailer;
        this.position = position;
    }

    @Override
    public Envelope next() {
        return next(log.lastPosition());
    }

    /** The next event, or null when there is none at or below {@code limit} (yet). */
    Envelope next(long limit) {
        if (closed) {
            throw new IllegalStateException("the event cursor is closed");
        }
        log.ensureOpen();
        while (true) {
            if (next < decoded.size()) {
                Envelope e = decoded.get(next);
                if (e.position() > limit) {
                    return null; // stored, not yet acknowledged (or beyond the caller's end): later
                }
                next++;
                position = e.position() + 1;
                return e;
            }
            decoded.clear();
            next = 0;
            int length;
            try (DocumentContext dc = tailer.readingDocument()) {
                if (!dc.isPresent()) {
                    return null;
                }
                Bytes<?> bytes = dc.wire().bytes();
                long start = bytes.readPosition();
                if (DocumentCodec.readHeader(bytes).last() < position) {
                    continue; // wholly below the position: not decoded
                }
                bytes.readPosition(start);
                length = (int) bytes.readRemaining();
                document = DocumentCodec.copy(bytes, document);
            }
            DocumentCodec.decode(document, length, decoded);
            while (next < decoded.size() && decoded.get(next).position() < position) {
                next++;
            }
        }
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            log.returnTailer(tailer);
        }
    }
}
