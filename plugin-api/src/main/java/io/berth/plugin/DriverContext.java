package io.berth.plugin;

import java.nio.file.Path;

/**
 * What the daemon hands every driver before first use.
 *
 * @param home      a directory owned by this driver alone, under the daemon's data root
 *                  (e.g. {@code <data-root>/storage/overlay}); persistent across restarts
 * @param runDir    a directory owned by this driver alone, under the daemon's exec root (tmpfs-like,
 *                  may vanish at reboot)
 * @param libexec   the directory holding the distribution's native helpers (berth-monitor, ...)
 * @param daemonId  a short name unique to this daemon's configuration; every host-wide object a
 *                  driver creates (cgroups, links, chains, mounts) carries it, so that two daemons
 *                  side by side never touch each other's objects
 */
public record DriverContext(Path home, Path runDir, Path libexec, String daemonId) {}
