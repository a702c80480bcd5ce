package io.berth.daemon.registry;

import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Abandons transfers that stop moving. The JDK's HttpClient bounds the wait for a response's headers
 * but not a body that stops flowing, in either direction. A {@link Guard} is told when its thread starts
 * and stops waiting on the network and when bytes move; when its thread has waited for the stall
 * timeout with no byte moved, the guard closes the transfer's stream (if it has one) and interrupts the
 * thread, which fails the blocked {@code send} or body read and cancels the exchange. (Both are needed:
 * on JDK 17 a body read swallows an interrupt and waits on, unless its stream was closed.) The interrupt happens only while the thread waits on the network (never
 * while it writes to a caller's file, where an interrupt would close the channel), and the guard clears
 * it again. One daemon thread, there only while something transfers, serves every guard.
 */
final class StallWatch {

    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "berth-registry-stall-watch");
        t.setDaemon(true);
        return t;
    });

    StallWatch() {
        timer.setRemoveOnCancelPolicy(true);
        timer.setKeepAliveTime(30, TimeUnit.SECONDS); // no thread while nothing transfers
        timer.allowCoreThreadTimeOut(true);
    }

    /**
     * Starts guarding the calling thread; close the guard when the transfer ends, however it ends.
     *
     * @param stream closed on a stall before the interrupt; null when there is none
     */
    Guard watch(long timeoutMillis, Closeable stream) {
        Guard g = new Guard(Thread.currentThread(), timeoutMillis, stream);
        long period = Math.max(10, Math.min(1000, timeoutMillis / 4));
        g.check = timer.scheduleAtFixedRate(g::check, period, period, TimeUnit.MILLISECONDS);
        return g;
    }

    static final class Guard implements AutoCloseable {
        private final Thread thread;
        private final long timeoutNanos;
        private final Closeable stream;
        private volatile long last = System.nanoTime();
        private ScheduledFuture<?> check;
        private boolean waiting;
        private boolean stalled;

        private Guard(Thread thread, long timeoutMillis, Closeable stream) {
            this.thread = thread;
            this.stream = stream;
            this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        }

        /** The thread is about to block on the network. */
        synchronized void await() {
            waiting = true;
            last = System.nanoTime();
        }

        /** Some bytes moved (may be called from any thread). */
        void moved() {
            last = System.nanoTime();
        }

        /** The thread is back from the network; true (and the interrupt cleared) when it was given up on. */
        synchronized boolean resume() {
            waiting = false;
            if (stalled) {
                Thread.interrupted();
            }
            return stalled;
        }

        /** Whether this guard gave up on the transfer. */
        synchronized boolean stalled() {
            return stalled;
        }

        private synchronized void check() {
            if (waiting && !stalled && System.nanoTime() - last > timeoutNanos) {
                stalled = true;
                if (stream != null) {
                    try {
                        stream.close();
                    } catch (IOException | RuntimeException ignored) {
                        // the interrupt still wakes the thread
                    }
                }
                thread.interrupt();
            }
        }

        @Override
        public void close() {
            check.cancel(false);
            resume();
        }
    }
}
