package io.berth.eventlog;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.RollingResourcesCache;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.rollcycles.LegacyRollCycles;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

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
 *     long   timeNanos     (ns since the epoch; one value per batch, never decreasing)
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
 * document when the log is reopened (found by reading the last document backwards). The time is
 * max(wall clock, the previous batch's time); the previous time also comes from the last document at
 * open. So the first 21 bytes (format, count, first position, time) are all a seek needs.
 *
 * <h2>Durability and fsync</h2>
 * Without fsync an acknowledged batch is in the page cache (the mapped file) and survives a kill -9 of
 * the process, not a power loss. With {@code fsync = true} the queue is built with
 * {@code SyncMode.SYNC} and {@link #append} calls {@code ExcerptAppender.sync()} after the document is
 * written: Chronicle then calls {@code msync(MS_SYNC)} (through its posix/jnr binding) over the bytes
 * written since the previous sync, before {@code append} returns (verified with strace: one msync per
 * append). When an append lands in a cycle file not yet seen by this instance (first append, a
 * roll), Chronicle's {@code metadata.cq4t} and the queue directory are also fsynced, so the new file and
 * its directory entry are durable. In both modes {@link #lastPosition} (and so the end of a
 * {@link #replay}) moves only after the batch is durable in the chosen sense.
 *
 * <h2>Threads</h2>
 * One writer thread: the first thread that calls {@link #append} owns the Chronicle appender (created
 * lazily, so the log may be opened on another thread); an append from any other thread is refused with
 * {@link IllegalStateException}. Everything else may be called from any thread: each replay, seek and
 * {@link #deleteBefore} uses its own short-lived tailer, and each cursor its own long-lived one (with
 * Chronicle's owner-thread check off, so it can move between threads). Only one
 * {@code ChronicleEventLog} (in any process) may have a directory open at a time: an exclusive
 * {@link FileLock} on {@code berth-eventlog.lock} enforces it, because two writers would hand out the
 * same positions. The kernel drops the lock when the process dies, so a kill -9 never leaves it stale.
 *
 * <h2>Reading and seeking</h2>
 * {@link #replay} is a {@link #cursor} read up to the end as of the call. A cursor seeks once and then
 * reads forward with its own tailer, across roll cycles. Seeking by position ({@link #cursor}) and by
 * time ({@link #firstPositionAtOrAfter}) is one binary search over the cycle files by their first
 * document's header, then one over the documents of the cycle that holds the boundary (Chronicle's
 * {@code moveToIndex}): O(log cycles + log documents) header reads. Documents whose events all lie
 * below the wanted position are skipped on their 21-byte header, without decoding strings.
 *
 * <h2>Retention</h2>
 * {@link #deleteBefore} unlinks whole cycle files. A cursor reading such a file keeps its mapping (Linux
 * frees the file when the last mapping goes), and Chronicle's cached directory listing is refreshed
 * under a lock that seeks share, so no later seek or tailer looks for a deleted file. The roll cycle is
 * chosen when the log is created ({@link #DAILY}, {@link #HOURLY}, {@link #MINUTELY}) and kept after.
 */
public final class ChronicleEventLog implements EventLog {

    static {
        // Quiet Chronicle before any of its classes initialise (keep whatever the launcher already set).
        setIfAbsent("chronicle.announcer.disable", "true");  // the banner / "loaded from" announcements
        setIfAbsent("chronicle.analytics.disable", "true");  // chronicle-analytics (Google Analytics)
        setIfAbsent("chronicle.disk.monitor.disable", "true"); // the DiskSpaceMonitor thread
        ChroniclePosix.install(); // msync through JNA instead of jnr-ffi's run-time generated classes
    }

    /** The roll cycle of {@link #open(Path, boolean)}: one file a day (UTC), up to 2^32 excerpts a day. */
    public static final String DAILY = "daily";
    /** One file an hour, up to 2^32 excerpts an hour. */
    public static final String HOURLY = "hourly";
    /** One file a minute, up to 2^26 excerpts a minute (for tests of retention, and tiny hosts). */
    public static final String MINUTELY = "minutely";

    static final byte FORMAT_V1 = 1;
    static final String LOCK_FILE = "berth-eventlog.lock";
    static final String METADATA_FILE = "metadata.cq4t"; // Chronicle's table store (roll cycle, locks)
    static final String CYCLE_FILE_SUFFIX = ".cq4";
    /** A batch above this size is refused before anything is written (Chronicle's own limit is larger). */
    static final long MAX_BATCH_BYTES = 16L << 20;

    private final Path dir;
    private final boolean fsync;
    private final SingleChronicleQueue queue;
    private final RollCycle rollCycle;         // the one the queue was created with (it wins over ours)
    private final LongSupplier clock;          // wall clock, ns since the epoch
    private final FileChannel lockChannel;
    private final FileLock lock;
    /** Seeks read lock, {@link #deleteBefore} write lock: a seek never meets a half-deleted set of files. */
    private final ReadWriteLock retention = new ReentrantReadWriteLock();
    private Bytes<byte[]> buffer = Bytes.allocateElasticOnHeap(4096); // writer thread only

    private volatile long lastPosition;
    /** The first position stored, 0 while the log holds no event. */
    private volatile long firstStored;
    private volatile boolean closed;
    private long lastTimeNanos;                // writer thread only (and the constructor)
    private ExcerptAppender appender;          // writer thread only
    private Thread writer;                     // the thread that owns the appender
    private int lastSyncedCycle = Integer.MIN_VALUE; // writer thread only

    private ChronicleEventLog(Path dir, boolean fsync, String rollCycleName, TimeProvider timeProvider) {
        this.dir = dir;
        this.fsync = fsync;
        RollCycle wanted = rollCycleNamed(rollCycleName);
        this.clock = timeProvider == null ? ChronicleEventLog::wallClockNanos : timeProvider::currentTimeNanos;
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
            // An existing queue keeps its roll cycle: Chronicle reads the one stored in metadata.cq4t and
            // overrides the builder's (a WARN line "Overriding roll cycle from X to Y", no exception). The
            // three cycles offered here have file-name formats no other Chronicle cycle shares, so the
            // override finds exactly the stored one.
            SingleChronicleQueueBuilder b = SingleChronicleQueueBuilder.binary(dir.toFile())
                    .rollCycle(wanted)
                    .syncMode(fsync ? SyncMode.SYNC : SyncMode.NONE);
            if (timeProvider != null) {
                b.timeProvider(timeProvider);
            }
            queue = b.build();
            rollCycle = queue.rollCycle();
            try (ExcerptTailer tailer = queue.createTailer()) {
                Header last = lastHeader(tailer);
                lastPosition = last == null ? 0 : last.last();
                lastTimeNanos = last == null ? Long.MIN_VALUE : last.timeNanos();
                firstStored = findFirstStored(tailer);
            }
        } catch (RuntimeException | Error e) {
            closeQuietly(lockChannel);
            throw e;
        }
    }

    /** Opens (creating it if needed) the log in {@code dir}, rolling to a new file every day. */
    public static ChronicleEventLog open(Path dir, boolean fsync) {
        return open(dir, fsync, DAILY);
    }

    /**
     * Opens (creating it if needed) the log in {@code dir}.
     *
     * @param fsync     when true, {@link #append} returns only after the batch is on disk (msync)
     * @param rollCycle how often a new file is started, {@link #DAILY}, {@link #HOURLY} or {@link #MINUTELY}:
     *                  the unit of retention. Only used when the log is created; an existing log keeps the
     *                  cycle it was created with (see {@link #rollCycle()})
     */
    public static ChronicleEventLog open(Path dir, boolean fsync, String rollCycle) {
        return new ChronicleEventLog(dir, fsync, rollCycle, null);
    }

    /** For tests: a clock for both the roll cycles and the events' times. */
    static ChronicleEventLog open(Path dir, boolean fsync, TimeProvider timeProvider) {
        return new ChronicleEventLog(dir, fsync, DAILY, timeProvider);
    }

    /** For tests: a clock for both the roll cycles and the events' times. */
    static ChronicleEventLog open(Path dir, boolean fsync, String rollCycle, TimeProvider timeProvider) {
        return new ChronicleEventLog(dir, fsync, rollCycle, timeProvider);
    }

    static RollCycle rollCycleNamed(String name) {
        return switch (name) {
            case DAILY -> RollCycles.FAST_DAILY;
            case HOURLY -> RollCycles.FAST_HOURLY;
            case MINUTELY -> LegacyRollCycles.MINUTELY; // Chronicle's only one-minute cycle
            default -> throw new IllegalArgumentException("unknown event-log roll cycle '" + name
                    + "' (expected " + DAILY + ", " + HOURLY + " or " + MINUTELY + ")");
        };
    }

    public Path directory() {
        return dir;
    }

    public boolean fsync() {
        return fsync;
    }

    /** The roll cycle in use: {@link #DAILY}, {@link #HOURLY}, {@link #MINUTELY} (or Chronicle's name). */
    public String rollCycle() {
        for (String name : List.of(DAILY, HOURLY, MINUTELY)) {
            if (rollCycleNamed(name) == rollCycle) {
                return name;
            }
        }
        return String.valueOf(rollCycle);
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
        long timeNanos = Math.max(clock.getAsLong(), lastTimeNanos); // times never decrease
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
        lastTimeNanos = timeNanos;
        if (firstStored == 0) {
            firstStored = first;
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
            // and the directory entries durable too; once a cycle at most
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

    // ---------------------------------------------------------------------------------------- reading

    @Override
    public long replay(long fromPosition, Consumer<Envelope> consumer) {
        ensureOpen();
        long end = lastPosition; // the end as of the call
        long last = fromPosition - 1;
        if (fromPosition > end) {
            return last;
        }
        try (ChronicleEventCursor cursor = openCursor(fromPosition)) {
            for (Envelope e = cursor.next(end); e != null; e = cursor.next(end)) {
                consumer.accept(e);
                last = e.position();
            }
        }
        return last;
    }

    @Override
    public EventCursor cursor(long fromPosition) {
        ensureOpen();
        return openCursor(fromPosition);
    }

    private ChronicleEventCursor openCursor(long fromPosition) {
        ExcerptTailer tailer = queue.createTailer();
        // a cursor may be handed between threads (one at a time): Chronicle's owner-thread check would
        // refuse the second thread
        tailer.singleThreadedCheckDisabled(true);
        long from;
        retention.readLock().lock();
        try {
            from = Math.max(fromPosition, firstPosition());
            seek(tailer, from);
        } catch (RuntimeException | Error e) {
            tailer.close();
            throw e;
        } finally {
            retention.readLock().unlock();
        }
        return new ChronicleEventCursor(this, tailer, from);
    }

    /**
     * Places the tailer at (or before) the document that holds {@code from}: on the last document all of
     * whose events are below {@code from}, or at the start. Starting early costs a header read; the
     * cursor skips documents below its position.
     */
    private void seek(ExcerptTailer tailer, long from) {
        Found before = lastDocumentWhereNot(tailer, h -> h.last() >= from);
        if (before == null || !tailer.moveToIndex(before.index())) {
            tailer.toStart();
        }
    }

    @Override
    public long lastPosition() {
        return lastPosition;
    }

    @Override
    public long firstPosition() {
        long first = firstStored;
        return first == 0 ? lastPosition + 1 : first;
    }

    @Override
    public long firstPositionAtOrAfter(long timeNanos) {
        ensureOpen();
        long end = lastPosition + 1;
        Found before;
        retention.readLock().lock();
        try (ExcerptTailer tailer = queue.createTailer()) {
            before = lastDocumentWhereNot(tailer, h -> h.timeNanos() >= timeNanos);
        } finally {
            retention.readLock().unlock();
        }
        // positions are consecutive: the document after the last older one starts right after it
        return before == null ? Math.min(firstPosition(), end) : Math.min(before.header().last() + 1, end);
    }

    /** A document: its Chronicle index and header. */
    private record Found(long index, Header header) {}

    /**
     * The last readable document for which {@code matches} is false, or null when there is none (the
     * log is empty or the first document matches). {@code matches} must be monotonic over the log
     * (false ... false true ... true), as "the document's last position is >= p" and "the document's
     * time is >= t" are. Two binary searches: over the cycle files by their first document, then over
     * the documents of the one cycle that holds the boundary. A cycle file without a readable first
     * document (created just before a crash, or being created) is stepped over; an unreadable document
     * (one being written) counts as matching, so it is never the answer.
     */
    private Found lastDocumentWhereNot(ExcerptTailer tailer, Predicate<Header> matches) {
        int[] cycles = cycles();
        // 1. lo = the index of the first non-empty cycle whose first document matches (or cycles.length)
        int lo = 0;
        int hi = cycles.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            int j = mid;
            Header h = null;
            while (j < hi && (h = headerAt(tailer, rollCycle.toIndex(cycles[j], 0))) == null) {
                j++;
            }
            if (h == null || matches.test(h)) {
                hi = mid;
            } else {
                lo = j + 1;
            }
        }
        // 2. the boundary is in the last non-empty cycle before lo
        int p = lo - 1;
        Header first = null;
        while (p >= 0 && (first = headerAt(tailer, rollCycle.toIndex(cycles[p], 0))) == null) {
            p--;
        }
        if (p < 0) {
            return null;
        }
        int cycle = cycles[p];
        long seqLo = 0; // does not match
        Header found = first;
        long seqHi = tailer.excerptsInCycle(cycle) - 1;
        while (seqLo < seqHi) {
            long mid = (seqLo + seqHi + 1) >>> 1;
            Header h = headerAt(tailer, rollCycle.toIndex(cycle, mid));
            if (h == null || matches.test(h)) {
                seqHi = mid - 1;
            } else {
                seqLo = mid;
                found = h;
            }
        }
        return new Found(rollCycle.toIndex(cycle, seqLo), found);
    }

    /** The cycles that have a file, oldest first. */
    private int[] cycles() {
        int first = queue.firstCycle();
        int last = queue.lastCycle();
        if (first > last) {
            return new int[0];
        }
        return queue.listCyclesBetween(first, last).stream().mapToInt(Long::intValue).toArray();
    }

    /** The header of the document at {@code index}, or null when there is no readable one. */
    private static Header headerAt(ExcerptTailer tailer, long index) {
        try {
            if (!tailer.moveToIndex(index)) {
                return null;
            }
            try (DocumentContext dc = tailer.readingDocument()) {
                return dc.isPresent() ? readHeader(dc.wire().bytes()) : null;
            }
        } catch (RuntimeException e) {
            return null; // unreadable: treated like a document being written
        }
    }

    /** The header of the newest document, or null when the log is empty. */
    private Header lastHeader(ExcerptTailer tailer) {
        tailer.direction(TailerDirection.BACKWARD).toEnd();
        try (DocumentContext dc = tailer.readingDocument()) {
            if (dc.isPresent()) {
                return readHeader(dc.wire().bytes());
            }
        } finally {
            tailer.direction(TailerDirection.FORWARD);
        }
        // Nothing found backwards: either the log is empty, or the newest cycle file holds no excerpt
        // (e.g. a crash right after a roll). The newest non-empty cycle's documents settle it.
        int[] cycles = cycles();
        for (int i = cycles.length - 1; i >= 0; i--) {
            long n = tailer.excerptsInCycle(cycles[i]);
            for (long seq = n - 1; seq >= 0; seq--) {
                Header h = headerAt(tailer, rollCycle.toIndex(cycles[i], seq));
                if (h != null) {
                    return h;
                }
            }
        }
        return null;
    }

    /** The first position of the oldest non-empty cycle, 0 when there is none. */
    private long findFirstStored(ExcerptTailer tailer) {
        for (int cycle : cycles()) {
            Header h = headerAt(tailer, rollCycle.toIndex(cycle, 0));
            if (h != null) {
                return h.first();
            }
        }
        return 0;
    }

    // ---------------------------------------------------------------------------------------- retention

    @Override
    public long deleteBefore(long position) {
        ensureOpen();
        retention.writeLock().lock();
        try (ExcerptTailer tailer = queue.createTailer()) {
            // the cycle holding the last document that starts at or before position is kept, with all
            // after it; every cycle before it holds only events below that document's first position
            Found keep = lastDocumentWhereNot(tailer, h -> h.first() > position);
            if (keep == null) {
                return firstPosition();
            }
            int keepCycle = rollCycle.toCycle(keep.index());
            boolean deleted = false;
            for (int cycle : cycles()) {
                if (cycle >= keepCycle) {
                    break;
                }
                Files.deleteIfExists(cycleFile(cycle)); // a reader that mapped it keeps its mapping
                deleted = true;
            }
            if (deleted) {
                // Chronicle caches the directory listing (and the lowest cycle in metadata.cq4t): rescan,
                // so that seeks, toStart() and new tailers don't look for the deleted files
                queue.refreshDirectoryListing();
                firstStored = findFirstStored(tailer);
            }
            return firstPosition();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete old event-log files in " + dir, e);
        } finally {
            retention.writeLock().unlock();
        }
    }

    private Path cycleFile(int cycle) {
        return dir.resolve(cycleFileNames().resourceFor(cycle).text + CYCLE_FILE_SUFFIX);
    }

    private RollingResourcesCache cycleFileNames() {
        return new RollingResourcesCache(rollCycle, queue.epoch(),
                name -> dir.resolve(name + CYCLE_FILE_SUFFIX).toFile(),
                file -> file.getName().substring(0, file.getName().length() - CYCLE_FILE_SUFFIX.length()));
    }

    @Override
    public long sizeOnDisk() {
        ensureOpen();
        long total = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.{cq4,cq4t}")) {
            for (Path f : files) {
                try {
                    total += AllocatedSize.of(f); // the files are sparse: their length says little
                } catch (NoSuchFileException ignored) {
                    // deleted by retention meanwhile
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the event log files in " + dir, e);
        }
        return total;
    }

    // ---------------------------------------------------------------------------------------- codec

    /**
     * The first 21 bytes of a document: how many events, the first one's position, and the batch's time.
     */
    record Header(int count, long first, long timeNanos) {
        long last() {
            return first + count - 1;
        }
    }

    static Header readHeader(Bytes<?> in) {
        byte format = in.readByte();
        if (format != FORMAT_V1) {
            throw new IllegalStateException("unknown event-log document format " + format);
        }
        int count = in.readInt();
        if (count < 1) {
            throw new IllegalStateException("corrupt event-log document: count " + count);
        }
        long first = in.readLong();
        return new Header(count, first, in.readLong());
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

    private static long wallClockNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    void ensureOpen() {
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
