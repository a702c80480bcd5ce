package io.berth.plugin.isolation;

/**
 * A container process that was started.
 *
 * @param pid              the container's first process, as a host pid
 * @param startTime        its start time in clock ticks since boot (field 22 of /proc/PID/stat), which
 *                         together with the pid names the process uniquely
 * @param monitorPid       the monitor's host pid
 * @param monitorStartTime the monitor's start time, same unit
 * @param startedAtNanos   wall-clock time of the start, in nanoseconds since the epoch
 */
public record StartedProcess(int pid, long startTime, int monitorPid, long monitorStartTime, long startedAtNanos) {}
