package io.berth.kernel.cgroup;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * cgroup v2: one unified tree. The controllers berth needs are enabled in cgroup.subtree_control of
 * every level from the mount root down to the parent, then the container cgroup is created below it.
 */
public final class V2Cgroups implements Cgroups {

    /** The v2 controllers berth enables, in the order they are written. */
    static final List<String> WANTED = List.of("cpuset", "cpu", "io", "memory", "pids");

    private final Hierarchy unified;
    private final CgroupFs fs;

    V2Cgroups(Hierarchy unified, CgroupFs fs) {
        this.unified = unified;
        this.fs = fs;
    }

    @Override
    public String mode() {
        return "v2";
    }

    /** The controllers of the unified root, named as the contract names them (io is blkio). */
    @Override
    public Set<String> controllers() {
        Set<String> out = new TreeSet<>();
        Set<String> available;
        try {
            available = available(unified.mountPoint());
        } catch (IOException e) {
            available = Set.of();
        }
        for (String c : available) {
            switch (c) {
                case "io" -> out.add("blkio");
                case "cpu" -> {
                    out.add("cpu");
                    out.add("cpuacct"); // cpu.stat's usage, always there on v2
                }
                case "memory", "pids", "cpuset" -> out.add(c);
                default -> {
                    // hugetlb, rdma, misc: not used by berth
                }
            }
        }
        out.add("freezer"); // cgroup.freeze is core on v2 (kernel >= 5.2)
        return Collections.unmodifiableSet(out);
    }

    private Set<String> available(Path dir) throws IOException {
        Path f = dir.resolve("cgroup.controllers");
        if (!fs.exists(f)) {
            return Set.of();
        }
        String text = fs.read(f);
        return text.isEmpty() ? Set.of() : new LinkedHashSet<>(Arrays.asList(text.split("\\s+")));
    }

