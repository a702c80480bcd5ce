package io.berth.eventlog;

import com.sun.jna.Native;
import net.openhft.posix.MSyncFlag;
import net.openhft.posix.PosixAPI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class ChroniclePosixTest {

    private static final int EINVAL = 22;

    @Test
    void chronicleUsesBerthsMsyncAndItReachesTheKernel(@TempDir Path dir) {
        try (EventLog log = ChronicleEventLog.open(dir.resolve("events"), true)) {
            PosixAPI posix = PosixAPI.posix();
            assertInstanceOf(ChroniclePosix.class, posix);
            long block = Native.malloc(3 * 4096);
            try {
                long page = (block + 4095) & ~4095L;
                assertEquals(0, posix.msync(page, 4096, MSyncFlag.MS_SYNC));
                // the kernel (not a no-op) refuses an address that is not page aligned
                assertEquals(-1, posix.msync(page + 1, 4096, MSyncFlag.MS_SYNC));
                assertEquals(EINVAL, posix.lastError());
            } finally {
                Native.free(block);
            }
        }
    }
}
