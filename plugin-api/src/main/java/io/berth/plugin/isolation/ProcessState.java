package io.berth.plugin.isolation;

/** What the kernel and the monitor's files say about a container's process. */
public sealed interface ProcessState {

    /** The process runs under its monitor. */
    record Running(StartedProcess process) implements ProcessState {}

    /**
     * The process ended and its monitor recorded how.
     *
     * @param exitCode        as Docker reports it: the exit status, or 128+signal when killed by a signal
     * @param oomKilled       the kernel's OOM killer killed a process of the container
     * @param finishedAtNanos wall-clock time of the exit, nanoseconds since the epoch
     */
    record Exited(int exitCode, boolean oomKilled, long finishedAtNanos) implements ProcessState {}

    /** Nothing is known: no monitor runs and no exit status was recorded. */
    record Unknown() implements ProcessState {}
}
