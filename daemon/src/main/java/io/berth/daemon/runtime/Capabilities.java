package io.berth.daemon.runtime;

import io.berth.daemon.api.ApiException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The capability sets a container gets: Docker's 14 defaults, adjusted by --cap-add / --cap-drop. */
public final class Capabilities {

    /** Docker's default capabilities for a non-privileged container. */
    public static final List<String> DEFAULTS = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
            "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
            "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

    /** Every capability Linux 6.x knows, in number order. */
    public static final List<String> ALL = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
            "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
            "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
            "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
            "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
            "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
            "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
            "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE");

    private Capabilities() {}

    /** "net_admin", "NET_ADMIN", "CAP_NET_ADMIN" → "CAP_NET_ADMIN"; "ALL" stays "ALL". Unknown names are a 400. */
    public static String normalize(String name) {
        String n = name.trim().toUpperCase();
        if (n.equals("ALL")) {
            return n;
        }
        if (!n.startsWith("CAP_")) {
            n = "CAP_" + n;
        }
        if (!ALL.contains(n)) {
            throw ApiException.invalid("invalid CapAdd: unknown capability: \"" + name + "\"");
        }
        return n;
    }

    /** The effective list for a container, in Docker's order of application: drop, then add. */
    public static List<String> effective(boolean privileged, List<String> add, List<String> drop) {
        if (privileged) {
            return ALL;
        }
        Set<String> caps = new LinkedHashSet<>(DEFAULTS);
        List<String> adds = add.stream().map(Capabilities::normalize).toList();
        List<String> drops = drop.stream().map(Capabilities::normalize).toList();
        if (drops.contains("ALL")) {
            caps.clear();
        } else {
            drops.forEach(caps::remove);
        }
        if (adds.contains("ALL")) {
            caps.addAll(ALL);
        } else {
            caps.addAll(adds);
        }
        return new ArrayList<>(caps);
    }
}
