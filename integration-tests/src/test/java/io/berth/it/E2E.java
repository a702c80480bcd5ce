package io.berth.it;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Base of the end-to-end classes: one berthd per class (own data root, exec root and socket) with the
 * busybox image imported; when a test fails the daemon's log tail is printed; after the class every
 * container is removed, the daemon stopped and the host checked for leftovers.
 */
@ExtendWith(E2E.PrintDaemonLogOnFailure.class)
public abstract class E2E {

    protected static BerthDaemon d;
    private static final AtomicInteger SEQ = new AtomicInteger();

    @BeforeAll
    static void startDaemon() throws Exception {
        d = BerthDaemon.launch();
        d.importBusybox();
    }

    @AfterAll
    static void stopDaemon() throws Exception {
        BerthDaemon daemon = d;
        d = null;
        if (daemon != null) {
            daemon.close();
        }
    }

    /** A container name unique in the class. */
    protected static String name(String prefix) {
        return prefix + "-" + SEQ.incrementAndGet();
    }

    /** The current class's daemon, for harness code outside the subclass. */
    static BerthDaemon daemon() {
        return d;
    }

    static final class PrintDaemonLogOnFailure implements TestWatcher {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            BerthDaemon daemon = daemon();
            if (daemon != null) {
                System.err.println("==== " + context.getDisplayName() + " failed; berthd log (last 120 lines) of "
                        + daemon.root + ":\n" + daemon.logTail(120) + "\n==== end of berthd log");
            }
        }

        @Override
        public void testAborted(ExtensionContext context, Throwable cause) {
            testFailed(context, cause);
        }

        @Override
        public void testDisabled(ExtensionContext context, Optional<String> reason) {
            // nothing
        }
    }
}
