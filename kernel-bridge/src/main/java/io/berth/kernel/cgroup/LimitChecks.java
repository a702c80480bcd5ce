package io.berth.kernel.cgroup;

import io.berth.kernel.cgroup.Cgroups.Limits;

import java.io.IOException;

/** Validation shared by v1 and v2, done before anything is created or written. */
final class LimitChecks {

    static final long DEFAULT_CPU_PERIOD = 100_000;
    static final long MIN_CPU_QUOTA = 1_000;
    static final long MIN_CPU_PERIOD = 1_000;
    static final long MAX_CPU_PERIOD = 1_000_000;
    static final long MIN_SHARES = 2;
    static final long MAX_SHARES = 262_144;

    private LimitChecks() {
    }

    /**
     * Rejects values no kernel accepts. {@code file} names are the v1 ones; the v2 writer names its own
     * files when the kernel refuses.
     *
     * @param v2 true on cgroup v2 (used only for the file names in messages)
     */
    static void validate(Limits l, boolean v2) throws IOException {
        if (l.memoryBytes() < -1) {
            throw invalid(v2 ? "memory.max" : "memory.limit_in_bytes", l.memoryBytes(), "must be positive, 0 or -1");
        }
        String swapFile = v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes";
        if (l.memorySwapBytes() < -1) {
            throw invalid(swapFile, l.memorySwapBytes(), "must be positive, 0 or -1");
        }
        if (l.memorySwapBytes() > 0) {
            if (l.memoryBytes() <= 0) {
                throw invalid(swapFile, l.memorySwapBytes(), "a memory+swap limit needs a memory limit");
            }
            if (l.memorySwapBytes() < l.memoryBytes()) {
                throw invalid(swapFile, l.memorySwapBytes(),
                        "memory+swap must not be below the memory limit " + l.memoryBytes());
            }
        }
        String quotaFile = v2 ? "cpu.max" : "cpu.cfs_quota_us";
        if (l.cpuQuotaMicros() < -1 || (l.cpuQuotaMicros() > 0 && l.cpuQuotaMicros() < MIN_CPU_QUOTA)) {
            throw invalid(quotaFile, l.cpuQuotaMicros(), "must be at least " + MIN_CPU_QUOTA + " µs, 0 or -1");
        }
        if (l.cpuPeriodMicros() != 0
                && (l.cpuPeriodMicros() < MIN_CPU_PERIOD || l.cpuPeriodMicros() > MAX_CPU_PERIOD)) {
            throw invalid(v2 ? "cpu.max" : "cpu.cfs_period_us", l.cpuPeriodMicros(),
                    "must be between " + MIN_CPU_PERIOD + " and " + MAX_CPU_PERIOD + " µs");
        }
        if (l.cpuShares() != 0 && (l.cpuShares() < MIN_SHARES || l.cpuShares() > MAX_SHARES)) {
            throw invalid(v2 ? "cpu.weight" : "cpu.shares", l.cpuShares(),
                    "cpu shares must be between " + MIN_SHARES + " and " + MAX_SHARES);
        }
        if (l.pidsLimit() < -1) {
            throw invalid("pids.max", l.pidsLimit(), "must be positive, 0 or -1");
        }
        String cpus = l.cpusetCpus() == null ? "" : l.cpusetCpus();
        try {
            CpuList.parse(cpus);
        } catch (IllegalArgumentException e) {
            throw new IOException("invalid value \"" + cpus + "\" for cpuset.cpus: " + e.getMessage());
        }
    }

    static IOException invalid(String file, long value, String why) {
        return new IOException("invalid value " + value + " for " + file + ": " + why);
    }

    static Limits orNone(Limits l) {
        return l == null ? Limits.none() : l;
    }

    /** The period to write: the requested one, or 100000 µs. */
    static long period(Limits l) {
        return l.cpuPeriodMicros() > 0 ? l.cpuPeriodMicros() : DEFAULT_CPU_PERIOD;
    }

    /** runc's conversion of cpu.shares [2, 262144] to cpu.weight [1, 10000]. */
    static long sharesToWeight(long shares) {
        if (shares == 0) {
            return 0;
        }
        return 1 + ((shares - 2) * 9999) / 262142;
    }

    /** Checks a cgroup parent ("berth-x" or "a/b") or container name and returns it normalised. */
    static String checkRelative(String what, String value, boolean allowSlash) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        String v = value;
        while (v.startsWith("/")) {
            v = v.substring(1);
        }
        while (v.endsWith("/")) {
            v = v.substring(0, v.length() - 1);
        }
        if (v.isEmpty()) {
            throw new IllegalArgumentException(what + " \"" + value + "\" must name a cgroup below the root");
        }
        for (String seg : v.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..") || (!allowSlash && v.contains("/"))
                    || seg.indexOf('\n') >= 0 || seg.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("invalid " + what + " \"" + value + "\"");
            }
        }
        return v;
    }
}
