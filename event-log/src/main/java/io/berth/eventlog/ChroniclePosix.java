package io.berth.eventlog;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import net.openhft.posix.internal.PosixAPIHolder;
import net.openhft.posix.internal.noop.NoOpPosixAPI;

/**
 * The one POSIX call Chronicle Queue makes on berth's paths, {@code msync(2)} (for {@code SyncMode.SYNC}),
 * bound with JNA's direct mapping. Chronicle's own binding is jnr-ffi, which generates and verifies
 * classes at run time: about 0.2 s of every daemon start, on the path to the first API answer, for one
 * system call. Installed before Chronicle's {@code Jvm} class initialises (which asks for the binding);
 * every other call stays Chronicle's no-op, and none of them is on berth's paths (the queue's pretoucher,
 * the POSIX time provider and affinity are off).
 */
final class ChroniclePosix extends NoOpPosixAPI {

    private static volatile int lastError;

    private ChroniclePosix() {
        super("berth binds only msync");
    }

    /** Installs the binding unless Chronicle already chose one; call before any Chronicle class is used. */
    static void install() {
        if (PosixAPIHolder.POSIX_API == null) {
            PosixAPIHolder.POSIX_API = new ChroniclePosix();
        }
    }

    @Override
    public int msync(long address, long length, int flags) {
        try {
            return Libc.msync(address, length, flags);
        } catch (LastErrorException e) {
            lastError = e.getErrorCode();
            return -1;
        }
    }

    @Override
    public int lastError() {
        return lastError;
    }

    /** JNA direct mapping: native methods bound once to libc. A pointer is a 64-bit integer here. */
    static final class Libc {
        static {
            Native.register(Platform.C_LIBRARY_NAME);
        }

        private Libc() {
        }

        static native int msync(long address, long length, int flags) throws LastErrorException;
    }
}
