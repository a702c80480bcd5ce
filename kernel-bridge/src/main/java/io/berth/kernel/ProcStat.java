package io.berth.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads a process's start time (field 22 of /proc/PID/stat, clock ticks since boot), which together with
 * the pid names a process uniquely: a reused pid has another start time.
 */
public final class ProcStat {

    private ProcStat() {
    }

    /** The start time of {@code pid}, or -1 when no such process exists. */
    public static long startTime(int pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            byte[] b = Files.readAllBytes(Path.of("/proc", Integer.toString(pid), "stat"));
            return parseStartTime(new String(b, StandardCharsets.ISO_8859_1));
        } catch (NoSuchFileException e) {
            return -1;
        } catch (IOException | IllegalArgumentException e) {
            return -1;
        }
    }

    /**
     * True when {@code pid} exists, started at {@code startTime} and is not a zombie (a process that has
     * exited but was not reaped yet counts as gone: its parent may be a slow reaper such as init).
     */
    public static boolean isAlive(int pid, long startTime) {
        if (pid <= 0 || startTime < 0) {
            return false;
        }
        try {
            String stat = new String(Files.readAllBytes(Path.of("/proc", Integer.toString(pid), "stat")),
                    StandardCharsets.ISO_8859_1);
            char state = parseState(stat);
            return state != 'Z' && state != 'X' && parseStartTime(stat) == startTime;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    /** Field 3 (the state letter: R, S, D, Z, ...) from the text of /proc/PID/stat. */
    public static char parseState(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 >= stat.length()) {
            throw new IllegalArgumentException("not a /proc/PID/stat line");
        }
        return stat.charAt(close + 2);
    }

    /**
     * Parses field 22 from the text of /proc/PID/stat. The command name (field 2) is in parentheses and
     * may itself contain spaces and ')', so fields are counted from the last ')'.
     */
    public static long parseStartTime(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/PID/stat line");
        }
        String[] f = stat.substring(close + 1).trim().split(" +");
        // f[0] is field 3 (state); field 22 is f[19]
        if (f.length < 20) {
            throw new IllegalArgumentException("short /proc/PID/stat line");
        }
        return Long.parseLong(f[19]);
    }
}
