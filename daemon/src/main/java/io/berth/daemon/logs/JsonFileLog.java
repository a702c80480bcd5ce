package io.berth.daemon.logs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads a container's json-file log as the monitor writes it: one JSON object per line with
 * {@code log}, {@code stream} and {@code time}, rotated to {@code <log>.1}, {@code <log>.2}, ... (higher
 * is older). Blocking; callers run it on worker threads.
 */
public final class JsonFileLog {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One record of the log. */
    public record Entry(String stream, byte[] data, long timeNanos, String time) {}

    /** Which records a reader wants. {@code tail < 0} means all. */
    public record Query(boolean stdout, boolean stderr, long sinceNanos, long untilNanos, int tail) {
        boolean wants(Entry e) {
            if ("stdout".equals(e.stream) && !stdout || "stderr".equals(e.stream) && !stderr) {
                return false;
            }
            return e.timeNanos >= sinceNanos && (untilNanos <= 0 || e.timeNanos <= untilNanos);
        }
    }

    private final Path file;

    public JsonFileLog(Path file) {
        this.file = file;
    }

    /** The files of the log, oldest first. */
    List<Path> files() {
        List<Path> rotated = new ArrayList<>();
        for (int i = 1; ; i++) {
            Path p = file.resolveSibling(file.getFileName() + "." + i);
            if (!Files.exists(p)) {
                break;
            }
            rotated.add(0, p);
        }
        if (Files.exists(file)) {
            rotated.add(file);
        }
        return rotated;
    }

    /**
     * Delivers the matching records present now, honouring {@code tail}; returns the byte offset reached
     * in the current file, from which {@link #readFrom} continues when following.
     */
    public long read(Query query, Consumer<Entry> out) throws IOException {
        Deque<Entry> tail = query.tail >= 0 ? new ArrayDeque<>() : null;
        long offset = 0;
        for (Path p : files()) {
            long end = scan(p, 0, e -> {
                if (!query.wants(e)) {
                    return;
                }
                if (tail == null) {
                    out.accept(e);
                } else if (query.tail > 0) {
                    tail.addLast(e);
                    if (tail.size() > query.tail) {
                        tail.removeFirst();
                    }
                }
            });
            if (p.equals(file)) {
                offset = end;
            }
        }
        if (tail != null) {
            tail.forEach(out);
        }
        return offset;
    }

    /**
     * A follower of the log from {@code offset} in the current file. It holds that file open, so what
     * was written before the file was rotated away or removed with its container is still delivered.
     */
    public Follower follow(long offset) throws IOException {
        return new Follower(offset);
    }

    public final class Follower implements java.io.Closeable {
        private RandomAccessFile current;
        private Object key;
        private long offset;

        private Follower(long offset) throws IOException {
            this.offset = offset;
            open();
        }

        private void open() throws IOException {
            try {
                key = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
                current = new RandomAccessFile(file.toFile(), "r");
            } catch (java.nio.file.NoSuchFileException | java.io.FileNotFoundException gone) {
                current = null;
                key = null;
            }
        }

        /** Delivers the complete records appended since the last call. */
        public void read(Query query, Consumer<Entry> out) throws IOException {
            Consumer<Entry> wanted = e -> {
                if (query.wants(e)) {
                    out.accept(e);
                }
            };
            if (current == null) {
                open();
                offset = 0;
                if (current == null) {
                    return;
                }
            }
            offset = scan(current, offset, wanted);
            Object now = null;
            try {
                now = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            } catch (java.nio.file.NoSuchFileException gone) {
                // removed: the held file was read to its end above
            }
            if (!java.util.Objects.equals(now, key)) {
                // rotated (or removed): the held file is complete; continue with the new one from its start
                current.close();
                open();
                offset = 0;
                if (current != null) {
                    offset = scan(current, 0, wanted);
                }
            }
        }

        @Override
        public void close() throws IOException {
            if (current != null) {
                current.close();
                current = null;
            }
        }
    }

    /** Parses complete lines from {@code start}; returns the offset after the last complete line. */
    private static long scan(Path p, long start, Consumer<Entry> out) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "r")) {
            return scan(raf, start, out);
        }
    }

    private static long scan(RandomAccessFile raf, long start, Consumer<Entry> out) throws IOException {
        {
            long length = raf.length();
            if (start >= length) {
                return start;
            }
            raf.seek(start);
            byte[] buf = new byte[(int) Math.min(length - start, 8 << 20)];
            raf.readFully(buf);
            int lineStart = 0;
            for (int i = 0; i < buf.length; i++) {
                if (buf[i] == '\n') {
                    Entry e = parse(buf, lineStart, i - lineStart);
                    if (e != null) {
                        out.accept(e);
                    }
                    lineStart = i + 1;
                }
            }
            return start + lineStart;
        }
    }

    private static Entry parse(byte[] buf, int offset, int length) {
        try {
            JsonNode n = JSON.readTree(new String(buf, offset, length, StandardCharsets.UTF_8));
            String time = n.path("time").asText("");
            long nanos = 0;
            if (!time.isEmpty()) {
                Instant t = Instant.parse(time);
                nanos = t.getEpochSecond() * 1_000_000_000L + t.getNano();
            }
            return new Entry(n.path("stream").asText("stdout"), n.path("log").asText("").getBytes(StandardCharsets.UTF_8),
                    nanos, time);
        } catch (IOException | RuntimeException e) {
            return null; // a torn or foreign line is skipped, as Docker's reader does
        }
    }
}
