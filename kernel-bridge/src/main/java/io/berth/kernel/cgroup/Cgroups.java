package io.berth.kernel.cgroup;

import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * The host's cgroup hierarchies, as discovered from /proc/self/mountinfo, and the per-container
 * cgroups berth creates in them.
 *
 * <p>Layout: every container gets the cgroup {@code <parent>/<containerId>} in each hierarchy berth
 * uses, where {@code parent} is per daemon ("berth-" + daemon id) so that two daemons never touch each
 * other's cgroups. On cgroup v1 the controllers may be mounted separately (this machine has cpu and
 * cpuacct apart) or together; on v2 there is one unified tree and controllers are enabled with
 * cgroup.subtree_control. A hybrid host (v1 controllers plus a cgroup2 mount holding none of them) is
 * treated as v1 for every controller the v1 mounts hold.
 *
 * <p>Implementations are safe for use from several threads for different containers.
 */
public interface Cgroups {

    /** "v1", "v2" or "hybrid", for {@code docker info}'s CgroupVersion ("1" for v1 and hybrid, "2" for v2). */
    String mode();

    /** Controllers berth can limit with here (a subset of memory, cpu, cpuacct, pids, cpuset, freezer, blkio, devices). */
    Set<String> controllers();

    /**
     * Creates (or finds, if it exists) {@code <parent>/<name>} in every hierarchy, writes {@code limits}
     * and returns the container's cgroup set. Creating the parent as needed. Writes the limits before
     * any process joins.
     *
     * @throws IOException with a message naming the file and value when a limit cannot be written
     */
    CgroupSet create(String parent, String name, Limits limits) throws IOException;

    /** The cgroup set of an existing container cgroup, or null when none exists. */
    CgroupSet find(String parent, String name) throws IOException;

    /** Names of the container cgroups under {@code parent} (in any hierarchy). */
    Set<String> list(String parent) throws IOException;

    /**
     * Limits to write; 0 means "leave unlimited" for every field.
     *
     * @param memoryBytes     memory.limit_in_bytes / memory.max
     * @param memorySwapBytes memory.memsw.limit_in_bytes (v1, when the kernel accounts swap) / memory.swap.max
     *                        as (memorySwap - memory); -1 unlimited swap
     * @param cpuQuotaMicros  cpu.cfs_quota_us / the first field of cpu.max
     * @param cpuPeriodMicros cpu.cfs_period_us / the second field of cpu.max (100000 when 0 and a quota is set)
     * @param cpuShares       cpu.shares / cpu.weight (converted as runc does)
     * @param pidsLimit       pids.max (0 or -1: "max")
     * @param cpusetCpus      cpuset.cpus ("" = inherit the parent's; cpuset.mems is always copied from the parent on v1)
     */
    record Limits(long memoryBytes, long memorySwapBytes, long cpuQuotaMicros, long cpuPeriodMicros,
                  long cpuShares, long pidsLimit, String cpusetCpus) {
        public static Limits none() {
            return new Limits(0, 0, 0, 0, 0, 0, "");
        }
    }

    /** One container's cgroups across the hierarchies. */
    interface CgroupSet {

        /**
         * The files a process writes its pid to in order to join every cgroup of the set
         * (cgroup.procs in each v1 hierarchy, or the one cgroup.procs on v2). The native launcher
         * writes the container's pid to each before creating namespaces.
         */
        List<String> procsFiles();

        /** Pids currently in the set (from the memory or pids hierarchy, or v2's cgroup.procs). */
        List<Integer> pids() throws IOException;

        /** How many times the OOM killer killed a process here (memory.oom_control's oom_kill on v1, memory.events' oom_kill on v2). */
        long oomKills() throws IOException;

        /** Writes new limits to a live set (for docker update). */
        void update(Limits limits) throws IOException;

        /**
         * Denies every device except those {@code rules} allow, in the devices cgroup's syntax
         * ("c 1:3 rwm", "c 136:* rwm", "c *:* m"). Must be called before any process joins. On cgroup
         * v2 device access is controlled by an eBPF program, which berth does not load yet: there this
         * throws {@link UnsupportedOperationException}.
         */
        void restrictDevices(List<String> rules) throws IOException;

        /** Freezes (true) or thaws (false) every process in the set. */
        void freeze(boolean frozen) throws IOException;

        /**
         * Removes the cgroups. Any process still inside is killed first (SIGKILL, then wait up to a
         * second for the cgroup to empty). Idempotent.
         */
        void destroy() throws IOException;

        /** The lines the container's /proc/self/cgroup shows, for checks and inspect. */
        List<String> paths();
    }
}
