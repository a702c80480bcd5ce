package io.berth.eventlog;

import io.berth.eventlog.DocumentCodec.Header;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds a damaged end of the newest cycle file and takes it out of the log, keeping every good
 * document before it.
 *
 * <h2>Why not repair in place</h2>
 * Chronicle Queue 2026.4 does not check a file's end at open. A damaged document header (zeroed, or
 * with the "not complete" bit) hides everything after it from tailers, while the appender keeps writing
 * at the write position Chronicle stored in the file: new events would be written but never read.
 * Chronicle's index and write position live inside the file too, so cutting the file by hand would
 * mean rewriting its internals.
 *
 * <h2>What is done instead</h2>
 * The damaged file is rebuilt by Chronicle itself: (1) a copy of it goes to {@code damaged/}; (2) its
 * good documents (the ones before the damage) are copied byte for byte into a spool file next to the
 * log, synced, and the spool is renamed into place; (3) the queue is closed and the damaged file deleted;
 * (4) a fresh queue is opened and the spooled documents are appended again (they carry their own
 * positions and times, so they come back unchanged, only in a new file); (5) the spool is deleted. A
 * crash at any step is finished at the next open: a spool that is in place means (3)-(5) are redone,
 * appending only the spooled documents beyond the log's last position.
 *
 * <h2>What counts as damage</h2>
 * Reading the newest file's last {@link #TAIL_DOCUMENTS} documents: a document that does not decode (checksum, structure,
 * positions not consecutive), a document Chronicle cannot read, Chronicle's index knowing of more
 * documents than can be read, or bytes other than zeros (and Chronicle's end-of-file marker) right after
 * the last good document. Reading is bounded: Chronicle's tailer does not wait on an incomplete header.
 */
final class TailRepair {

    static final String SPOOL = "tail-repair.spool";
    static final String DAMAGED_DIR = "damaged";
    private static final int SPOOL_MAGIC = 0x42455254; // "BERT"
    private static final int END_OF_FILE_MARKER = 0xC0000000; // Chronicle's end-of-data header (EOF)
    private static final int CLEAN_WINDOW = 64 << 10;
    /** How many of the newest file's last documents are checked at open. */
    static final long TAIL_DOCUMENTS = 1024;
    private static final int HEADER_WORD = 4; // Chronicle's length-and-flags word before each document

    private TailRepair() {
    }

    /**
     * What a scan of the newest cycle file found wrong, and which documents are good.
     *
     * @param goodEnd the file offset where the last good document ends (-1 when there is none)
     */
    record Finding(int cycle, Path file, long goodDocuments, long lastGoodPosition, long goodEnd,
                   String problem, long documentsSetAside) {}

    /** Reads the cycle file (the newest); null when it is sound. */
    static Finding scan(SingleChronicleQueue queue, int cycle, Path file) {
        long good = 0;
        long lastGood = 0;
        long goodEnd = -1;
        long goodStart = -1; // the offset of the last good document's Chronicle header
        long start = 0;      // the sequence number of the first document read
        String problem = null;
        byte[] doc = new byte[4096];
        List<Envelope> scratch = new ArrayList<>();
        long indexed;
        try (ExcerptTailer tailer = queue.createTailer()) {
            // only the last TAIL_DOCUMENTS documents are read (the ones before them were the tail at
            // an earlier open); from the start when Chronicle cannot go there
            try {
                long known = tailer.excerptsInCycle(cycle);
                if (known > TAIL_DOCUMENTS && tailer.moveToIndex(queue.rollCycle().toIndex(cycle, known - TAIL_DOCUMENTS))) {
                    start = known - TAIL_DOCUMENTS;
                }
            } catch (RuntimeException unreadable) {
                start = 0;
            }
            if (start == 0 && !tailer.moveToCycle(cycle)) {
                return null;
            }
            good = start;
            while (problem == null) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent() || tailer.cycle() != cycle) {
                        break;
                    }
                    Bytes<?> bytes = dc.wire().bytes();
                    long headerAt = bytes.readPosition() - HEADER_WORD;
                    int length = (int) bytes.readRemaining();
                    long end = bytes.readLimit();
                    doc = DocumentCodec.copy(bytes, doc);
                    scratch.clear();
                    DocumentCodec.decode(doc, length, scratch);
                    long first = scratch.get(0).position();
                    if (good > start && first != lastGood + 1) {
                        problem = "document at position " + first + " does not follow " + lastGood;
                        break;
                    }
                    good++;
                    lastGood = scratch.get(scratch.size() - 1).position();
                    goodEnd = end;
                    goodStart = headerAt;
                } catch (RuntimeException e) {
                    problem = "unreadable document: " + e.getMessage();
                }
            }
            try {
                indexed = tailer.excerptsInCycle(cycle);
            } catch (RuntimeException e) {
                indexed = good + 1;
                problem = problem != null ? problem : "Chronicle's index cannot be read: " + e.getMessage();
            }
        }
        if (problem == null && indexed > good) {
            problem = "Chronicle's index lists " + indexed + " documents, " + good + " can be read";
        }
        if (problem == null && good > start && writePosition(queue, cycle) > goodStart) {
            // Chronicle's write position is the start of the last document written: one after the
            // last readable one was written and is gone (e.g. zeroed with its header)
            problem = "Chronicle's write position lies after the last good document";
        }
        if (problem == null && goodEnd >= 0 && !zerosAfter(file, goodEnd)) {
            problem = "unreadable bytes after the last good document";
        }
        if (problem == null) {
            return null;
        }
        return new Finding(cycle, file, good, lastGood, goodEnd, problem, Math.max(1, indexed - good));
    }

    private static long writePosition(SingleChronicleQueue queue, int cycle) {
        SingleChronicleQueueStore store = queue.storeForCycle(cycle, queue.epoch(), false, null);
        if (store == null) {
            return -1;
        }
        try {
            return store.writePosition();
        } finally {
            store.close();
        }
    }

    /** True when the file holds only zeros (or Chronicle's end marker, then zeros) from {@code offset} on. */
    private static boolean zerosAfter(Path file, long offset) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(CLEAN_WINDOW).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.read(buf, offset);
            buf.flip();
            if (buf.remaining() >= 4 && buf.getInt(0) == END_OF_FILE_MARKER) {
                buf.position(4);
            }
            while (buf.hasRemaining()) {
                if (buf.get() != 0) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Copies the first {@code length} bytes of {@code from} to {@code to}, leaving out the blocks that are all
     * zeros (a cycle file is mostly a preallocated hole): the copy reads the same and takes on disk about what
     * was written, not the file's tens of MiB.
     */
    static void copySparse(Path from, Path to, long length) throws IOException {
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer block = ByteBuffer.allocate(64 << 10);
            for (long at = 0; at < length; at += block.capacity()) {
                block.clear().limit((int) Math.min(block.capacity(), length - at));
                int n = in.read(block, at);
                if (n <= 0) {
                    break; // the file is shorter now (cannot happen: nothing truncates it)
                }
                block.flip();
                if (!allZero(block)) {
                    while (block.hasRemaining()) {
                        out.write(block, at + block.position());
                    }
                }
            }
            if (out.size() < length && length > 0) {
                out.write(ByteBuffer.allocate(1), length - 1); // the copy's length, the rest a hole
            }
            out.force(true);
        }
    }

    private static boolean allZero(ByteBuffer b) {
        for (int i = b.position(); i < b.limit(); i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** The bytes from {@code offset} to the last non-zero byte of the file (what damage leaves behind). */
    static long bytesInUseAfter(Path file, long offset) throws IOException {
        long lastNonZero = -1;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            for (long at = Math.max(offset, 0); at < ch.size(); at += buf.capacity()) {
                buf.clear();
                int n = ch.read(buf, at);
                for (int i = 0; i < n; i++) {
                    if (buf.get(i) != 0) {
                        lastNonZero = at + i;
                    }
                }
            }
        }
        return Math.max(0, lastNonZero + 1 - Math.max(offset, 0));
    }

    /**
     * Steps (1) and (2): the forensic copy and the spool of good documents. Returns the copy's path.
     *
     * @param lengthAtOpen the file's length before Chronicle opened it (Chronicle may have lengthened it
     *                     since, reading a damaged length): only that much is copied
     */
    static Path saveAndSpool(SingleChronicleQueue queue, Path dir, Finding f, long lengthAtOpen, Instant now)
            throws IOException {
        Path damagedDir = Files.createDirectories(dir.resolve(DAMAGED_DIR));
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC).format(now);
        Path copy = damagedDir.resolve(f.file().getFileName() + "." + stamp);
        copySparse(f.file(), copy, lengthAtOpen);
        Path tmp = dir.resolve(SPOOL + ".tmp");
        try (OutputStream os = Files.newOutputStream(tmp);
             DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(os, 1 << 16));
             ExcerptTailer tailer = queue.createTailer()) {
            out.writeInt(SPOOL_MAGIC);
            out.writeUTF(f.file().getFileName().toString());
            byte[] doc = new byte[4096];
            if (f.goodDocuments() > 0 && tailer.moveToCycle(f.cycle())) {
                for (long i = 0; i < f.goodDocuments(); i++) {
                    try (DocumentContext dc = tailer.readingDocument()) {
                        Bytes<?> bytes = dc.wire().bytes();
                        int length = (int) bytes.readRemaining();
                        doc = DocumentCodec.copy(bytes, doc);
                        out.writeInt(length);
                        out.write(doc, 0, length);
                    }
                }
            }
        }
        fsync(tmp);
        Files.move(tmp, dir.resolve(SPOOL), StandardCopyOption.ATOMIC_MOVE);
        fsync(dir);
        return copy;
    }

    /** Step (3): the damaged file named in the spool goes (the caller has closed the queue). */
    static void deleteSpooledFile(Path dir) throws IOException {
        try (DataInputStream in = openSpool(dir)) {
            Files.deleteIfExists(dir.resolve(in.readUTF()));
        }
        fsync(dir);
    }

    /** A spooled document, for step (4). */
    interface DocumentSink {
        void write(byte[] doc, int length);
    }

    /** Step (4): hands every spooled document beyond {@code lastPosition} to {@code sink}, in order. */
    static void replaySpool(Path dir, long lastPosition, DocumentSink sink) throws IOException {
        try (DataInputStream in = openSpool(dir)) {
            in.readUTF();
            byte[] doc = new byte[4096];
            while (true) {
                int length;
                try {
                    length = in.readInt();
                } catch (EOFException end) {
                    return;
                }
                if (length > doc.length) {
                    doc = new byte[length];
                }
                in.readFully(doc, 0, length);
                Header h = DocumentCodec.readHeader(doc, length);
                if (h.first() > lastPosition) {
                    sink.write(doc, length);
                }
            }
        }
    }

    /** Step (5). */
    static void deleteSpool(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(SPOOL));
        fsync(dir);
    }

    static boolean spoolInPlace(Path dir) {
        return Files.exists(dir.resolve(SPOOL));
    }

    private static DataInputStream openSpool(Path dir) throws IOException {
        InputStream is = Files.newInputStream(dir.resolve(SPOOL));
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(is, 1 << 16));
        if (in.readInt() != SPOOL_MAGIC) {
            in.close();
            throw new IOException("not an event-log repair spool: " + dir.resolve(SPOOL));
        }
        return in;
    }

    private static void fsync(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
