package io.berth.daemon.runtime;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs blocking tasks on a pool of worker threads, one at a time per key: the side effects for one
 * container (start, signal, clean-up, removal) happen in the order their events were recorded, while
 * different containers proceed in parallel. Never runs on a Vert.x event loop.
 */
public final class KeyedExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(KeyedExecutor.class);

    /** A blocking task. */
    public interface Task {
        void run() throws Exception;
    }

    private final ExecutorService pool;
    private final Map<String, CompletableFuture<Void>> tails = new HashMap<>();

    public KeyedExecutor(String name, int threads) {
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues {@code task} after every task already queued for {@code key}. */
    public CompletableFuture<Void> submit(String key, String what, Task task) {
        synchronized (tails) {
            CompletableFuture<Void> previous = tails.getOrDefault(key, CompletableFuture.completedFuture(null));
            CompletableFuture<Void> next = previous.handleAsync((v, e) -> {
                try {
                    task.run();
                } catch (Exception ex) {
                    LOG.error("{} for {} failed", what, key, ex);
                }
                return null;
            }, pool);
            tails.put(key, next);
            next.whenComplete((v, e) -> {
                synchronized (tails) {
                    tails.remove(key, next);
                }
            });
            return next;
        }
    }

    public void shutdown() {
        pool.shutdown();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
