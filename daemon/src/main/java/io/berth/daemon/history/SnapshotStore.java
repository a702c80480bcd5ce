package io.berth.daemon.history;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.state.EngineState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The snapshots of the projection in one directory, one file each: {@code snapshot-<position>.json}.
 *
 * <p>A file is a header line, {@code {"format":1,"position":P,"timeNanos":T,"sha256":"..."}}, then the
 * {@link EngineState.Contents} as JSON, whose SHA-256 the header holds. A snapshot at position P is the
 * state after applying events 1..P; {@code timeNanos} is the time of event P. Files are written to a
 * temporary name, synced and renamed, so a crash leaves either the whole file or none (a leftover
 * temporary file is ignored and removed by the next {@link #write}).
 *
 * <p>Thread-safe: every method works on files only.
 */
public final class SnapshotStore {

    /** The version of the file format; a file with another is unusable. */
    public static final int FORMAT = 1;

    private static final Pattern NAME = Pattern.compile("snapshot-(\\d{20})\\.json");
    private static final String TEMP_PREFIX = ".tmp-snapshot-";

    /** The mapper for snapshot contents: map keys sorted, unknown fields an error (a format mismatch). */
    static final ObjectMapper JSON = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    /** A complete state at a log position. */
    public record Snapshot(long position, long timeNanos, EngineState.Contents contents) {}

    /** A snapshot file that cannot be used; the message says why. */
    public static final class UnusableSnapshotException extends Exception {
        public UnusableSnapshotException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Path dir;

    public SnapshotStore(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** {@code contents} as the JSON a snapshot file holds (map keys sorted). */
    public static ObjectNode json(EngineState.Contents contents) {
        return JSON.valueToTree(contents);
    }

    /** Writes {@code snapshot} durably (temporary file, fsync, rename, fsync of the directory). */
    public void write(Snapshot snapshot) throws IOException {
        Files.createDirectories(dir);
        byte[] body = JSON.writeValueAsBytes(snapshot.contents());
        ObjectNode header = JSON.createObjectNode();
        header.put("format", FORMAT);
        header.put("position", snapshot.position());
        header.put("timeNanos", snapshot.timeNanos());
        header.put("sha256", sha256(body));
        byte[] head = (JSON.writeValueAsString(header) + "\n").getBytes(StandardCharsets.UTF_8);
        removeTemporaryFiles();
        Path temp = dir.resolve(TEMP_PREFIX + snapshot.position() + "-" + ProcessHandle.current().pid()
                + "-" + Thread.currentThread().getId());
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            writeFully(out, ByteBuffer.wrap(head));
            writeFully(out, ByteBuffer.wrap(body));
            out.force(true);
        }
        Files.move(temp, file(snapshot.position()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /** The positions of the snapshots present, oldest first (whether they are readable is not checked). */
    public List<Long> positions() {
        List<Long> found = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return found;
        }
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(f -> {
                Matcher m = NAME.matcher(f.getFileName().toString());
                if (m.matches()) {
                    found.add(Long.parseLong(m.group(1)));
                }
            });
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list " + dir, e);
        }
        found.sort(null);
        return found;
    }

    /** Reads and checks the snapshot at {@code position}. */
    public Snapshot read(long position) throws UnusableSnapshotException {
        Path file = file(position);
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UnusableSnapshotException("cannot read " + file + ": " + e.getMessage(), e);
        }
        int newline = 0;
        while (newline < all.length && all[newline] != '\n') {
            newline++;
        }
        if (newline == all.length) {
            throw new UnusableSnapshotException(file + " has no header line", null);
        }
        try {
            ObjectNode header = (ObjectNode) JSON.readTree(new String(all, 0, newline, StandardCharsets.UTF_8));
            if (header.path("format").asInt(-1) != FORMAT) {
                throw new UnusableSnapshotException(file + " has format " + header.path("format")
                        + ", this berth reads " + FORMAT, null);
            }
            if (header.path("position").asLong(-1) != position) {
                throw new UnusableSnapshotException(file + " holds position " + header.path("position")
                        + ", not the one its name says", null);
            }
            byte[] body = java.util.Arrays.copyOfRange(all, newline + 1, all.length);
            if (!sha256(body).equals(header.path("sha256").asText())) {
                throw new UnusableSnapshotException(file + " is damaged: its checksum does not match", null);
            }
            return new Snapshot(position, header.path("timeNanos").asLong(),
                    JSON.readValue(body, EngineState.Contents.class));
        } catch (IOException | ClassCastException e) {
            throw new UnusableSnapshotException(file + " cannot be decoded: " + e.getMessage(), e);
        }
    }

    /** The time recorded in the header of the snapshot at {@code position} (reads the first line only). */
    public long timeNanos(long position) throws UnusableSnapshotException {
        try (java.io.BufferedReader in = Files.newBufferedReader(file(position), StandardCharsets.UTF_8)) {
            String line = in.readLine();
            if (line == null) {
                throw new UnusableSnapshotException(file(position) + " is empty", null);
            }
            return JSON.readTree(line).path("timeNanos").asLong();
        } catch (IOException e) {
            throw new UnusableSnapshotException("cannot read " + file(position) + ": " + e.getMessage(), e);
        }
    }

    public void delete(long position) throws IOException {
        Files.deleteIfExists(file(position));
    }

    private Path file(long position) {
        return dir.resolve(String.format("snapshot-%020d.json", position));
    }

    private void removeTemporaryFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (f.getFileName().toString().startsWith(TEMP_PREFIX) && !isOurs(f)) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    /** A temporary file another thread of this process may be writing right now. */
    private static boolean isOurs(Path temp) {
        return temp.getFileName().toString().contains("-" + ProcessHandle.current().pid() + "-");
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
