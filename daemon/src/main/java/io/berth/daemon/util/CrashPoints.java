package io.berth.daemon.util;

import io.berth.kernel.Syscalls;

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
 *       e.g. {@code RegisterImage}).</li>
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
}
