package io.berth.eventlog;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/**
 * The {@link EventLog} on Chronicle Queue 2026.4.
 *
 * <h2>Documents</h2>
 * One {@code append} is one Chronicle document (one excerpt), so a batch is all-or-nothing after a
 * kill -9: Chronicle never exposes a half-written excerpt. The batch is encoded by hand (no
 * methodWriter, no run-time compilation) into a writer-owned heap buffer first and then written as one
 * document, so a failure while encoding never touches the queue. Layout (Chronicle {@code Bytes}
 * primitives, native byte order: little endian on x86-64 and arm64):
 * <pre>
 *   byte   format          (1)
 *   int    count           (>= 1)
 *   count times:
 *     long   position      (strictly increasing, consecutive within a batch)
 *     long   timeNanos     (wall clock, ns since the epoch; one value per batch)
 *     str    type
 *     int    revision
 *     str    aggregateKind
 *     str    aggregateId
 *     str    correlationId
 *     byte   actorPresent  (0 or 1); when 1:
 *       str origin, int uid, int gid, int pid, str command
 *     str    payload
 *   str = int length in UTF-8 bytes (-1 for null), then the bytes
 * </pre>
 * Positions are ours, not Chronicle's indexes: they start at 1 and continue from the last stored
 * document when the log is reopened (found by reading the last document backwards).
 *
 * <h2>Durability and fsync</h2>
 * Without fsync an acknowledged batch is in the page cache (the mapped file) and survives a kill -9 of
 * the process, not a power loss. With {@code fsync = true} the queue is built with
 * {@code SyncMode.SYNC} and {@link #append} calls {@code ExcerptAppender.sync()} after the document is
 * written: Chronicle then calls {@code msync(MS_SYNC)} (through its posix/jnr binding) over the bytes
 * written since the previous sync, before {@code append} returns (verified with strace: one msync per
 * append). When an append lands in a cycle file not yet seen by this instance (first append, daily
 * roll), Chronicle's {@code metadata.cq4t} and the queue directory are also fsynced, so the new file and
 * its directory entry are durable. In both modes {@link #lastPosition} (and so the end of a
 * {@link #replay}) moves only after the batch is durable in the chosen sense.
 *
 * <h2>Threads</h2>
 * One writer thread: the first thread that calls {@link #append} owns the Chronicle appender (created
 * lazily, so the log may be opened on another thread); an append from any other thread is refused with
 * {@link IllegalStateException}. {@link #replay} and {@link #lastPosition} may be called from any thread:
 * each replay creates and closes its own tailer. Only one {@code ChronicleEventLog} (in any process) may
 * have a directory open at a time: an exclusive {@link FileLock} on {@code berth-eventlog.lock} enforces
 * it, because two writers would hand out the same positions. The kernel drops the lock when the process
 * dies, so a kill -9 never leaves it stale.
 *
 * <h2>Replay</h2>
 * Replay seeks: it walks the cycles (days) backwards reading only the first document's header of each,
 * then binary-searches the excerpts of the right cycle by their first position, and reads forward from
 * there. Documents whose events all lie below {@code from} are skipped after reading their 13-byte
 * header, without decoding strings.
 */
public final class ChronicleEventLog implements EventLog {

    static {
        // Quiet Chronicle before any of its classes initialise (keep whatever the launcher already set).
        setIfAbsent("chronicle.announcer.disable", "true");  // the banner / "loaded from" announcements
        setIfAbsent("chronicle.analytics.disable", "true");  // chronicle-analytics (Google Analytics)
        setIfAbsent("chronicle.disk.monitor.disable", "true"); // the DiskSpaceMonitor thread
        ChroniclePosix.install(); // msync through JNA instead of jnr-ffi's run-time generated classes
    }

    /** Roll once a day (UTC), up to 2^32 excerpts a day; files are named yyyyMMdd-HH'F'... by Chronicle. */
    static final RollCycle ROLL_CYCLE = RollCycles.FAST_DAILY;
    static final byte FORMAT_V1 = 1;
    static final String LOCK_FILE = "berth-eventlog.lock";
    static final String METADATA_FILE = "metadata.cq4t"; // Chronicle's table store (roll cycle, locks)
    /** A batch above this size is refused before anything is written (Chronicle's own limit is larger). */
    static final long MAX_BATCH_BYTES = 16L << 20;

