package io.berth.kernel.cgroup;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The parts of one /proc/PID/mountinfo line that cgroup discovery needs (see proc(5)). */
record MountInfo(int mountId, int parentId, String root, String mountPoint, String fsType, String source,
                 Set<String> superOptions) {

    /** Parses every line; blank lines are skipped, malformed lines fail with the line in the message. */
    static List<MountInfo> parseAll(String text) {
        List<MountInfo> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                out.add(parse(line));
            }
        }
        return out;
    }

    /**
     * {@code 31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime shared:9 - cgroup cgroup rw,cpu}: mount id, parent
     * id, major:minor, root, mount point, mount options, optional fields up to "-", fs type, source,
     * superblock options. Paths use octal escapes (\040 for a space).
     */
    static MountInfo parse(String line) {
        String[] f = line.trim().split(" ");
        int sep = -1;
        for (int i = 6; i < f.length; i++) {
            if (f[i].equals("-")) {
                sep = i;
                break;
            }
        }
        if (sep < 0 || sep + 3 >= f.length) {
            throw new IllegalArgumentException("malformed mountinfo line: " + line);
        }
        try {
            String superOpts = f[sep + 3];
            return new MountInfo(Integer.parseInt(f[0]), Integer.parseInt(f[1]), unescape(f[3]), unescape(f[4]),
                    f[sep + 1], unescape(f[sep + 2]), new LinkedHashSet<>(Arrays.asList(superOpts.split(","))));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed mountinfo line: " + line, e);
        }
    }

    /** The superblock options in their order, as the kernel lists them. */
    List<String> superOptionList() {
        return new ArrayList<>(superOptions);
    }

    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '7') {
                return false;
            }
        }
        return true;
    }
}
