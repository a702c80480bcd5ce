package io.berth.kernel.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Imitates cgroupfs on a plain temp dir: mkdir creates the control files a kernel would, rmdir refuses
 * while cgroup.procs lists a live process, and a few writes are checked the way the kernel checks them.
 * Every write is recorded.
 */
final class FakeKernel extends CgroupFs {

    static final String UNLIMITED_BYTES = "9223372036854771712";

    /** mount point → controllers ("cgroup2" for the unified mount). */
    final Map<Path, List<String>> mounts = new LinkedHashMap<>();
    final List<String> writes = new ArrayList<>();
    final Path root;
    boolean swapAccounting = true;
    String cpus = "0-3";

    FakeKernel(Path root) {
        this.root = root;
    }

    /** Mounts a v1 hierarchy (creates the root cgroup's files). */
    void mountV1(String mountPoint, String... controllers) throws IOException {
        Path p = root.resolve(mountPoint.substring(1));
        Files.createDirectories(p);
        mounts.put(p, List.of(controllers));
        populate(p, true);
    }

    /** Mounts a cgroup2 whose root has {@code controllers}. */
    void mountV2(String mountPoint, String... controllers) throws IOException {
        Path p = root.resolve(mountPoint.substring(1));
        Files.createDirectories(p);
        mounts.put(p, List.of("cgroup2"));
        Files.writeString(p.resolve("cgroup.controllers"), String.join(" ", controllers));
        Files.writeString(p.resolve("cgroup.subtree_control"), "");
        Files.writeString(p.resolve("cgroup.procs"), "1\n");
        if (Arrays.asList(controllers).contains("cpuset")) {
            Files.writeString(p.resolve("cpuset.cpus.effective"), cpus);
        }
    }

    Path mountOf(Path dir) {
        Path best = null;
        for (Path m : mounts.keySet()) {
            if (dir.startsWith(m) && (best == null || m.getNameCount() > best.getNameCount())) {
                best = m;
            }
        }
        return best;
    }

