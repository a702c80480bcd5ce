package io.berth.kernel.cgroup;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Helpers shared by the v1 and v2 implementations: killing, removal with retry, parsing. */
final class CgroupSupport {

    /** How long destroy() keeps retrying rmdir while the kernel still reports the cgroup busy. */
    static final long DESTROY_TIMEOUT_MS = 1_000;
    /** How long freeze() waits for the kernel to report the requested state. */
    static final long FREEZE_TIMEOUT_MS = 5_000;

    private CgroupSupport() {
    }

    /** Sends SIGKILL to each pid (never to this JVM); returns how many were signalled. */
    static int killAll(List<Integer> pids) {
        long self = ProcessHandle.current().pid();
        int n = 0;
        for (int pid : pids) {
            if (pid == self || pid <= 1) {
                continue;
            }
            Optional<ProcessHandle> h = ProcessHandle.of(pid);
            if (h.isPresent() && h.get().destroyForcibly()) {
                n++;
            }
        }
        return n;
    }

    /** The directory and every cgroup below it, deepest first (the order rmdir needs). */
    static List<Path> depthFirst(CgroupFs fs, Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        collect(fs, dir, out);
        return out;
    }

    private static void collect(CgroupFs fs, Path dir, List<Path> out) throws IOException {
        if (!fs.exists(dir)) {
            return;
        }
        for (String child : fs.childDirs(dir)) {
            collect(fs, dir.resolve(child), out);
        }
        out.add(dir);
    }

    /** Pids in {@code dir} and every cgroup below it. */
    static List<Integer> pidsBelow(CgroupFs fs, Path dir) throws IOException {
        List<Integer> out = new ArrayList<>();
        for (Path d : depthFirst(fs, dir)) {
            out.addAll(fs.readPids(d.resolve("cgroup.procs")));
        }
        return out;
    }

    /**
     * Removes the trees rooted at {@code dirs}: kills what is left inside, then rmdir deepest first,
     * retrying while busy until the timeout. Missing directories are fine.
     *
     * @param beforeRetry run after each kill round (e.g. thaw a frozen cgroup so the kill can land)
     */
    static void removeTrees(CgroupFs fs, List<Path> dirs, IORunnable beforeRetry) throws IOException {
        long deadline = System.nanoTime() + DESTROY_TIMEOUT_MS * 1_000_000;
        IOException last = null;
        while (true) {
            List<Integer> pids = new ArrayList<>();
            for (Path d : dirs) {
                pids.addAll(pidsBelow(fs, d));
            }
            killAll(pids);
            if (beforeRetry != null) {
                try {
                    beforeRetry.run();
                } catch (IOException ignored) {
                    // the freezer may already be gone
                }
            }
            boolean allGone = true;
            for (Path d : dirs) {
                for (Path p : depthFirst(fs, d)) {
                    try {
                        fs.rmdir(p);
                    } catch (NoSuchFileException e) {
                        // already removed
                    } catch (IOException e) {
                        allGone = false;
                        last = e;
                    }
                }
            }
            if (allGone) {
                return;
            }
            if (System.nanoTime() > deadline) {
                List<Path> left = new ArrayList<>();
                for (Path d : dirs) {
                    if (fs.exists(d)) {
                        left.add(d);
                    }
                }
                throw new IOException("cannot remove cgroup " + left + " within " + DESTROY_TIMEOUT_MS
                        + " ms: " + (last == null ? "busy" : last.getMessage()), last);
            }
            sleep(10);
        }
    }

    /** The value of {@code key} in a flat-keyed file such as memory.events ("oom_kill 3"); 0 when absent. */
    static long keyed(String text, String key) {
        for (String line : text.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 2 && f[0].equals(key)) {
                return Long.parseLong(f[1]);
            }
        }
        return 0;
    }

    static void sleep(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @FunctionalInterface
    interface IORunnable {
        void run() throws IOException;
    }

    /**
     * Removes {@code dir} when no child cgroup is left in it (a daemon's parent after its last container).
     * Callers hold the lock their {@code create} holds, so no container is being created under it.
     */
    static void removeIfEmpty(CgroupFs fs, Path dir) {
        try (java.util.stream.Stream<Path> children = java.nio.file.Files.list(dir)) {
            if (children.noneMatch(java.nio.file.Files::isDirectory)) {
                fs.rmdir(dir);
            }
        } catch (IOException | RuntimeException e) {
            // gone already, or the kernel still holds it: the next container's destroy tries again
        }
    }
}
