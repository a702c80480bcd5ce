package io.berth.daemon.network.dns;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread of the embedded DNS server: a selector for every channel it uses (the containers'
 * sockets, clients' TCP connections, upstream sockets), deadlines, and tasks handed over from other
 * threads. Apart from {@link #call} and {@link #close}, everything here is for code that already runs on
 * this thread, and nothing that runs here may block.
 */
final class DnsLoop implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DnsLoop.class);

    /** What a registered channel's attachment does when the channel is ready. */
    interface Ready {
        void ready(SelectionKey key);
    }

    /** Something with a deadline ({@link System#nanoTime} based), told when it passes while watched. */
    interface Timed {
        long deadline();

        /** The deadline passed: move it on or stop being watched. */
        void expire();
    }

    private final Selector selector;
    private final Thread thread;
    private final Queue<Runnable> tasks = new ArrayDeque<>();
    private final Set<Timed> watched = new HashSet<>();
    private final ByteBuffer datagram = ByteBuffer.allocate(DnsWire.MAX_MESSAGE);
    private boolean accepting = true;
    private volatile boolean running = true;

    DnsLoop(String threadName) {
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector for the embedded DNS server", e);
        }
        thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Runs {@code task} on this thread and waits for it; its exception is thrown here.
     *
     * @throws IllegalStateException if the loop is closed
     */
    <T> T call(Callable<T> task) throws IOException {
        CompletableFuture<T> result = new CompletableFuture<>();
        Runnable job = () -> {
            try {
                result.complete(task.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        };
        if (Thread.currentThread() == thread) {
            job.run();
        } else {
            synchronized (tasks) {
                if (!accepting) {
                    throw new IllegalStateException("the embedded DNS server is closed");
                }
                tasks.add(job);
            }
            selector.wakeup();
        }
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for the embedded DNS thread");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException) {
                throw (IOException) cause;
            }
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new IOException(cause);
        }
    }

    SelectionKey register(SelectableChannel channel, int ops, Ready handler) throws ClosedChannelException {
        return channel.register(selector, ops, handler);
    }

    void watch(Timed timed) {
        watched.add(timed);
    }

    void unwatch(Timed timed) {
        watched.remove(timed);
    }

    /** A buffer for one datagram, shared by everything on this thread: copy out what it received at once. */
    ByteBuffer datagramBuffer() {
        return datagram.clear();
    }

    /**
     * Lets the kernel really close channels closed on this thread: a channel registered with a selector
     * keeps its socket until the selector has dropped the cancelled key, which happens in a select.
     */
    void releaseClosed() throws IOException {
        selector.selectNow();
    }

    /** Stops the thread and closes every channel still registered. Idempotent. */
    @Override
    public void close() {
        running = false;
        selector.wakeup();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        try {
            while (running) {
                selector.select(millisToNextDeadline());
                runTasks();
                List<SelectionKey> ready = new ArrayList<>(selector.selectedKeys());
                selector.selectedKeys().clear();
                for (SelectionKey key : ready) {
                    if (key.isValid()) {
                        dispatch(key);
                    }
                }
                expireDue();
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("embedded DNS thread failed; berth no longer answers DNS", e);
        } finally {
            synchronized (tasks) {
                accepting = false;
            }
            runTasks();
            for (SelectionKey key : new ArrayList<>(selector.keys())) {
                closeQuietly(key.channel());
            }
            closeQuietly(selector);
        }
    }

    private void runTasks() {
        while (true) {
            Runnable task;
            synchronized (tasks) {
                task = tasks.poll();
            }
            if (task == null) {
                return;
            }
            task.run();
        }
    }

    private static void dispatch(SelectionKey key) {
        try {
            ((Ready) key.attachment()).ready(key);
        } catch (RuntimeException e) {
            LOG.error("embedded DNS: handling {} failed", key.channel(), e);
        }
    }

    private long millisToNextDeadline() {
        if (watched.isEmpty()) {
            return 0;
        }
        long earliest = Long.MAX_VALUE;
        for (Timed timed : watched) {
            earliest = Math.min(earliest, timed.deadline());
        }
        long nanos = earliest - System.nanoTime();
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999));
    }

    private void expireDue() {
        long now = System.nanoTime();
        for (Timed timed : new ArrayList<>(watched)) {
            if (watched.contains(timed) && timed.deadline() - now <= 0) {
                try {
                    timed.expire();
                } catch (RuntimeException e) {
                    LOG.error("embedded DNS: expiring {} failed", timed, e);
                }
            }
        }
    }

    /** Closes a channel (or the selector) whose failure to close changes nothing: logged at debug only. */
    static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.debug("closing {} failed", closeable, e);
        }
    }
}
