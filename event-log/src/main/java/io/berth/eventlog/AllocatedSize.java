package io.berth.eventlog;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The bytes a file takes on disk ({@code st_blocks * 512} from {@code stat(2)}), which for Chronicle's
 * sparse cycle files is far below their length: a cycle file is created 80 MiB long and filled as
 * events arrive. Java's file attributes have no block count, so this binds {@code stat} with JNA
 * (glibc 2.33+ exports it). On a platform whose {@code struct stat} layout is not known here (anything
 * but 64-bit Linux on x86-64 or arm64) it answers the file's length, an upper bound.
 */
final class AllocatedSize {

    /** {@code st_blocks} is at byte 64 of {@code struct stat} on x86-64 and on arm64 (both little endian). */
    private static final int ST_BLOCKS_OFFSET = 64;
    private static final int ENOENT = 2;
    private static final int STAT_BUFFER_BYTES = 256; // struct stat is 144 (x86-64) or 128 (arm64) bytes
    private static final boolean STAT_KNOWN = Platform.isLinux() && Platform.is64Bit()
            && (Platform.isIntel() || Platform.isARM());

    private AllocatedSize() {
    }

    static long of(Path file) throws IOException {
        if (!STAT_KNOWN) {
            return Files.size(file);
        }
        byte[] buf = new byte[STAT_BUFFER_BYTES];
        try {
            Libc.stat(file.toString(), buf);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENOENT) {
                throw new NoSuchFileException(file.toString());
            }
            throw new IOException("stat " + file + " failed: errno " + e.getErrorCode());
        }
        return ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN).getLong(ST_BLOCKS_OFFSET) * 512;
    }

    /** JNA direct mapping, bound once to libc. */
    private static final class Libc {
        static {
            Native.register(Platform.C_LIBRARY_NAME);
        }

        private Libc() {
        }

        static native int stat(String path, byte[] buf) throws LastErrorException;
    }
}
