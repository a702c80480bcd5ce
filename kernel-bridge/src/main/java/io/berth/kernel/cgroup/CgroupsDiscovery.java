package io.berth.kernel.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds the host's cgroup hierarchies in /proc/self/mountinfo and picks the v1 or v2 implementation.
 *
 * <ul>
 *   <li>"v1": only v1 hierarchies hold controllers;</li>
 *   <li>"hybrid": v1 hierarchies hold controllers and a cgroup2 mount exists too; berth uses the v1
 *       hierarchies only (the cgroup2 mount is left alone);</li>
 *   <li>"v2": no v1 hierarchy holds a controller and a cgroup2 mount exists.</li>
 * </ul>
 * Nothing about the layout is assumed: cpu and cpuacct may be mounted apart or together, at any path.
 */
public final class CgroupsDiscovery {

    /** Every controller a v1 superblock option can name. */
    static final Set<String> V1_CONTROLLERS = Set.of("cpuset", "cpu", "cpuacct", "blkio", "memory", "devices",
            "freezer", "net_cls", "perf_event", "net_prio", "hugetlb", "pids", "rdma", "misc");

    /** The controllers berth uses (the contract's set). */
    static final Set<String> SUPPORTED = Set.of("memory", "cpu", "cpuacct", "pids", "cpuset", "freezer", "blkio",
            "devices");

    private CgroupsDiscovery() {
    }

    /** Discovers the cgroups of the running host from /proc/self/mountinfo and /proc/self/cgroup. */
    public static Cgroups detect() throws IOException {
        String mountinfo = Files.readString(Path.of("/proc/self/mountinfo"));
        String selfCgroup = Files.exists(Path.of("/proc/self/cgroup"))
                ? Files.readString(Path.of("/proc/self/cgroup")) : "";
        return fromMountinfo(mountinfo, Path.of("/"), selfCgroup, new CgroupFs());
    }

    /**
     * Builds the cgroups of a (possibly fake) host: the mount points in {@code mountinfo} are resolved
     * below {@code root}, so that a temp dir can stand for "/".
     */
    public static Cgroups fromMountinfo(String mountinfo, Path root) throws IOException {
        return fromMountinfo(mountinfo, root, "", new CgroupFs());
    }

    /**
     * As {@link #fromMountinfo(String, Path)}, with the text of /proc/self/cgroup (for hierarchy ids in
     * {@link Cgroups.CgroupSet#paths()}; "" when unknown) and the file operations to use.
     */
    public static Cgroups fromMountinfo(String mountinfo, Path root, String procSelfCgroup, CgroupFs fs)
            throws IOException {
        List<MountInfo> mounts;
        try {
            mounts = MountInfo.parseAll(mountinfo);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        Map<String, int[]> ids = new HashMap<>();
        Map<String, String> labels = new HashMap<>();
        for (String line : procSelfCgroup.split("\n")) {
            String[] f = line.split(":", 3);
            if (f.length == 3 && !f[1].isEmpty()) {
                String key = key(List.of(f[1].split(",")));
                try {
                    ids.put(key, new int[] {Integer.parseInt(f[0])});
                    labels.put(key, f[1]);
                } catch (NumberFormatException ignored) {
                    // not a hierarchy line
                }
            }
        }

        // v1: one hierarchy per distinct controller set; prefer a mount of the hierarchy's root.
        Map<String, Hierarchy> v1 = new LinkedHashMap<>();
        MountInfo unified = null;
        for (MountInfo m : mounts) {
            if (m.fsType().equals("cgroup")) {
                List<String> ctrls = new ArrayList<>();
                for (String opt : m.superOptionList()) {
                    if (V1_CONTROLLERS.contains(opt)) {
                        ctrls.add(opt);
                    }
                }
                if (ctrls.stream().noneMatch(SUPPORTED::contains)) {
                    continue; // name=systemd, net_cls, perf_event, ...
                }
                String key = key(ctrls);
                Hierarchy existing = v1.get(key);
                if (existing != null && (existing.mountRoot().equals("/") || !m.root().equals("/"))) {
                    continue;
                }
                int[] id = ids.get(key);
                v1.put(key, new Hierarchy(id == null ? 0 : id[0], List.copyOf(ctrls),
                        labels.getOrDefault(key, String.join(",", ctrls)), resolve(root, m.mountPoint()), m.root()));
            } else if (m.fsType().equals("cgroup2")) {
                if (unified == null || (!unified.root().equals("/") && m.root().equals("/"))) {
                    unified = m;
                }
            }
        }
        if (!v1.isEmpty()) {
            return new V1Cgroups(List.copyOf(v1.values()), unified != null, fs);
        }
        if (unified != null) {
            Hierarchy h = new Hierarchy(0, List.of(), "", resolve(root, unified.mountPoint()), unified.root());
            return new V2Cgroups(h, fs);
        }
        throw new IOException("no cgroup hierarchy with a usable controller found in mountinfo");
    }

    private static String key(List<String> controllers) {
        return String.join(",", new TreeSet<>(controllers));
    }

    private static Path resolve(Path root, String mountPoint) {
        String rel = mountPoint;
        while (rel.startsWith("/")) {
            rel = rel.substring(1);
        }
        return rel.isEmpty() ? root : root.resolve(rel);
    }
}
