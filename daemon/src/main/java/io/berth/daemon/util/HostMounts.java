package io.berth.daemon.util;

import io.berth.plugin.storage.RootfsMount;
import io.berth.storage.common.Libc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Root filesystems mounted in the daemon's own mount namespace, for the few moments the daemon itself
 * works inside one (a build's COPY). They live under the data root's tmp; a daemon killed while one is
 * mounted leaves it there, and the next start unmounts everything under tmp before it cleans it.
 */
public final class HostMounts {

    private HostMounts() {}

    /** Mounts {@code rootfs} (as a driver describes it) on the existing directory {@code target}. */
    public static void mount(RootfsMount rootfs, Path target) throws IOException {
        if (rootfs.fsType().equals("bind")) {
            Libc.mount(rootfs.source(), target, null, Libc.MS_BIND, null);
        } else {
            Libc.mount(rootfs.source(), target, rootfs.fsType(), 0, rootfs.options());
        }
    }

    /** Detaches the mount on {@code target}. */
    public static void unmount(Path target) throws IOException {
        Libc.umount2(target, Libc.MNT_DETACH);
    }

    /** True when something is mounted on {@code dir}. */
    public static boolean isMountPoint(Path dir) throws IOException {
        return mountPoints().contains(dir.toAbsolutePath().normalize().toString());
    }

    /** Detaches every mount at or under {@code dir}, deepest first. */
    public static void unmountAllUnder(Path dir) throws IOException {
        String prefix = dir.toAbsolutePath().normalize().toString();
        List<String> points = new ArrayList<>();
        for (String point : mountPoints()) {
            if (point.equals(prefix) || point.startsWith(prefix + "/")) {
                points.add(point);
            }
        }
        points.sort((a, b) -> b.length() - a.length());
        for (String point : points) {
            unmount(Path.of(point));
        }
    }

    /** The mount points of this mount namespace, from /proc/self/mountinfo. */
    private static List<String> mountPoints() throws IOException {
        List<String> points = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
            String[] fields = line.split(" ");
            if (fields.length > 4) {
                points.add(unescape(fields[4]));
            }
        }
        return points;
    }

    /** mountinfo writes space, tab, newline and backslash as octal escapes. */
    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
