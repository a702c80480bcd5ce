package io.berth.kernel.cgroup;

import java.nio.file.Path;
import java.util.List;

/**
 * One mounted cgroup hierarchy.
 *
 * @param id          the hierarchy id from /proc/self/cgroup (0 for v2, or when unknown)
 * @param controllers the controllers bound to it, in the kernel's order (e.g. [cpu, cpuacct])
 * @param label       the middle field of /proc/self/cgroup ("cpu,cpuacct"; "" for v2)
 * @param mountPoint  where it is mounted (below the discovery root)
 * @param mountRoot   the cgroup path the mount point shows ("/" unless a sub-tree is bind-mounted)
 */
record Hierarchy(int id, List<String> controllers, String label, Path mountPoint, String mountRoot) {

    /** The directory of cgroup {@code rel} ("parent/name") in this hierarchy. */
    Path dir(String rel) {
        return mountPoint.resolve(rel);
    }

    /** The cgroup path of {@code rel} as /proc/PID/cgroup shows it. */
    String cgroupPath(String rel) {
        String base = mountRoot.endsWith("/") ? mountRoot : mountRoot + "/";
        return base + rel;
    }

    boolean has(String controller) {
        return controllers.contains(controller);
    }
}
