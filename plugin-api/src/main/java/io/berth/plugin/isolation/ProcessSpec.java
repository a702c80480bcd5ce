package io.berth.plugin.isolation;

import io.berth.plugin.network.NetworkAttachment;
import io.berth.plugin.storage.RootfsMount;
import java.util.List;

/**
 * Everything needed to run a container's first process.
 *
 * @param containerId     full 64-hex id
 * @param rootfs          how to mount the root filesystem (from the storage driver)
 * @param mounts          bind mounts on top of the root filesystem, in order (hosts, hostname, resolv.conf, volumes)
 * @param args            the command and its arguments (args.get(0) is resolved against PATH in the container)
 * @param env             "NAME=value" entries; PATH is taken from here for the lookup
 * @param workingDir      absolute path in the container, created if missing; "/" when empty
 * @param user            "uid[:gid]" or a name from the container's /etc/passwd; empty for root
 * @param hostname        the UTS hostname
 * @param tty             allocate a pseudo-terminal (inside the container's devpts) for stdio
 * @param openStdin       keep stdin open for attach clients; otherwise stdin is /dev/null
 * @param stdinOnce       close the container's stdin when the first attached client closes it
 * @param consoleRows     initial terminal size (0 for the default)
 * @param consoleCols     initial terminal size (0 for the default)
 * @param network         which network namespace to use
 * @param resources       cgroup limits
 * @param security        capabilities, privileged, masked paths, ...
 * @param readonlyRootfs  mount the root filesystem read-only
 * @param logPath         the json-file log the monitor writes
 * @param logMaxSize      rotate the log when it reaches this many bytes (0: never)
 * @param logMaxFiles     keep this many rotated files (at least 1)
 */
public record ProcessSpec(
        String containerId,
        RootfsMount rootfs,
        List<BindMount> mounts,
        List<String> args,
        List<String> env,
        String workingDir,
        String user,
        String hostname,
        boolean tty,
        boolean openStdin,
        boolean stdinOnce,
        int consoleRows,
        int consoleCols,
        NetworkAttachment network,
        Resources resources,
        Security security,
        boolean readonlyRootfs,
        String logPath,
        long logMaxSize,
        int logMaxFiles) {

    /** A bind mount of a host path into the container; {@code destination} is resolved inside the root. */
    public record BindMount(String source, String destination, boolean readOnly) {}

    /**
     * cgroup limits; 0 means "no limit" for every field.
     *
     * @param memoryBytes     memory limit
     * @param memorySwapBytes memory+swap limit (-1 unlimited swap)
     * @param cpuQuotaMicros  CFS quota per period (from --cpus or --cpu-quota)
     * @param cpuPeriodMicros CFS period (default 100000 when a quota is set)
     * @param cpuShares       relative weight
     * @param pidsLimit       maximum number of tasks (-1 or 0: unlimited)
     * @param cpusetCpus      e.g. "0-1"
     */
    public record Resources(long memoryBytes, long memorySwapBytes, long cpuQuotaMicros, long cpuPeriodMicros,
                            long cpuShares, long pidsLimit, String cpusetCpus) {
        public static Resources none() {
            return new Resources(0, 0, 0, 0, 0, 0, "");
        }
    }

    /**
     * @param capabilities    the capabilities the process keeps ("CAP_CHOWN", ...), after --cap-add/--cap-drop
     * @param privileged      all capabilities, no masked or read-only paths, all host devices
     * @param noNewPrivileges set PR_SET_NO_NEW_PRIVS
     * @param maskedPaths     paths hidden (bind /dev/null over files, empty read-only tmpfs over directories)
     * @param readonlyPaths   paths remounted read-only
     */
    public record Security(List<String> capabilities, boolean privileged, boolean noNewPrivileges,
                           List<String> maskedPaths, List<String> readonlyPaths) {}
}