    private final Path dir;
    private final boolean fsync;
    private final SingleChronicleQueue queue;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private Bytes<byte[]> buffer = Bytes.allocateElasticOnHeap(4096); // writer thread only

    private volatile long lastPosition;
    private volatile boolean closed;
    private ExcerptAppender appender;          // writer thread only
    private Thread writer;                     // the thread that owns the appender
    private int lastSyncedCycle = Integer.MIN_VALUE; // writer thread only

    private ChronicleEventLog(Path dir, boolean fsync, TimeProvider timeProvider) {
        this.dir = dir;
        this.fsync = fsync;
        try {
            Files.createDirectories(dir);
            lockChannel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the event log at " + dir, e);
        }
        FileLock l;
        try {
            l = lockChannel.tryLock();
        } catch (OverlappingFileLockException | IOException e) {
            l = null;
        }
        if (l == null) {
            closeQuietly(lockChannel);
            throw new IllegalStateException("the event log at " + dir + " is already open (" + LOCK_FILE
                    + " is locked by another process or another instance)");
        }
        lock = l;
        try {
            SingleChronicleQueueBuilder b = SingleChronicleQueueBuilder.binary(dir.toFile())
                    .rollCycle(ROLL_CYCLE)
                    .syncMode(fsync ? SyncMode.SYNC : SyncMode.NONE);
            if (timeProvider != null) {
                b.timeProvider(timeProvider);
            }
            queue = b.build();
            lastPosition = findLastPosition();
        } catch (RuntimeException | Error e) {
            closeQuietly(lockChannel);
            throw e;
        }
    }

    /**
     * Opens (creating it if needed) the log in {@code dir}.
     *
     * @param fsync when true, {@link #append} returns only after the batch is on disk (msync)
     */
    public static ChronicleEventLog open(Path dir, boolean fsync) {
        return new ChronicleEventLog(dir, fsync, null);
    }

    /** For tests: a clock to make the queue roll to other days. */
    static ChronicleEventLog open(Path dir, boolean fsync, TimeProvider timeProvider) {
        return new ChronicleEventLog(dir, fsync, timeProvider);
    }

    public Path directory() {
        return dir;
    }

    public boolean fsync() {
        return fsync;
    }

    // ---------------------------------------------------------------------------------------- append

