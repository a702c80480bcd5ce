package io.berth.kernel;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;

/** The few system calls berth's Java side makes directly (through JNA). */
public final class Syscalls {

    /** errno ESRCH: no such process. */
    public static final int ESRCH = 3;

    private interface LibC extends Library {
        int kill(int pid, int sig) throws LastErrorException;
    }

    private static final class Holder {
        static final LibC C = Native.load("c", LibC.class);
    }

    private Syscalls() {
    }

    /**
     * kill(2). Returns false when the process does not exist (ESRCH).
     *
     * @throws IOException with the errno for any other failure (e.g. EPERM)
     */
    public static boolean kill(int pid, int signal) throws IOException {
        if (pid <= 0) {
            throw new IllegalArgumentException("refusing kill(" + pid + ")");
        }
        try {
            Holder.C.kill(pid, signal);
            return true;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ESRCH) {
                return false;
            }
            throw new IOException("kill(" + pid + ", " + signal + "): errno " + e.getErrorCode(), e);
        }
    }
}
