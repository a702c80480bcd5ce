package io.berth.eventlog;

import io.berth.eventlog.DocumentCodec.Header;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
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
 * document, so a failure while encoding never touches the queue. Layout (little endian,
 * see {@link DocumentCodec}):
 * <pre>
 *   byte   format          (2; 1 = the same without the checksum, still read)
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
 *   int    CRC32C of every byte before it (format 2)
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
 * <h2>Damaged tail</h2>
 * Every document ends with a CRC32C ({@link DocumentCodec}). At open the newest cycle file is read once;
 * a damaged end is set aside by {@link TailRepair} (Chronicle rebuilds the file from the good documents)
 * and reported by {@link #tailDamage()}.
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

    private static final Logger LOG = LoggerFactory.getLogger(ChronicleEventLog.class);

    /** The roll cycle of {@link #open(Path, boolean)}: one file a day (UTC), up to 2^32 excerpts a day. */
    public static final String DAILY = "daily";
    /** One file an hour, up to 2^32 excerpts an hour. */
    public static final String HOURLY = "hourly";
    /** One file a minute, up to 2^26 excerpts a minute (for tests of retention, and tiny hosts). */
    public static final String MINUTELY = "minutely";

    static final String LOCK_FILE = "berth-eventlog.lock";
    static final String METADATA_FILE = "metadata.cq4t"; // Chronicle's table store (roll cycle, locks)
    static final String CYCLE_FILE_SUFFIX = ".cq4";
    /** A batch above this size is refused before anything is written (Chronicle's own limit is larger). */
    static final long MAX_BATCH_BYTES = 16L << 20;
    private static final int SMALL_BUFFER = 4096;

    private final Path dir;
    private final boolean fsync;
    private final SingleChronicleQueue queue;
    private final RollCycle rollCycle;         // the one the queue was created with (it wins over ours)
    private final LongSupplier clock;          // wall clock, ns since the epoch
    private final FileChannel lockChannel;
    private final FileLock lock;
    /** Idle tailers for seeks and cursors, see {@link #borrowTailer}. */
    private final ConcurrentLinkedDeque<ExcerptTailer> idleTailers = new ConcurrentLinkedDeque<>();
    /** Seeks read lock, {@link #deleteBefore} write lock: a seek never meets a half-deleted set of files. */
    private final ReadWriteLock retention = new ReentrantReadWriteLock();
    private byte[] buffer = new byte[SMALL_BUFFER]; // writer thread only: the batch being encoded

    private volatile long lastPosition;
    /** Chronicle's index of the newest document, -1 when none; published before {@link #lastPosition}. */
    private volatile long lastIndex = -1;
    /** Headers of documents the searches probed, by Chronicle index, see {@link #probe}. */
    private final ConcurrentHashMap<Long, Header> probed = new ConcurrentHashMap<>();
    private static final int MAX_PROBED = 1 << 20;
    /** Document counts of the cycles before the newest (they no longer change), see {@link #excerptsIn}. */
    private final ConcurrentHashMap<Integer, Long> excerptCounts = new ConcurrentHashMap<>();
    /** The first position stored, 0 while the log holds no event. */
    private volatile long firstStored;
    private volatile boolean closed;
    private final Optional<TailDamage> tailDamage;
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
            long newestLength = newestCycleFileLength(dir); // before Chronicle maps (and may lengthen) it
            SingleChronicleQueue q = buildQueue(dir, wanted, fsync, timeProvider);
            TailDamage damage = null;
            try {
                if (TailRepair.spoolInPlace(dir)) {
                    LOG.warn("the event log at {} was being repaired when the daemon stopped: finishing", dir);
                    q = finishRepair(q, wanted, timeProvider);
                } else {
                    TailRepair.Finding found = findTailDamage(q, dir);
                    if (found != null) {
                        Path copy = TailRepair.saveAndSpool(q, dir, found, newestLength,
                                Instant.ofEpochSecond(0, clock.getAsLong()));
                        q = finishRepair(q, wanted, timeProvider);
                        long bytes = TailRepair.bytesInUseAfter(copy, Math.max(found.goodEnd(), 0));
                        try (ExcerptTailer tailer = q.createTailer()) {
                            Header last = lastHeader(q, tailer);
                            damage = new TailDamage(found.file(), copy, last == null ? 0 : last.last(),
                                    found.problem(), bytes, found.documentsSetAside());
                        }
                        LOG.warn("the event log's newest file {} is damaged ({}): kept everything up to position {}, "
                                + "set aside {} bytes ({} documents); the damaged file is saved as {}", found.file(),
                                found.problem(), damage.lastGoodPosition(), bytes, found.documentsSetAside(), copy);
                    }
                }
            } catch (IOException e) {
                q.close();
                throw new UncheckedIOException("cannot repair the damaged end of the event log at " + dir, e);
            } catch (RuntimeException | Error e) {
                q.close();
                throw e;
            }
            queue = q;
            tailDamage = Optional.ofNullable(damage);
            rollCycle = queue.rollCycle();
            try (ExcerptTailer tailer = queue.createTailer()) {
                Found last = lastDocument(queue, tailer);
                lastPosition = last == null ? 0 : last.header().last();
                lastTimeNanos = last == null ? Long.MIN_VALUE : last.header().timeNanos();
                lastIndex = last == null ? -1 : last.index();
                firstStored = findFirstStored(queue, tailer);
            }
        } catch (RuntimeException | Error e) {
            closeQuietly(lockChannel);
            throw e;
        }
    }

    private static SingleChronicleQueue buildQueue(Path dir, RollCycle wanted, boolean fsync,
                                                   TimeProvider timeProvider) {
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
        return b.build();
    }

    /** The length of the newest cycle file (by name, which sorts by time for every roll cycle), or 0. */
    private static long newestCycleFileLength(Path dir) {
        Path newest = null;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + CYCLE_FILE_SUFFIX)) {
            for (Path f : files) {
                if (newest == null || f.getFileName().toString().compareTo(newest.getFileName().toString()) > 0) {
                    newest = f;
                }
            }
            return newest == null ? 0 : Files.size(newest);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the event log files in " + dir, e);
        }
    }

    /** Checks the newest cycle file; null when it is sound. */
    private static TailRepair.Finding findTailDamage(SingleChronicleQueue q, Path dir) {
        int[] cycles = cycles(q);
        if (cycles.length == 0) {
            return null;
        }
        int newest = cycles[cycles.length - 1];
        return TailRepair.scan(q, newest, cycleFile(q, dir, newest));
    }

    /**
     * Steps (3)-(5) of {@link TailRepair}: closes {@code q}, deletes the damaged file, opens a fresh
     * queue and appends the spooled good documents again. Returns the fresh queue.
     */
    private SingleChronicleQueue finishRepair(SingleChronicleQueue q, RollCycle wanted, TimeProvider timeProvider)
            throws IOException {
        q.close(); // no mapping of the damaged file may survive into the queue that writes its successor
        TailRepair.deleteSpooledFile(dir);
        SingleChronicleQueue fresh = buildQueue(dir, wanted, fsync, timeProvider);
        try (ExcerptTailer tailer = fresh.createTailer();
             ExcerptAppender repairAppender = fresh.createAppender()) {
            Header last = lastHeader(fresh, tailer);
            TailRepair.replaySpool(dir, last == null ? 0 : last.last(), (doc, length) -> {
                try (DocumentContext dc = repairAppender.writingDocument()) {
                    dc.wire().bytes().write(doc, 0, length);
                }
            });
            if (fsync) {
                repairAppender.sync();
            }
        } catch (IOException | RuntimeException | Error e) {
            fresh.close();
            throw e;
        }
        TailRepair.deleteSpool(dir);
        return fresh;
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

    /** The damage found (and set aside) at the end of the newest file when this log was opened. */
    public Optional<TailDamage> tailDamage() {
        return tailDamage;
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
        long size = DocumentCodec.encodedSize(stored);
        if (size > MAX_BATCH_BYTES) {
            throw new IllegalArgumentException("batch of " + batch.size() + " events is too large to append ("
                    + size + " bytes > " + MAX_BATCH_BYTES + ")");
        }
        if (size > buffer.length) {
            buffer = new byte[(int) size];
        }
        int length = DocumentCodec.encode(stored, buffer);
        writeDocument(buffer, length);
        if (buffer.length > 4 << 20) {
            buffer = new byte[SMALL_BUFFER]; // don't keep a huge buffer alive after a huge batch
        }
        if (fsync) {
            syncToDisk();
        }
        lastTimeNanos = timeNanos;
        if (firstStored == 0) {
            firstStored = first;
        }
        lastIndex = appender.lastIndexAppended(); // before lastPosition: a reader of that sees this
        lastPosition = first + batch.size() - 1;
        return Collections.unmodifiableList(stored);
    }

    /** Writes one document (one excerpt: all or nothing after a crash). Writer thread only. */
    private void writeDocument(byte[] doc, int length) {
        if (appender == null) {
            appender = queue.createAppender();
        }
        try (DocumentContext dc = appender.writingDocument()) {
            dc.wire().bytes().write(doc, 0, length);
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
        ExcerptTailer tailer = borrowTailer();
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
     * A tailer for a seek or a cursor: an idle one, or a new one. Creating a Chronicle tailer costs
     * 0.1-1 ms, more than a seek, so they are reused. Chronicle's owner-thread check is off on them: a
     * cursor may be handed between threads, and the pool hands a tailer from one thread to another.
     */
    private ExcerptTailer borrowTailer() {
        ExcerptTailer tailer = idleTailers.pollFirst();
        if (tailer == null) {
            tailer = queue.createTailer();
            tailer.singleThreadedCheckDisabled(true);
        }
        return tailer;
    }

    /** Gives back a tailer from {@link #borrowTailer}; the next user seeks it before reading. */
    void returnTailer(ExcerptTailer tailer) {
        idleTailers.offerFirst(tailer);
        if (closed) {
            closeIdleTailers();
        }
    }

    private void closeIdleTailers() {
        for (ExcerptTailer t = idleTailers.pollFirst(); t != null; t = idleTailers.pollFirst()) {
            t.close();
        }
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
        ExcerptTailer tailer = borrowTailer();
        retention.readLock().lock();
        try {
            before = lastDocumentWhereNot(tailer, h -> h.timeNanos() >= timeNanos);
        } finally {
            retention.readLock().unlock();
            returnTailer(tailer);
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
            while (j < hi && (h = probe(tailer, rollCycle.toIndex(cycles[j], 0))) == null) {
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
        while (p >= 0 && (first = probe(tailer, rollCycle.toIndex(cycles[p], 0))) == null) {
            p--;
        }
        if (p < 0) {
            return null;
        }
        // 3. within that cycle, a binary search over the indexed documents only (every
        //    indexSpacing-th: moveToIndex goes straight to them, while any other index costs Chronicle a
        //    scan from the indexed one before it), then a forward read of at most one spacing
        int cycle = cycles[p];
        long spacing = Math.max(1, rollCycle.defaultIndexSpacing());
        long blockLo = 0; // its first document does not match
        long blockHi = (excerptsIn(tailer, cycle) - 1) / spacing;
        Header found = first;
        while (blockLo < blockHi) {
            long mid = (blockLo + blockHi + 1) >>> 1;
            Header h = probe(tailer, rollCycle.toIndex(cycle, mid * spacing));
            if (h == null || matches.test(h)) {
                blockHi = mid - 1;
            } else {
                blockLo = mid;
                found = h;
            }
        }
        long foundIndex = rollCycle.toIndex(cycle, blockLo * spacing);
        if (!tailer.moveToIndex(foundIndex)) {
            return new Found(foundIndex, found);
        }
        try {
            for (long i = 0; i <= spacing; i++) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent() || rollCycle.toCycle(dc.index()) != cycle) {
                        break;
                    }
                    Header h = DocumentCodec.readHeader(dc.wire().bytes());
                    if (matches.test(h)) {
                        break;
                    }
                    found = h;
                    foundIndex = dc.index();
                }
            }
        } catch (RuntimeException unreadable) {
            // a document being written or damaged: the last good one before it is the answer
        }
        return new Found(foundIndex, found);
    }

    /**
     * How many documents a cycle holds. Chronicle's {@code excerptsInCycle} costs about as much as a
     * whole seek (0.2 ms): the newest cycle's count comes from the index of the last append, an older
     * (complete) cycle's is asked once and kept.
     */
    private long excerptsIn(ExcerptTailer tailer, int cycle) {
        long newest = lastIndex;
        int newestCycle = newest < 0 ? Integer.MIN_VALUE : rollCycle.toCycle(newest);
        if (cycle == newestCycle) {
            return rollCycle.toSequenceNumber(newest) + 1;
        }
        if (cycle < newestCycle) {
            return excerptCounts.computeIfAbsent(cycle, tailer::excerptsInCycle);
        }
        return tailer.excerptsInCycle(cycle);
    }

    /** The cycles that have a file, oldest first. */
    private int[] cycles() {
        return cycles(queue);
    }

    private static int[] cycles(SingleChronicleQueue queue) {
        int first = queue.firstCycle();
        int last = queue.lastCycle();
        if (first > last) {
            return new int[0];
        }
        return queue.listCyclesBetween(first, last).stream().mapToInt(Long::intValue).toArray();
    }

    /**
     * {@link #headerAt}, remembered: the searches probe the same documents again and again (the first of
     * each cycle, the indexed ones), a document never changes once written, and a probe costs Chronicle
     * a {@code moveToIndex} (20-100 µs) while a lookup here costs nanoseconds. One entry per cycle and per
     * 256 documents; forgotten wholesale past {@link #MAX_PROBED} entries.
     */
    private Header probe(ExcerptTailer tailer, long index) {
        Header h = probed.get(index);
        if (h == null) {
            h = headerAt(tailer, index);
            if (h != null) {
                if (probed.size() >= MAX_PROBED) {
                    probed.clear();
                }
                probed.put(index, h);
            }
        }
        return h;
    }

    /** The header of the document at {@code index}, or null when there is no readable one. */
    private static Header headerAt(ExcerptTailer tailer, long index) {
        try {
            if (!tailer.moveToIndex(index)) {
                return null;
            }
            try (DocumentContext dc = tailer.readingDocument()) {
                return dc.isPresent() ? DocumentCodec.readHeader(dc.wire().bytes()) : null;
            }
        } catch (RuntimeException e) {
            return null; // unreadable: treated like a document being written
        }
    }

    /** The header of the newest document, or null when the log is empty. */
    private static Header lastHeader(SingleChronicleQueue queue, ExcerptTailer tailer) {
        Found last = lastDocument(queue, tailer);
        return last == null ? null : last.header();
    }

    /** The newest document, or null when the log is empty. */
    private static Found lastDocument(SingleChronicleQueue queue, ExcerptTailer tailer) {
        RollCycle rollCycle = queue.rollCycle();
        tailer.direction(TailerDirection.BACKWARD).toEnd();
        try (DocumentContext dc = tailer.readingDocument()) {
            if (dc.isPresent()) {
                return new Found(dc.index(), DocumentCodec.readHeader(dc.wire().bytes()));
            }
        } finally {
            tailer.direction(TailerDirection.FORWARD);
        }
        // Nothing found backwards: either the log is empty, or the newest cycle file holds no excerpt
        // (e.g. a crash right after a roll). The newest non-empty cycle's documents settle it.
        int[] cycles = cycles(queue);
        for (int i = cycles.length - 1; i >= 0; i--) {
            long n = tailer.excerptsInCycle(cycles[i]);
            for (long seq = n - 1; seq >= 0; seq--) {
                long index = rollCycle.toIndex(cycles[i], seq);
                Header h = headerAt(tailer, index);
                if (h != null) {
                    return new Found(index, h);
                }
            }
        }
        return null;
    }

    /** The first position of the oldest non-empty cycle, 0 when there is none. */
    private static long findFirstStored(SingleChronicleQueue queue, ExcerptTailer tailer) {
        RollCycle rollCycle = queue.rollCycle();
        for (int cycle : cycles(queue)) {
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
                Files.deleteIfExists(cycleFile(queue, dir, cycle)); // a reader that mapped it keeps its mapping
                excerptCounts.remove(cycle);
                probed.keySet().removeIf(index -> rollCycle.toCycle(index) == cycle);
                deleted = true;
            }
            if (deleted) {
                // Chronicle caches the directory listing (and the lowest cycle in metadata.cq4t): rescan,
                // so that seeks, toStart() and new tailers don't look for the deleted files; idle tailers
                // may still map a deleted file, which would keep its disk space
                queue.refreshDirectoryListing();
                closeIdleTailers();
                firstStored = findFirstStored(queue, tailer);
            }
            return firstPosition();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete old event-log files in " + dir, e);
        } finally {
            retention.writeLock().unlock();
        }
    }

    private static Path cycleFile(SingleChronicleQueue queue, Path dir, int cycle) {
        RollingResourcesCache names = new RollingResourcesCache(queue.rollCycle(), queue.epoch(),
                name -> dir.resolve(name + CYCLE_FILE_SUFFIX).toFile(),
                file -> file.getName().substring(0, file.getName().length() - CYCLE_FILE_SUFFIX.length()));
        return dir.resolve(names.resourceFor(cycle).text + CYCLE_FILE_SUFFIX);
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
            closeIdleTailers();
            if (appender != null) {
                appender.singleThreadedCheckDisabled(true);
                appender.close();
            }
            queue.close();
        } finally {
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
