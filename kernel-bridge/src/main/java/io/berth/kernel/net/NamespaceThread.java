package io.berth.kernel.net;

import io.berth.kernel.KernelException;
import io.berth.kernel.Syscalls;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one platform thread ("berth-netns-N") on which berth changes its network namespace. A thread's
 * network namespace is its own (setns and unshare act on the calling thread only), so work that must
 * happen inside a namespace is handed to this thread, which goes in, runs it and comes back. Keeping
 * one long-lived thread makes each visit cost a queue hand-off instead of a thread start (measured on
 * a 2-core machine: ~50 µs median for a visit, ~0.5 ms for a new thread that enters and ends).
 *
 * <p>Every visit opens the namespace the thread is in before entering the next, and returns to it
 * afterwards; so work may itself ask for a namespace (it then runs inline, not queued, since the thread
 * would otherwise wait on itself). If the way back fails, the thread is stranded in a namespace that
 * is not the daemon's: it finishes the task at hand and ends, never taking another task. Its successor
 * is started by the caller that waited for that task, not by the stranded thread: a new thread inherits
 * the namespaces and credentials of the thread that starts it. Callers are the daemon's own threads,
 * which never leave the host namespace (berth moves only this thread).
 */
final class NamespaceThread {

    /** The calling thread's own network namespace, which /proc/self/ns/net is not (that is the main thread's). */
    static final Path THREAD_NETNS = Path.of("/proc/thread-self/ns/net");

    /** Moves the calling thread into a network namespace: setns into an existing one, or unshare a new one. */
    interface Entry {
        void enter() throws IOException;
    }

    private static final BlockingQueue<Runnable> TASKS = new LinkedBlockingQueue<>();
    private static final AtomicInteger NUMBER = new AtomicInteger();
    private static final Object LOCK = new Object();
    /** The thread taking TASKS; replaced when stranded. */
    private static Worker worker;

    private NamespaceThread() {
    }

    /** Runs {@code work} on the namespace thread after {@code entry} moved it, and brings the thread back. */
    static <T> T inside(Entry entry, Callable<T> work) throws IOException {
        return run(() -> {
            int back = Syscalls.open(THREAD_NETNS, Syscalls.O_RDONLY);
            try {
                entry.enter();
                Throwable failure = null;
                try {
                    return work.call();
                } catch (Throwable t) {
                    failure = t;
                    throw t;
                } finally {
                    returnTo(back, failure);
                }
            } finally {
                Syscalls.close(back);
            }
        });
    }

    /** Runs {@code task} on the namespace thread, where it is (inline when called from that thread). */
    static <T> T run(Callable<T> task) throws IOException {
        if (Thread.currentThread() instanceof Worker) {
            try {
                return task.call();
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e.toString(), e);
            }
        }
        FutureTask<T> future = new FutureTask<>(task);
        synchronized (LOCK) {
            if (worker == null) {
                worker = startWorker();
            }
            TASKS.add(future);
        }
        try {
            return await(future);
        } finally {
            replaceIfStranded();
        }
    }

    /**
     * Called by each caller once its task ended: if the task stranded the thread, the thread has stopped
     * taking tasks and those behind it need a new one.
     */
    private static void replaceIfStranded() {
        synchronized (LOCK) {
            if (worker.stranded) {
                worker = startWorker();
            }
        }
    }

    private static void returnTo(int namespaceFd, Throwable workFailure) throws KernelException {
        try {
            Syscalls.setns(namespaceFd, Syscalls.CLONE_NEWNET);
        } catch (KernelException e) {
            ((Worker) Thread.currentThread()).stranded = true;
            KernelException stranded = new KernelException("return " + Thread.currentThread().getName()
                    + " to its network namespace", e.errno(), "the thread is discarded");
            if (workFailure != null) {
                stranded.addSuppressed(workFailure);
            }
            throw stranded;
        }
    }

    /** Waits for the task without giving up on an interrupt (the task would run anyway), then keeps the flag. */
    private static <T> T await(FutureTask<T> future) throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof IOException io) {
                        throw io;
                    }
                    if (cause instanceof RuntimeException r) {
                        throw r;
                    }
                    if (cause instanceof Error err) {
                        throw err;
                    }
                    throw new IOException(cause.toString(), cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static Worker startWorker() {
        Worker w = new Worker("berth-netns-" + NUMBER.incrementAndGet());
        w.start();
        return w;
    }

    private static final class Worker extends Thread {

        /** Set when the thread could not return to its namespace: it must take no more tasks. */
        volatile boolean stranded;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        @Override
        public void run() {
            while (!stranded) {
                try {
                    TASKS.take().run(); // a FutureTask: it keeps any failure for its caller
                } catch (InterruptedException e) {
                    // nobody but the JVM's shutdown interrupts this thread; the queue may still hold work
                }
            }
        }
    }
}
