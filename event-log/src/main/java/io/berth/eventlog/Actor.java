package io.berth.eventlog;

/**
 * Who caused an event.
 *
 * @param origin  "unix" (a client on the daemon's unix socket), "tcp", or "daemon" (the daemon itself:
 *                reactors, the reconciler)
 * @param uid     the caller's uid from SO_PEERCRED (-1 when not known)
 * @param gid     the caller's gid (-1 when not known)
 * @param pid     the caller's pid (-1 when not known)
 * @param command the caller's command name from /proc/PID/comm, read when the connection was accepted
 */
public record Actor(String origin, int uid, int gid, int pid, String command) {

    public static final Actor DAEMON = new Actor("daemon", 0, 0, -1, "berthd");

    public Actor {
        origin = origin == null ? "" : origin;
        command = command == null ? "" : command;
    }
}