    @Override
    public List<Envelope> append(List<PendingEvent> batch) {
        ensureOpen();
        if (batch.isEmpty()) {
            return List.of();
        }
        Thread current = Thread.currentThread();
        if (writer == null) {
            writer = current;
        } else if (writer != current) {
            throw new IllegalStateException("the event log is written by " + writer.getName()
                    + " only; refused an append from " + current.getName());
        }
        long timeNanos = nowNanos();
        long first = lastPosition + 1;
        List<Envelope> stored = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            PendingEvent e = batch.get(i);
            stored.add(new Envelope(first + i, timeNanos, e.type(), e.revision(), e.aggregateKind(),
                    e.aggregateId(), e.correlationId(), e.actor(), e.payload()));
        }
        long size = encodedSize(stored);
        if (size <= MAX_BATCH_BYTES && size > buffer.realCapacity()) {
            // one allocation of the right size instead of a series of (logged) resizes
            buffer.releaseLast();
            buffer = Bytes.allocateElasticOnHeap((int) size);
        }
        if (size <= MAX_BATCH_BYTES) {
            encode(stored, buffer);
        }
        if (size > MAX_BATCH_BYTES) {
            resetBuffer();
            throw new IllegalArgumentException("batch of " + batch.size() + " events is too large to append ("
                    + size + " bytes > " + MAX_BATCH_BYTES + ")");
        }
        if (appender == null) {
            appender = queue.createAppender();
        }
        try {
            appender.writeBytes(buffer);  // one excerpt: all or nothing
        } finally {
            resetBuffer();
        }
        if (fsync) {
            syncToDisk();
        }
        lastPosition = first + batch.size() - 1;
        return Collections.unmodifiableList(stored);
    }

    private void resetBuffer() {
        if (buffer.realCapacity() > 4L << 20) {
            buffer.releaseLast(); // don't keep a huge buffer alive after a huge batch
            buffer = Bytes.allocateElasticOnHeap(4096);
        } else {
            buffer.clear();
        }
    }

    private void syncToDisk() {
        appender.sync(); // msync(MS_SYNC) of what was written since the last sync (SyncMode.SYNC)
        int cycle = appender.cycle();
        if (cycle != lastSyncedCycle) {
            // a new cycle file (or the first append of this instance): make the queue's metadata file
            // and the directory entries durable too; once a day at most
            try {
                Path meta = dir.resolve(METADATA_FILE);
                if (Files.exists(meta)) {
                    try (FileChannel m = FileChannel.open(meta, StandardOpenOption.WRITE)) {
                        m.force(true);
                    }
                }
                try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                    d.force(true);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot fsync the event log directory " + dir, e);
            }
            lastSyncedCycle = cycle;
        }
    }

    // ---------------------------------------------------------------------------------------- replay

    @Override
    public long replay(long fromPosition, Consumer<Envelope> consumer) {
        ensureOpen();
        long end = lastPosition; // the end as of the call
        long last = fromPosition - 1;
        if (fromPosition > end) {
            return last;
        }
        long from = Math.max(fromPosition, 1);
        try (ExcerptTailer tailer = queue.createTailer()) {
            seek(tailer, from);
            List<Envelope> decoded = new ArrayList<>();
            while (true) {
                decoded.clear();
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        break;
                    }
                    Bytes<?> bytes = dc.wire().bytes();
                    long start = bytes.readPosition();
                    Header h = readHeader(bytes);
                    if (h.first + h.count - 1 < from) {
                        continue; // wholly below from: not decoded
                    }
                    if (h.first > end) {
                        break;
                    }
                    bytes.readPosition(start);
                    decode(bytes, decoded);
                }
                for (Envelope e : decoded) {
                    if (e.position() > end) {
                        return last;
                    }
                    if (e.position() >= from) {
                        consumer.accept(e);
                        last = e.position();
                    }
                }
            }
        }
        return last;
    }

    /**
     * Places the tailer at (or before) the document that holds {@code from}. Anything it gets wrong can
     * only make the scan start earlier, never later: when in doubt it goes back to the start.
     */
    private void seek(ExcerptTailer tailer, long from) {
        if (from <= 1) {
            tailer.toStart();
            return;
        }
        try {
            // 1. the newest cycle whose first document starts at or before from
            int cycle = queue.lastCycle();
            int found = Integer.MIN_VALUE;
            while (cycle != Integer.MIN_VALUE && cycle >= 0) {
                long firstPos = firstPositionAt(tailer, ROLL_CYCLE.toIndex(cycle, 0));
                if (firstPos != -1 && firstPos <= from) {
                    found = cycle;
                    break;
                }
                int prev = queue.nextCycle(cycle, TailerDirection.BACKWARD);
                if (prev == cycle) {
                    break;
                }
                cycle = prev;
            }
            if (found == Integer.MIN_VALUE) {
                tailer.toStart();
                return;
            }
            // 2. binary search of the excerpts in that cycle: the last one whose first position <= from
            long lo = 0;
            long hi = tailer.excerptsInCycle(found) - 1;
            while (lo < hi) {
                long mid = (lo + hi + 1) >>> 1;
                long p = firstPositionAt(tailer, ROLL_CYCLE.toIndex(found, mid));
                if (p == -1) {
                    tailer.toStart();
                    return;
                }
                if (p <= from) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            if (!tailer.moveToIndex(ROLL_CYCLE.toIndex(found, Math.max(lo, 0)))) {
                tailer.toStart();
            }
        } catch (Exception e) {
            tailer.toStart(); // a linear scan is always correct
        }
    }

    /** The first position of the document at {@code index}, or -1 when there is none. */
    private static long firstPositionAt(ExcerptTailer tailer, long index) {
        if (!tailer.moveToIndex(index)) {
            return -1;
        }
        try (DocumentContext dc = tailer.readingDocument()) {
            if (!dc.isPresent()) {
                return -1;
            }
            return readHeader(dc.wire().bytes()).first;
        }
    }

    @Override
    public long lastPosition() {
        return lastPosition;
    }

    private long findLastPosition() {
        try (ExcerptTailer tailer = queue.createTailer()) {
            tailer.direction(TailerDirection.BACKWARD).toEnd();
            try (DocumentContext dc = tailer.readingDocument()) {
                if (dc.isPresent()) {
                    Header h = readHeader(dc.wire().bytes());
                    return h.first + h.count - 1;
                }
            }
        }
        // Nothing found backwards: either the log is empty, or the newest cycle file holds no excerpt
        // (e.g. a crash right after a roll). A forward scan of the headers settles it.
        long last = 0;
        try (ExcerptTailer tailer = queue.createTailer()) {
            while (true) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        return last;
                    }
                    Header h = readHeader(dc.wire().bytes());
                    last = h.first + h.count - 1;
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------- codec

    private record Header(int count, long first) {}

    private static Header readHeader(Bytes<?> in) {
        byte format = in.readByte();
        if (format != FORMAT_V1) {
            throw new IllegalStateException("unknown event-log document format " + format);
        }
        int count = in.readInt();
        if (count < 1) {
            throw new IllegalStateException("corrupt event-log document: count " + count);
        }
        return new Header(count, in.readLong());
    }

    static void encode(List<Envelope> events, Bytes<?> out) {
        out.clear();
        out.writeByte(FORMAT_V1);
        out.writeInt(events.size());
        for (Envelope e : events) {
            out.writeLong(e.position());
            out.writeLong(e.timeNanos());
            writeString(out, e.type());
            out.writeInt(e.revision());
            writeString(out, e.aggregateKind());
            writeString(out, e.aggregateId());
            writeString(out, e.correlationId());
            Actor a = e.actor();
            if (a == null) {
                out.writeByte((byte) 0);
            } else {
                out.writeByte((byte) 1);
                writeString(out, a.origin());
                out.writeInt(a.uid());
                out.writeInt(a.gid());
                out.writeInt(a.pid());
                writeString(out, a.command());
            }
            writeString(out, e.payload());
        }
    }

    /** The exact size {@link #encode} writes (strings measured in UTF-8 without encoding them). */
    static long encodedSize(List<Envelope> events) {
        long size = 1 + 4;
        for (Envelope e : events) {
            size += 8 + 8 + 4 + 1
                    + stringSize(e.type()) + stringSize(e.aggregateKind()) + stringSize(e.aggregateId())
                    + stringSize(e.correlationId()) + stringSize(e.payload());
            Actor a = e.actor();
            if (a != null) {
                size += stringSize(a.origin()) + 4 + 4 + 4 + stringSize(a.command());
            }
        }
        return size;
    }

    private static long stringSize(String s) {
        if (s == null) {
            return 4;
        }
        long n = 4;
        int len = s.length();
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3; // BMP char, or a lone surrogate (String.getBytes writes '?' = 1 byte: overestimate)
            }
        }
        return n;
    }

    static void decode(Bytes<?> in, List<Envelope> into) {
        byte format = in.readByte();
        if (format != FORMAT_V1) {
            throw new IllegalStateException("unknown event-log document format " + format);
        }
        int count = in.readInt();
        for (int i = 0; i < count; i++) {
            long position = in.readLong();
            long timeNanos = in.readLong();
            String type = readString(in);
            int revision = in.readInt();
            String kind = readString(in);
            String id = readString(in);
            String correlation = readString(in);
            Actor actor = null;
            if (in.readByte() != 0) {
                String origin = readString(in);
                int uid = in.readInt();
                int gid = in.readInt();
                int pid = in.readInt();
                actor = new Actor(origin, uid, gid, pid, readString(in));
            }
            String payload = readString(in);
            into.add(new Envelope(position, timeNanos, type, revision, kind, id, correlation, actor, payload));
        }
    }

    private static void writeString(Bytes<?> out, String s) {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String readString(Bytes<?> in) {
        int len = in.readInt();
        if (len < 0) {
            return null;
        }
        if (len > in.readRemaining()) {
            throw new IllegalStateException("corrupt event-log document: string of " + len + " bytes, "
                    + in.readRemaining() + " left");
        }
        byte[] utf8 = new byte[len];
        in.read(utf8, 0, len);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------------------------------- misc

    private static long nowNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the event log at " + dir + " is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (appender != null) {
                appender.singleThreadedCheckDisabled(true);
                appender.close();
            }
            queue.close();
        } finally {
            buffer.releaseLast();
            try {
                lock.release();
            } catch (IOException ignored) {
                // the channel close below drops it anyway
            }
            closeQuietly(lockChannel);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // nothing useful to do
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
