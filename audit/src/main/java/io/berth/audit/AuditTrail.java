package io.berth.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail of one daemon: hash-chained records ({@link Chain}) appended to JSON-lines files
 * ({@link Segments}) in one directory.
 *
 * <p>One writer thread ("berth-audit") owns the files: {@link #append} only queues, so an event loop never
 * waits on a disk; the writer writes what is queued in one write when the queue runs dry (and forces it to
 * disk when the trail is durable). A file is closed and the next begun once it reaches the segment size,
 * so retention drops whole files. Reads, verification and retention go through the same queue, so they
 * see every record appended before them.
 *
 * <p>The chain goes on across restarts from the last complete record. A last line cut short (berthd killed
 * in the middle of a write) is cut off when the trail is opened, logged, and recorded as a
 * {@link AuditRecord#RECOVERED} record with the length and SHA-256 of the bytes it cut off.
 *
 * <p>If a write fails (disk full), the records in it are lost and logged as an error; the chain in memory
 * goes on, so the verifier reports the gap.
 */
public final class AuditTrail implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AuditTrail.class);

    /** The size at which a file is closed and the next begun. */
    public static final long DEFAULT_SEGMENT_BYTES = 8L << 20;

    /**
     * What a retention pass dropped.
     *
     * @param files   whole files dropped
     * @param fromSeq first record dropped (-1: none)
     * @param toSeq   last record dropped (-1: none)
     */
    public record Retention(int files, long fromSeq, long toSeq) {
        static final Retention NONE = new Retention(0, -1, -1);
    }

    private static final Runnable STOP = () -> { };

    private final Path dir;
    private final long segmentBytes;
    private final boolean durable;
    private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean closed;

    // the writer thread's own state
    private long nextSeq;
    private String lastHash = Chain.GENESIS;
    private Path current;
    private FileChannel out;
    private long currentSize;
    private final StringBuilder pending = new StringBuilder();

    private AuditTrail(Path dir, long segmentBytes, boolean durable) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.durable = durable;
        this.writer = new Thread(this::writeLoop, "berth-audit");
        this.writer.setDaemon(true);
    }

    /**
     * Opens the trail in {@code dir} (created, mode 0700, when missing) and continues its chain.
     *
     * @param segmentBytes a file is closed once it reaches this size
     * @param durable      force every write to disk before the next
     * @throws IOException the directory cannot be used, or its last record is unreadable (the chain cannot
     *                     go on from it: {@code berth audit verify --dir} says why)
     */
    public static AuditTrail open(Path dir, long segmentBytes, boolean durable) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        AuditTrail trail = new AuditTrail(dir, segmentBytes, durable);
        trail.resume();
        trail.writer.start();
        return trail;
    }

    public Path directory() {
        return dir;
    }

    /** Queues {@code record}; never blocks. */
    public void append(AuditRecord record) {
        if (closed) {
            LOG.warn("audit record after close, not written: {} {} {}", record.method(), record.path(), record.status());
            return;
        }
        queue.add(() -> write(record.time(), AuditRecord.CALL, record::writeTo));
    }

    /** Completes once every record appended before this call is written. */
    public CompletableFuture<Void> flushed() {
        return onWriter(() -> null);
    }

    /**
     * Drops the oldest whole files: those whose newest record is older than {@code maxAge}, then more while
     * the trail is over {@code maxBytes}; never the file being written. When it drops any, it first appends
     * (and forces to disk) a {@link AuditRecord#CHECKPOINT} naming the records dropped and the hash of the
     * last of them, so the chain still verifies from its new start. Blocks until done.
     *
     * @param maxAge   null: no age limit
     * @param maxBytes 0: no size limit
     */
    public Retention applyRetention(Duration maxAge, long maxBytes) throws IOException {
        return await(onWriter(() -> retain(maxAge, maxBytes)));
    }

    /** Calls {@code sink} with each record (one JSON line, no newline) that matches, oldest first. Blocks. */
    public void read(AuditQuery query, Consumer<String> sink) throws IOException {
        for (Map.Entry<Path, Long> file : await(onWriter(this::lengths)).entrySet()) {
            Segments.Content content;
            try {
                content = Segments.read(file.getKey(), file.getValue());
            } catch (NoSuchFileException e) {
                continue; // dropped by retention meanwhile
            }
            for (String line : content.lines()) {
                JsonNode record;
                try {
                    record = Chain.JSON.readTree(line);
                } catch (IOException e) {
                    continue; // not a record: the verifier reports it
                }
                if (query.matches(record)) {
                    sink.accept(line);
                }
            }
        }
    }

    /** Verifies every record written so far (not those appended meanwhile). Blocks. */
    public AuditVerifier.Result verify() throws IOException {
        return AuditVerifier.verify(dir, await(onWriter(this::lengths)));
    }

    /** Writes what is queued and stops the writer. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        queue.add(STOP);
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- on the writer thread

    private void writeLoop() {
        while (true) {
            Runnable task;
            try {
                task = queue.take();
            } catch (InterruptedException e) {
                continue; // only close() stops the writer, after the last record
            }
            if (task == STOP) {
                flush();
                closeFile();
                return;
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("audit trail: {}", e.toString(), e);
            }
            if (queue.isEmpty()) {
                flush();
            }
        }
    }

    private interface WriterTask<T> {
        T run() throws IOException;
    }

    private <T> CompletableFuture<T> onWriter(WriterTask<T> task) {
        CompletableFuture<T> done = new CompletableFuture<>();
        if (closed) {
            done.completeExceptionally(new IOException("the audit trail is closed"));
            return done;
        }
        queue.add(() -> {
            flush();
            try {
                done.complete(task.run());
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    private static <T> T await(CompletableFuture<T> future) throws IOException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
    }

    /** Seals the next record (seq, time, type, the fields {@code fill} adds, prev) and queues its line. */
    private void write(Instant time, String type, Consumer<ObjectNode> fill) {
        ObjectNode node = Chain.JSON.createObjectNode();
        node.put("seq", nextSeq);
        node.put("time", AuditRecord.time(time));
        node.put("type", type);
        fill.accept(node);
        node.put("prev", lastHash);
        Chain.Sealed sealed = Chain.seal(node);
        if (current == null || currentSize >= segmentBytes) {
            roll();
        }
        pending.append(sealed.line()).append('\n');
        currentSize += sealed.line().getBytes(StandardCharsets.UTF_8).length + 1;
        nextSeq++;
        lastHash = sealed.hash();
    }

    /** Closes the current file and begins the next, named by the seq of its first record. */
    private void roll() {
        flush();
        closeFile();
        current = Segments.path(dir, nextSeq);
        currentSize = 0;
        openCurrent();
    }

    private void openCurrent() {
        try {
            out = FileChannel.open(current, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            LOG.error("audit trail: cannot open {}: {}", current, e.toString());
            out = null;
        }
    }

    private void flush() {
        if (pending.length() == 0) {
            return;
        }
        byte[] bytes = pending.toString().getBytes(StandardCharsets.UTF_8);
        pending.setLength(0);
        try {
            if (out == null) {
                throw new IOException(current + " is not open");
            }
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            if (durable) {
                out.force(false);
            }
        } catch (IOException e) {
            LOG.error("audit trail: {} bytes of records lost, {} not written: {}", bytes.length, current, e.toString());
        }
    }

    private void closeFile() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                LOG.warn("audit trail: closing {}: {}", current, e.toString());
            }
            out = null;
        }
    }

    /** Each file and its length now: what readers and the verifier may read, every line of it complete. */
    private Map<Path, Long> lengths() throws IOException {
        Map<Path, Long> lengths = new java.util.LinkedHashMap<>();
        for (Segments.Segment s : Segments.list(dir)) {
            lengths.put(s.path(), Files.size(s.path()));
        }
        return lengths;
    }

    private Retention retain(Duration maxAge, long maxBytes) throws IOException {
        List<Segments.Segment> files = Segments.list(dir);
        Map<Path, Long> sizes = new HashMap<>();
        long total = 0;
        for (Segments.Segment s : files) {
            sizes.put(s.path(), Files.size(s.path()));
            total += sizes.get(s.path());
        }
        Instant cutoff = maxAge == null ? null : Instant.now().minus(maxAge);
        int drop = 0;
        String lastDroppedHash = null;
        long lastDroppedSeq = -1;
        // never the newest file: it is the one being written
        while (drop < files.size() - 1) {
            Segments.Segment s = files.get(drop);
            Chain.Opened last = lastRecord(s.path());
            boolean old = cutoff != null && last != null
                    && Instant.parse(last.body().path("time").asText()).isBefore(cutoff);
            boolean over = maxBytes > 0 && total > maxBytes;
            if (!old && !over) {
                break;
            }
            if (last != null) {
                lastDroppedHash = last.statedHash();
                lastDroppedSeq = last.seq();
            }
            total -= sizes.get(s.path());
            drop++;
        }
        if (drop == 0 || lastDroppedHash == null) {
            return Retention.NONE;
        }
        long fromSeq = files.get(0).firstSeq();
        long before = lastDroppedSeq + 1;
        String hash = lastDroppedHash;
        int count = drop;
        write(Instant.now(), AuditRecord.CHECKPOINT, node -> {
            ObjectNode dropped = node.putObject("dropped");
            dropped.put("fromSeq", fromSeq);
            dropped.put("before", before);
            dropped.put("files", count);
            dropped.put("lastHash", hash);
        });
        flush();
        if (out != null) {
            out.force(false); // the checkpoint is on disk before what it accounts for is gone
        }
        for (int i = 0; i < drop; i++) {
            Files.deleteIfExists(files.get(i).path());
        }
        LOG.info("audit retention dropped {} files, records {} to {}", drop, fromSeq, before - 1);
        return new Retention(drop, fromSeq, before - 1);
    }

    private static Chain.Opened lastRecord(Path file) throws IOException {
        List<String> lines = Segments.read(file, -1).lines();
        for (int i = lines.size() - 1; i >= 0; i--) {
            try {
                return Chain.open(lines.get(i));
            } catch (Chain.Unreadable e) {
                // an unreadable line: try the one before; the verifier reports it
            }
        }
        return null;
    }

    // ---- before the writer starts

    /** Finds where the chain stopped: the last complete record of the newest file that has one. */
    private void resume() throws IOException {
        List<Segments.Segment> files = Segments.list(dir);
        if (files.isEmpty()) {
            return;
        }
        Segments.Segment newest = files.get(files.size() - 1);
        Segments.Content content = Segments.read(newest.path(), -1);
        byte[] torn = content.torn();
        if (torn.length > 0) {
            try (FileChannel ch = FileChannel.open(newest.path(), StandardOpenOption.WRITE)) {
                ch.truncate(content.goodLength());
                ch.force(false);
            }
            LOG.warn("audit trail: the last record of {} was incomplete ({} bytes, a write cut short); cut off",
                    newest.path(), torn.length);
        }
        String lastLine = null;
        for (int i = files.size() - 1; i >= 0 && lastLine == null; i--) {
            List<String> lines = i == files.size() - 1 ? content.lines() : Segments.read(files.get(i).path(), -1).lines();
            lastLine = lines.isEmpty() ? null : lines.get(lines.size() - 1);
        }
        if (lastLine != null) {
            Chain.Opened last;
            try {
                last = Chain.open(lastLine);
            } catch (Chain.Unreadable e) {
                throw new IOException("the last record of the audit trail in " + dir + " is unreadable (" + e.getMessage()
                        + "); see berth audit verify --dir " + dir);
            }
            nextSeq = last.seq() + 1;
            lastHash = last.statedHash();
        }
        current = newest.path();
        currentSize = content.goodLength();
        openCurrent();
        if (torn.length > 0) {
            String tornHash = Chain.sha256(torn);
            int tornBytes = torn.length;
            queue.add(() -> write(Instant.now(), AuditRecord.RECOVERED, node -> {
                node.put("tornBytes", tornBytes);
                node.put("tornSha256", tornHash);
            }));
        }
    }
}
