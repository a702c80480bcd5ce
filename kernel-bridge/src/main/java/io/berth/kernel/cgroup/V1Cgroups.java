package io.berth.kernel.cgroup;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * cgroup v1 (and hybrid hosts, whose cgroup2 mount holds none of berth's controllers): one directory per
 * container in every hierarchy that holds at least one controller berth uses. Hierarchies are whatever
 * mountinfo says: cpu and cpuacct apart or together, any mount point. The name=systemd hierarchy and
 * hierarchies of other controllers (net_cls, perf_event, ...) are not touched.
 */
public final class V1Cgroups implements Cgroups {

    static final String UNLIMITED = "-1";

    private final List<Hierarchy> hierarchies;
    private final Map<String, Hierarchy> byController = new LinkedHashMap<>();
    private final boolean hybrid;
    private final CgroupFs fs;

    V1Cgroups(List<Hierarchy> hierarchies, boolean hybrid, CgroupFs fs) {
        this.hierarchies = List.copyOf(hierarchies);
        this.hybrid = hybrid;
        this.fs = fs;
        for (Hierarchy h : hierarchies) {
            for (String c : h.controllers()) {
                byController.putIfAbsent(c, h);
            }
        }
    }

    @Override
    public String mode() {
        return hybrid ? "hybrid" : "v1";
    }

    @Override
    public Set<String> controllers() {
        Set<String> out = new TreeSet<>(byController.keySet());
        out.retainAll(CgroupsDiscovery.SUPPORTED);
        return Collections.unmodifiableSet(out);
    }

    /** The hierarchies berth uses, for diagnostics. */
    List<Hierarchy> hierarchies() {
        return hierarchies;
    }

    @Override
    public synchronized CgroupSet create(String parent, String name, Limits limits) throws IOException {
        Limits l = LimitChecks.orNone(limits);
        LimitChecks.validate(l, false);
        String rel = rel(parent, name);
        checkControllersFor(l);
        List<Path> created = new ArrayList<>();
        Set1 set = new Set1(rel);
        try {
            for (Hierarchy h : hierarchies) {
                Path dir = h.dir(rel);
                // create the parent chain, then the container cgroup
                Path p = h.mountPoint();
                for (Path seg : h.mountPoint().relativize(dir)) {
                    p = p.resolve(seg);
                    if (fs.mkdir(p) && p.equals(dir)) {
                        created.add(dir);
                    }
                }
                if (h.has("cpuset")) {
                    populateCpuset(h, dir);
                }
            }
            set.apply(l, false);
            return set;
        } catch (IOException | RuntimeException e) {
            for (Path d : created) {
                try {
                    fs.rmdir(d);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    @Override
    public CgroupSet find(String parent, String name) throws IOException {
        String rel = rel(parent, name);
        for (Hierarchy h : hierarchies) {
            if (fs.exists(h.dir(rel))) {
                return new Set1(rel);
            }
        }
        return null;
    }

    @Override
    public Set<String> list(String parent) throws IOException {
        String p = LimitChecks.checkRelative("cgroup parent", parent, true);
        Set<String> out = new TreeSet<>();
        for (Hierarchy h : hierarchies) {
            out.addAll(fs.childDirs(h.dir(p)));
        }
        return out;
    }

    /**
     * Removes the (empty) parent cgroup in every hierarchy, e.g. when a daemon's last container is gone or
     * a test ends. Containers still inside are destroyed first.
     */
    public void removeParent(String parent) throws IOException {
        String p = LimitChecks.checkRelative("cgroup parent", parent, true);
        List<Path> dirs = new ArrayList<>();
        for (Hierarchy h : hierarchies) {
            dirs.add(h.dir(p));
        }
        CgroupSupport.removeTrees(fs, dirs, () -> thawAll(dirs));
    }

    private void thawAll(List<Path> dirs) throws IOException {
        Hierarchy fz = byController.get("freezer");
        if (fz == null) {
            return;
        }
        for (Path d : dirs) {
            if (d.startsWith(fz.mountPoint())) {
                for (Path p : CgroupSupport.depthFirst(fs, d)) {
                    Path state = p.resolve("freezer.state");
                    if (fs.exists(state) && !fs.read(state).equals("THAWED")) {
                        fs.write(state, "THAWED");
                    }
                }
            }
        }
    }

    private static String rel(String parent, String name) {
        return LimitChecks.checkRelative("cgroup parent", parent, true) + "/"
                + LimitChecks.checkRelative("container cgroup name", name, false);
    }

    /** A limit that needs a controller this host has not mounted is an error, not silently dropped. */
    private void checkControllersFor(Limits l) throws IOException {
        if ((l.memoryBytes() > 0 || l.memorySwapBytes() > 0) && !byController.containsKey("memory")) {
            throw new IOException("cannot write memory.limit_in_bytes = " + l.memoryBytes()
                    + ": no memory hierarchy is mounted");
        }
        if ((l.cpuQuotaMicros() > 0 || l.cpuShares() > 0 || l.cpuPeriodMicros() > 0)
                && !byController.containsKey("cpu")) {
            throw new IOException("cannot write cpu.cfs_quota_us = " + l.cpuQuotaMicros() + " / cpu.shares = "
                    + l.cpuShares() + ": no cpu hierarchy is mounted");
        }
        if (l.pidsLimit() > 0 && !byController.containsKey("pids")) {
            throw new IOException("cannot write pids.max = " + l.pidsLimit() + ": no pids hierarchy is mounted");
        }
        if (l.cpusetCpus() != null && !l.cpusetCpus().isBlank() && !byController.containsKey("cpuset")) {
            throw new IOException("cannot write cpuset.cpus = " + l.cpusetCpus() + ": no cpuset hierarchy is mounted");
        }
    }

    /**
     * A v1 cpuset cgroup starts with empty cpuset.cpus and cpuset.mems, and no task can join it until
     * both are set. Fill every empty level from the hierarchy root down to {@code dir} from its parent.
     */
    private void populateCpuset(Hierarchy h, Path dir) throws IOException {
        List<Path> chain = new ArrayList<>();
        for (Path p = dir; p != null && p.startsWith(h.mountPoint()) && !p.equals(h.mountPoint()); p = p.getParent()) {
            chain.add(0, p);
        }
        for (Path p : chain) {
            for (String file : List.of("cpuset.cpus", "cpuset.mems")) {
                Path f = p.resolve(file);
                if (fs.read(f).isEmpty()) {
                    String inherited = fs.read(p.getParent().resolve(file));
                    fs.write(f, inherited);
                }
            }
        }
    }

    private static long parseLimit(String s) {
        try {
            long v = Long.parseLong(s.strip());
            return v < 0 ? Long.MAX_VALUE : v;
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    /** One container's directories, one per hierarchy. */
    private final class Set1 implements CgroupSet {
        private final String rel;

        Set1(String rel) {
            this.rel = rel;
        }

        private Path dir(String controller) {
            Hierarchy h = byController.get(controller);
            return h == null ? null : h.dir(rel);
        }

        @Override
        public void restrictDevices(List<String> rules) throws IOException {
            Path devices = dir("devices");
            if (devices == null) {
                throw new IOException("the devices controller is not mounted: cannot restrict device access");
            }
            fs.write(devices.resolve("devices.deny"), "a");
            for (String rule : rules) {
                fs.write(devices.resolve("devices.allow"), rule);
            }
        }

        @Override
        public List<String> procsFiles() {
            List<String> out = new ArrayList<>();
            for (Hierarchy h : hierarchies) {
                out.add(h.dir(rel).resolve("cgroup.procs").toString());
            }
            return out;
        }

        @Override
        public List<Integer> pids() throws IOException {
            Path d = dir("memory");
            if (d == null) {
                d = dir("pids");
            }
            if (d == null) {
                d = hierarchies.get(0).dir(rel);
            }
            return fs.readPids(d.resolve("cgroup.procs"));
        }

        @Override
        public long oomKills() throws IOException {
            Path d = dir("memory");
            if (d == null) {
                return 0;
            }
            try {
                return CgroupSupport.keyed(fs.read(d.resolve("memory.oom_control")), "oom_kill");
            } catch (NoSuchFileException e) {
                return 0;
            }
        }

        @Override
        public void update(Limits limits) throws IOException {
            Limits l = LimitChecks.orNone(limits);
            LimitChecks.validate(l, false);
            checkControllersFor(l);
            apply(l, true);
        }

        /**
         * Writes the limits. On create ({@code reset} false) a 0 field is left at the kernel's default; on
         * update ({@code reset} true) the set is made to match {@code l}, so a 0 field is reset to unlimited
         * (shares to 1024, cpuset.cpus to the parent's).
         */
        void apply(Limits l, boolean reset) throws IOException {
            Path mem = dir("memory");
            if (mem != null) {
                applyMemory(mem, l, reset);
            }
            Path cpu = dir("cpu");
            if (cpu != null) {
                if (l.cpuShares() > 0 || reset) {
                    fs.write(cpu.resolve("cpu.shares"), Long.toString(l.cpuShares() > 0 ? l.cpuShares() : 1024));
                }
                if (l.cpuQuotaMicros() != 0 || l.cpuPeriodMicros() != 0 || reset) {
                    fs.write(cpu.resolve("cpu.cfs_period_us"), Long.toString(LimitChecks.period(l)));
                    long quota = l.cpuQuotaMicros() > 0 ? l.cpuQuotaMicros() : -1;
                    if (l.cpuQuotaMicros() != 0 || reset) {
                        fs.write(cpu.resolve("cpu.cfs_quota_us"), Long.toString(quota));
                    }
                }
            }
            Path pids = dir("pids");
            if (pids != null && (l.pidsLimit() > 0 || reset)) {
                fs.write(pids.resolve("pids.max"), l.pidsLimit() > 0 ? Long.toString(l.pidsLimit()) : "max");
            }
            Path cpuset = dir("cpuset");
            String cpus = l.cpusetCpus() == null ? "" : l.cpusetCpus().strip();
            if (cpuset != null && (!cpus.isEmpty() || reset)) {
                Path parentCpus = cpuset.getParent().resolve("cpuset.cpus");
                String available = fs.read(parentCpus);
                if (cpus.isEmpty()) {
                    cpus = available;
                } else if (!CpuList.isSubset(CpuList.parse(cpus), CpuList.parse(available))) {
                    throw new IOException("invalid value \"" + cpus + "\" for " + cpuset.resolve("cpuset.cpus")
                            + ": not within the parent's cpus \"" + available + "\"");
                }
                fs.write(cpuset.resolve("cpuset.cpus"), cpus);
            }
        }

        private void applyMemory(Path mem, Limits l, boolean reset) throws IOException {
            Path limitFile = mem.resolve("memory.limit_in_bytes");
            Path memswFile = mem.resolve("memory.memsw.limit_in_bytes");
            boolean memsw = fs.exists(memswFile);
            boolean writeMem = l.memoryBytes() != 0 || reset;
            boolean writeSwap = memsw && (l.memorySwapBytes() != 0 || reset);
            String memValue = l.memoryBytes() > 0 ? Long.toString(l.memoryBytes()) : UNLIMITED;
            String swapValue = l.memorySwapBytes() > 0 ? Long.toString(l.memorySwapBytes()) : UNLIMITED;
            if (!writeSwap) {
                if (writeMem) {
                    fs.write(limitFile, memValue);
                }
                return;
            }
            // memory <= memory+swap must hold after each write: raise memsw first when the new memory
            // limit is above the current memsw limit.
            long currentSwap = parseLimit(fs.read(memswFile));
            long newMem = l.memoryBytes() > 0 ? l.memoryBytes() : Long.MAX_VALUE;
            if (writeMem && newMem <= currentSwap) {
                fs.write(limitFile, memValue);
                fs.write(memswFile, swapValue);
            } else {
                fs.write(memswFile, swapValue);
                if (writeMem) {
                    fs.write(limitFile, memValue);
                }
            }
        }

        @Override
        public void freeze(boolean frozen) throws IOException {
            Path d = dir("freezer");
            if (d == null) {
                throw new IOException("cannot " + (frozen ? "freeze" : "thaw") + ": no freezer hierarchy is mounted");
            }
            Path state = d.resolve("freezer.state");
            String want = frozen ? "FROZEN" : "THAWED";
            long deadline = System.nanoTime() + CgroupSupport.FREEZE_TIMEOUT_MS * 1_000_000;
            int round = 0;
            while (true) {
                // FREEZING can stall while a task is in an uninterruptible sleep; writing again retries it.
                if (round++ % 10 == 0) {
                    fs.write(state, want);
                }
                String now = fs.read(state);
                if (now.equals(want)) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    if (frozen) {
                        fs.write(state, "THAWED");
                    }
                    throw new IOException(state + " did not reach " + want + " within "
                            + CgroupSupport.FREEZE_TIMEOUT_MS + " ms (it reads " + now + ")");
                }
                CgroupSupport.sleep(1);
            }
        }

        @Override
        public void destroy() throws IOException {
            List<Path> dirs = new ArrayList<>();
            for (Hierarchy h : hierarchies) {
                dirs.add(h.dir(rel));
            }
            CgroupSupport.removeTrees(fs, dirs, () -> thawAll(dirs));
            synchronized (V1Cgroups.this) {
                for (Hierarchy h : hierarchies) {
                    Path parent = h.dir(rel).getParent();
                    if (parent != null && !parent.equals(h.mountPoint())) {
                        CgroupSupport.removeIfEmpty(fs, parent);
                    }
                }
            }
        }

        @Override
        public List<String> paths() {
            List<String> out = new ArrayList<>();
            for (Hierarchy h : hierarchies) {
                out.add(h.id() + ":" + h.label() + ":" + h.cgroupPath(rel));
            }
            return out;
        }

        @Override
        public String toString() {
            return "cgroup v1 " + rel;
        }
    }
}