    private void populate(Path dir, boolean isRoot) throws IOException {
        Path m = mountOf(dir);
        List<String> ctrls = mounts.get(m);
        if (ctrls.equals(List.of("cgroup2"))) {
            populateV2(dir);
            return;
        }
        put(dir, "cgroup.procs", isRoot ? "1\n" : "");
        put(dir, "tasks", "");
        put(dir, "notify_on_release", "0");
        for (String c : ctrls) {
            switch (c) {
                case "memory" -> {
                    put(dir, "memory.limit_in_bytes", UNLIMITED_BYTES);
                    if (swapAccounting) {
                        put(dir, "memory.memsw.limit_in_bytes", UNLIMITED_BYTES);
                    }
                    put(dir, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
                }
                case "cpu" -> {
                    put(dir, "cpu.shares", "1024");
                    put(dir, "cpu.cfs_quota_us", "-1");
                    put(dir, "cpu.cfs_period_us", "100000");
                }
                case "cpuacct" -> put(dir, "cpuacct.usage", "0");
                case "cpuset" -> {
                    put(dir, "cpuset.cpus", isRoot ? cpus : "");
                    put(dir, "cpuset.mems", isRoot ? "0" : "");
                }
                case "pids" -> put(dir, "pids.max", "max");
                case "freezer" -> {
                    if (!isRoot) {
                        put(dir, "freezer.state", "THAWED");
                    }
                }
                default -> {
                }
            }
        }
    }

    private void populateV2(Path dir) throws IOException {
        String parentEnabled = Files.readString(dir.getParent().resolve("cgroup.subtree_control")).strip();
        Set<String> enabled = parentEnabled.isEmpty() ? Set.of() : Set.of(parentEnabled.split(" "));
        put(dir, "cgroup.procs", "");
        put(dir, "cgroup.controllers", parentEnabled);
        put(dir, "cgroup.subtree_control", "");
        put(dir, "cgroup.freeze", "0");
        put(dir, "cgroup.events", "populated 0\nfrozen 0\n");
        put(dir, "cgroup.kill", "");
        if (enabled.contains("memory")) {
            put(dir, "memory.max", "max");
            if (swapAccounting) {
                put(dir, "memory.swap.max", "max");
            }
            put(dir, "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
        }
        if (enabled.contains("cpu")) {
            put(dir, "cpu.weight", "100");
            put(dir, "cpu.max", "max 100000");
        }
        if (enabled.contains("pids")) {
            put(dir, "pids.max", "max");
        }
        if (enabled.contains("cpuset")) {
            put(dir, "cpuset.cpus", "");
            put(dir, "cpuset.mems", "");
            put(dir, "cpuset.cpus.effective", Files.readString(dir.getParent().resolve("cpuset.cpus.effective")));
        }
    }

    private static void put(Path dir, String file, String content) throws IOException {
        Files.writeString(dir.resolve(file), content);
    }

    @Override
    public boolean mkdir(Path dir) throws IOException {
        boolean made = super.mkdir(dir);
        if (made) {
            populate(dir, false);
        }
        return made;
    }

    @Override
    public void rmdir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            super.rmdir(dir); // NoSuchFileException
        }
        if (!childDirs(dir).isEmpty()) {
            throw new DirectoryNotEmptyException(dir.toString());
        }
        Path procs = dir.resolve("cgroup.procs");
        for (int pid : readPids(procs)) {
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                throw new FileSystemException(dir.toString(), null, "Device or resource busy");
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    @Override
    public void write(Path file, String value) throws IOException {
        writes.add(root.relativize(file) + "=" + value);
        String name = file.getFileName().toString();
        Path dir = file.getParent();
        switch (name) {
            case "memory.limit_in_bytes" -> {
                Path memsw = dir.resolve("memory.memsw.limit_in_bytes");
                if (Files.exists(memsw) && bytes(value) > bytes(read(memsw))) {
                    throw kernelRefuses(file, value, "Invalid argument");
                }
            }
            case "memory.memsw.limit_in_bytes" -> {
                if (bytes(value) < bytes(read(dir.resolve("memory.limit_in_bytes")))) {
                    throw kernelRefuses(file, value, "Invalid argument");
                }
            }
            case "cgroup.subtree_control" -> {
                Set<String> avail = Set.of(read(dir.resolve("cgroup.controllers")).split(" "));
                Set<String> enabled = new LinkedHashSet<>();
                String cur = read(file);
                if (!cur.isEmpty()) {
                    enabled.addAll(Arrays.asList(cur.split(" ")));
                }
                for (String tok : value.strip().split(" ")) {
                    String c = tok.substring(1);
                    if (!avail.contains(c)) {
                        throw kernelRefuses(file, value, "No such file or directory");
                    }
                    if (tok.charAt(0) == '+') {
                        enabled.add(c);
                    } else {
                        enabled.remove(c);
                    }
                }
                value = String.join(" ", enabled);
            }
            case "cgroup.freeze" -> super.write(dir.resolve("cgroup.events"),
                    "populated 0\nfrozen " + value.strip() + "\n");
            case "cpuset.cpus", "cpuset.mems" -> {
                String parentValue = read(dir.getParent().resolve(name));
                if (!value.isBlank() && !parentValue.isEmpty() && !CpuList.isSubset(CpuList.parse(value), CpuList.parse(parentValue))) {
                    throw kernelRefuses(file, value, "Invalid argument");
                }
            }
            default -> {
            }
        }
        super.write(file, value);
    }

    private static long bytes(String v) {
        long l = Long.parseLong(v.strip());
        return l < 0 ? Long.parseLong(UNLIMITED_BYTES) : l;
    }

    private static IOException kernelRefuses(Path file, String value, String reason) {
        return new IOException("cannot write \"" + value + "\" to " + file + ": " + reason);
    }

    String cat(String rel) throws IOException {
        return Files.readString(root.resolve(rel)).strip();
    }

    boolean exists(String rel) {
        return Files.exists(root.resolve(rel));
    }

    /** The mountinfo lines for the mounts made so far. */
    String mountinfo() {
        StringBuilder b = new StringBuilder();
        b.append("26 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n");
        b.append("30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n");
        int id = 31;
        for (Map.Entry<Path, List<String>> e : mounts.entrySet()) {
            String mp = "/" + root.relativize(e.getKey());
            if (e.getValue().equals(List.of("cgroup2"))) {
                b.append(id++).append(" 30 0:").append(id).append(" / ").append(mp)
                        .append(" rw,nosuid,nodev,noexec,relatime shared:").append(id).append(" - cgroup2 cgroup2 rw,nsdelegate\n");
            } else {
                b.append(id++).append(" 30 0:").append(id).append(" / ").append(mp)
                        .append(" rw,nosuid,nodev,noexec,relatime shared:").append(id).append(" - cgroup cgroup rw,")
                        .append(String.join(",", e.getValue())).append('\n');
            }
        }
        return b.toString();
    }
}
