package io.berth.daemon.util;

import io.berth.kernel.Syscalls;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Named places in the command path where a crash test can have the daemon killed with SIGKILL, to prove
 * that restart, replay and reconciliation lose no acknowledged operation. Off unless the system property
 * {@code berth.crash} names a point, optionally with the event type it applies to:
 * {@code -Dberth.crash=journal.appended:ContainerStartRequested}. bin/berthd passes BERTH_JAVA_OPTS on.
 *
 * <ul>
 *   <li>{@code journal.appended}: a batch is durable but not yet applied, answered or acted on;</li>
 *   <li>{@code runtime.before-side-effect}: a reactor took an event (the call may already be answered)
 *       and has not started its side effect;</li>
 *   <li>{@code runtime.mid-start}: the container's process exists and runs, and its start is not yet
 *       recorded;</li>
 *   <li>{@code image.files-written}: a load, import or commit has put layers in the storage driver and
 *       configs in the image store, and nothing is registered in the log yet (event type: the command,
 *       e.g. {@code RegisterImage});</li>
 *   <li>{@code layer.mid-unpack}: a layer tar is being unpacked into the storage driver and more than half
 *       of it has been read, so part of its files are written and the rest are not (event type:
 *       {@code RegisterImage}; the import path, see {@link #midUnpack}).</li>
 * </ul>
 */
public final class CrashPoints {

    private static final String SPEC = System.getProperty("berth.crash", "");

    private CrashPoints() {}

    /** Kills this process with SIGKILL when {@code point} (for {@code eventType}) is the configured one. */
    public static void hit(String point, String eventType) {
        if (SPEC.isEmpty()) {
            return;
        }
        int colon = SPEC.indexOf(':');
        String wantedPoint = colon < 0 ? SPEC : SPEC.substring(0, colon);
        String wantedType = colon < 0 ? "" : SPEC.substring(colon + 1);
        if (wantedPoint.equals(point) && (wantedType.isEmpty() || wantedType.equals(eventType))) {
            System.err.println("berthd: crash point " + point + " " + eventType + " reached: SIGKILL");
            try {
                Syscalls.kill((int) ProcessHandle.current().pid(), 9);
            } catch (java.io.IOException e) {
                Runtime.getRuntime().halt(137);
            }
        }
    }

    /**
     * {@code tar}, a layer of {@code size} bytes on its way into the storage driver, as a stream that hits
     * {@code layer.mid-unpack} (for {@code RegisterImage}) once more than half of it has been read; {@code tar}
     * itself when no crash point is configured.
     */
    public static InputStream midUnpack(InputStream tar, long size) {
        if (SPEC.isEmpty()) {
            return tar;
        }
        return new FilterInputStream(tar) {
            private long read;

            @Override
            public int read() throws IOException {
                int b = super.read();
                count(b < 0 ? 0 : 1);
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                int n = super.read(buf, off, len);
                count(Math.max(n, 0));
                return n;
            }

            private void count(int n) {
                read += n;
                if (read > size / 2) {
                    hit("layer.mid-unpack", "RegisterImage");
                }
            }
        };
    }
}
