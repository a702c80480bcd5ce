package io.berth.storage.common;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * A layer tar, kept as the files a driver unpacked plus everything else the tar held, so that the exact
 * same bytes (and so the same digest, the layer's diff id) can be produced again without storing the tar
 * twice: what Docker keeps with tar-split. While a layer is extracted, a {@link Recorder} sits between
 * the raw tar and the tar parser; the extractor tells it when the bytes that follow are the content of
 * a regular file it writes to disk, and the recorder notes a reference (the file's path in the layer and
 * the length) instead of the bytes. Everything else (headers, PAX records, padding, the end blocks, and
 * any content the extractor skipped) is kept verbatim. {@link #reassemble} replays the record, reading
 * file contents back from the layer.
 *
 * <p>Record format (gzip-compressed): a sequence of {@code byte kind}; kind {@code 1} (raw) is followed
 * by {@code int length} and the bytes, kind {@code 2} (file) by {@code UTF length-prefixed path} and
 * {@code long length}; kind {@code 0} ends it. A record without its end is incomplete and unusable.
 */
public final class TarSplit {

    private static final int END = 0;
    private static final int RAW = 1;
    private static final int FILE = 2;
    private static final int FLUSH_AT = 1 << 16;

    private TarSplit() {
    }

    /**
     * Passes a tar through, writing its split record to {@code splitFile} as it goes. Call
     * {@link #beginContent}/{@link #endContent} around reading one regular file's content, and
     * {@link #finish} after the tar parser is done (it reads what is left, such as trailing blocks).
     */
    public static final class Recorder extends InputStream {
        private final InputStream raw;
        private final DataOutputStream record;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private String contentPath;
        private long contentLength;
        private boolean finished;

        public Recorder(InputStream raw, Path splitFile) throws IOException {
            this.raw = raw;
            this.record = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(splitFile), 1 << 16));
        }

        /** The bytes read from now on are the content of the regular file at {@code path} (relative to the layer). */
        public void beginContent(String path) {
            contentPath = path;
            contentLength = 0;
        }

        public void endContent() throws IOException {
            if (contentPath != null) {
                flushRaw();
                record.writeByte(FILE);
                record.writeUTF(contentPath);
                record.writeLong(contentLength);
                contentPath = null;
            }
        }

        /** Reads the rest of the tar into the record (a parser stops at the end blocks) and completes it. */
        public void finish() throws IOException {
            byte[] buf = new byte[8192];
            while (read(buf, 0, buf.length) >= 0) {
                // recorded by read
            }
            endContent();
            flushRaw();
            record.writeByte(END);
            record.close();
            finished = true;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = raw.read(b, off, len);
            if (n > 0) {
                if (contentPath != null) {
                    contentLength += n;
                } else {
                    pending.write(b, off, n);
                    if (pending.size() >= FLUSH_AT) {
                        flushRaw();
                    }
                }
            }
            return n;
        }

        /** Skipped bytes are read, so that they are recorded. */
        @Override
        public long skip(long n) throws IOException {
            byte[] buf = new byte[8192];
            long left = n;
            while (left > 0) {
                int r = read(buf, 0, (int) Math.min(buf.length, left));
                if (r < 0) {
                    break;
                }
                left -= r;
            }
            return n - left;
        }

        private void flushRaw() throws IOException {
            if (pending.size() > 0) {
                record.writeByte(RAW);
                record.writeInt(pending.size());
                pending.writeTo(record);
                pending.reset();
            }
        }

        /** Closes the record file (without the end marker unless {@link #finish} ran); not the raw stream. */
        @Override
        public void close() throws IOException {
            if (!finished) {
                record.close();
            }
        }
    }

    /**
     * Writes the layer tar recorded in {@code splitFile} to {@code out}, reading file contents from
     * {@code root}. A file whose length changed, a path that is not a regular file, or an incomplete
     * record is an {@link IOException}: the bytes would not be the layer's.
     */
    public static void reassemble(Path splitFile, Path root, OutputStream out) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(
                new GZIPInputStream(Files.newInputStream(splitFile), 1 << 16), 1 << 16))) {
            byte[] buf = new byte[1 << 16];
            while (true) {
                int kind;
                try {
                    kind = in.readUnsignedByte();
                } catch (EOFException e) {
                    throw new IOException(splitFile + ": the tar-split record is incomplete");
                }
                if (kind == END) {
                    return;
                }
                if (kind == RAW) {
                    int length = in.readInt();
                    while (length > 0) {
                        int n = in.read(buf, 0, Math.min(buf.length, length));
                        if (n < 0) {
                            throw new IOException(splitFile + ": the tar-split record is incomplete");
                        }
                        out.write(buf, 0, n);
                        length -= n;
                    }
                } else if (kind == FILE) {
                    String path = in.readUTF();
                    long length = in.readLong();
                    copyFile(root, path, length, out, buf);
                } else {
                    throw new IOException(splitFile + ": unknown tar-split record kind " + kind);
                }
            }
        }
    }

    private static void copyFile(Path root, String path, long length, OutputStream out, byte[] buf) throws IOException {
        Path file = root.resolve(path).normalize();
        if (!file.startsWith(root) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("layer file " + path + " is missing or not a regular file");
        }
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            long left = length;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new IOException("layer file " + path + " is shorter than when it was unpacked");
                }
                out.write(buf, 0, n);
                left -= n;
            }
            if (in.read() >= 0) {
                throw new IOException("layer file " + path + " is longer than when it was unpacked");
            }
        }
    }
}