    @Override
    public synchronized CgroupSet create(String parent, String name, Limits limits) throws IOException {
        Limits l = LimitChecks.orNone(limits);
        LimitChecks.validate(l, true);
        String p = LimitChecks.checkRelative("cgroup parent", parent, true);
        String n = LimitChecks.checkRelative("container cgroup name", name, false);
        String rel = p + "/" + n;
        Path dir = unified.dir(rel);
        Path level = unified.mountPoint();
        enableControllers(level);
        for (Path seg : unified.mountPoint().relativize(unified.dir(p))) {
            level = level.resolve(seg);
            fs.mkdir(level);
            enableControllers(level);
        }
        boolean created = fs.mkdir(dir);
        Set2 set = new Set2(rel);
        try {
            set.apply(l, false);
            return set;
        } catch (IOException | RuntimeException e) {
            if (created) {
                try {
                    fs.rmdir(dir);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** Enables in {@code dir}'s cgroup.subtree_control every wanted controller it has and lacks. */
    private void enableControllers(Path dir) throws IOException {
        Set<String> available = available(dir);
        Path control = dir.resolve("cgroup.subtree_control");
        Set<String> enabled = new LinkedHashSet<>();
        if (fs.exists(control)) {
            String t = fs.read(control);
            if (!t.isEmpty()) {
                enabled.addAll(Arrays.asList(t.split("\\s+")));
            }
        }
        StringBuilder add = new StringBuilder();
        for (String c : WANTED) {
            if (available.contains(c) && !enabled.contains(c)) {
                add.append(add.length() == 0 ? "" : " ").append('+').append(c);
            }
        }
        if (add.length() > 0) {
            try {
                fs.write(control, add.toString());
            } catch (IOException e) {
                throw new IOException(e.getMessage() + " (a non-root cgroup that holds processes cannot"
                        + " enable controllers for its children)", e);
            }
        }
    }

    @Override
    public CgroupSet find(String parent, String name) throws IOException {
        String rel = LimitChecks.checkRelative("cgroup parent", parent, true) + "/"
                + LimitChecks.checkRelative("container cgroup name", name, false);
        return fs.exists(unified.dir(rel)) ? new Set2(rel) : null;
    }

    @Override
    public Set<String> list(String parent) throws IOException {
        String p = LimitChecks.checkRelative("cgroup parent", parent, true);
        return new TreeSet<>(fs.childDirs(unified.dir(p)));
    }

    /** Removes the parent cgroup and whatever is left below it. */
    public void removeParent(String parent) throws IOException {
        String p = LimitChecks.checkRelative("cgroup parent", parent, true);
        Path dir = unified.dir(p);
        killViaCgroupKill(dir);
        CgroupSupport.removeTrees(fs, List.of(dir), null);
    }

    /** SIGKILL to the whole subtree, frozen or not (kernel >= 5.14); the pid-by-pid kill follows anyway. */
    private void killViaCgroupKill(Path dir) {
        Path kill = dir.resolve("cgroup.kill");
        try {
            if (fs.exists(kill)) {
                fs.write(kill, "1");
            }
        } catch (IOException ignored) {
            // gone already, or an old kernel: removeTrees kills pid by pid
        }
    }

    private final class Set2 implements CgroupSet {
        private final String rel;
        private final Path dir;

        Set2(String rel) {
            this.rel = rel;
            this.dir = unified.dir(rel);
        }

        @Override
        public List<String> procsFiles() {
            return List.of(dir.resolve("cgroup.procs").toString());
        }

        @Override
        public void restrictDevices(List<String> rules) {
            throw new UnsupportedOperationException("device rules on cgroup v2 need an eBPF program, which berth does not load yet");
        }

        @Override
        public List<Integer> pids() throws IOException {
            return fs.readPids(dir.resolve("cgroup.procs"));
        }

        @Override
        public long oomKills() throws IOException {
            try {
                return CgroupSupport.keyed(fs.read(dir.resolve("memory.events")), "oom_kill");
            } catch (NoSuchFileException e) {
                return 0;
            }
        }

        @Override
        public void update(Limits limits) throws IOException {
            Limits l = LimitChecks.orNone(limits);
            LimitChecks.validate(l, true);
            apply(l, true);
        }

        /** As V1Cgroups: on update, 0 fields are reset to unlimited / the default. */
        void apply(Limits l, boolean reset) throws IOException {
            if (l.memoryBytes() != 0 || reset) {
                fs.write(dir.resolve("memory.max"), l.memoryBytes() > 0 ? Long.toString(l.memoryBytes()) : "max");
            }
            Path swap = dir.resolve("memory.swap.max");
            if ((l.memorySwapBytes() != 0 || reset) && fs.exists(swap)) {
                // v2 limits swap alone: memory+swap minus memory
                fs.write(swap, l.memorySwapBytes() > 0 ? Long.toString(l.memorySwapBytes() - l.memoryBytes()) : "max");
            }
            if (l.cpuShares() != 0 || reset) {
                long weight = l.cpuShares() > 0 ? LimitChecks.sharesToWeight(l.cpuShares()) : 100;
                fs.write(dir.resolve("cpu.weight"), Long.toString(weight));
            }
            if (l.cpuQuotaMicros() != 0 || l.cpuPeriodMicros() != 0 || reset) {
                String quota = l.cpuQuotaMicros() > 0 ? Long.toString(l.cpuQuotaMicros()) : "max";
                fs.write(dir.resolve("cpu.max"), quota + " " + LimitChecks.period(l));
            }
            if (l.pidsLimit() > 0 || reset) {
                fs.write(dir.resolve("pids.max"), l.pidsLimit() > 0 ? Long.toString(l.pidsLimit()) : "max");
            }
            String cpus = l.cpusetCpus() == null ? "" : l.cpusetCpus().strip();
            Path cpusFile = dir.resolve("cpuset.cpus");
            if (!cpus.isEmpty()) {
                Path eff = dir.getParent().resolve("cpuset.cpus.effective");
                if (fs.exists(eff)) {
                    String available = fs.read(eff);
                    if (!available.isEmpty() && !CpuList.isSubset(CpuList.parse(cpus), CpuList.parse(available))) {
                        throw new IOException("invalid value \"" + cpus + "\" for " + cpusFile
                                + ": not within the parent's cpus \"" + available + "\"");
                    }
                }
                fs.write(cpusFile, cpus);
            } else if (reset && fs.exists(cpusFile) && !fs.read(cpusFile).isEmpty()) {
                fs.write(cpusFile, "\n"); // empty: inherit the parent's cpus again
            }
        }

        @Override
        public void freeze(boolean frozen) throws IOException {
            Path control = dir.resolve("cgroup.freeze");
            Path events = dir.resolve("cgroup.events");
            fs.write(control, frozen ? "1" : "0");
            long deadline = System.nanoTime() + CgroupSupport.FREEZE_TIMEOUT_MS * 1_000_000;
            long want = frozen ? 1 : 0;
            while (CgroupSupport.keyed(fs.read(events), "frozen") != want) {
                if (System.nanoTime() > deadline) {
                    if (frozen) {
                        fs.write(control, "0");
                    }
                    throw new IOException(events + " did not report frozen " + want + " within "
                            + CgroupSupport.FREEZE_TIMEOUT_MS + " ms");
                }
                CgroupSupport.sleep(1);
            }
        }

        @Override
        public void destroy() throws IOException {
            if (!fs.exists(dir)) {
                return;
            }
            killViaCgroupKill(dir);
            CgroupSupport.removeTrees(fs, List.of(dir), () -> {
                Path freeze = dir.resolve("cgroup.freeze");
                if (fs.exists(freeze) && !fs.read(freeze).equals("0")) {
                    fs.write(freeze, "0");
                }
            });
            synchronized (V2Cgroups.this) {
                Path parent = dir.getParent();
                if (parent != null && !parent.equals(unified.mountPoint())) {
                    CgroupSupport.removeIfEmpty(fs, parent);
                }
            }
        }

        @Override
        public List<String> paths() {
            List<String> out = new ArrayList<>();
            out.add("0::" + unified.cgroupPath(rel));
            return out;
        }

        @Override
        public String toString() {
            return "cgroup v2 " + rel;
        }
    }
}
