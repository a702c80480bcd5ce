package io.berth.kernel.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Kernel parameters under /proc/sys. The net.* ones belong to the network namespace of the calling
 * thread, so inside {@link NetNs#call} they are that namespace's.
 *
 * <p>Keys are written as sysctl(8) takes them: {@code net.ipv4.ip_forward}, or {@code net/ipv4/ip_forward}.
 * In the dotted form a {@code /} stands for a dot inside a name ({@code net.ipv4.conf.eth0/100.forwarding}
 * is the VLAN interface eth0.100), the way sysctl(8) reads it.
 */
public final class Sysctl {

    private static final Path ROOT = Path.of("/proc/sys");

    private Sysctl() {
    }

    /**
     * Writes {@code value} unless the key holds it already (compared field by field: the kernel prints
     * several values with tabs). A write-only key is always written.
     */
    public static void set(String key, String value) throws IOException {
        Path file = path(key);
        String current;
        try {
            current = read(file);
        } catch (AccessDeniedException e) {
            current = null;
        } catch (IOException e) {
            throw readFailure(key, file, e);
        }
        if (current != null && Arrays.equals(fields(current), fields(value))) {
            return;
        }
        try {
            Files.writeString(file, value, StandardCharsets.US_ASCII, StandardOpenOption.WRITE);
        } catch (AccessDeniedException e) {
            throw new IOException("set sysctl " + key + " to " + value + ": permission denied (" + file + ")", e);
        } catch (IOException e) {
            throw new IOException("set sysctl " + key + " to " + value + ": " + e.getMessage() + " (" + file + ")", e);
        }
    }

    /** The key's value without the trailing newline. */
    public static String get(String key) throws IOException {
        Path file = path(key);
        try {
            return read(file);
        } catch (IOException e) {
            throw readFailure(key, file, e);
        }
    }

    /** The file of {@code key} under /proc/sys. */
    static Path path(String key) {
        int dot = key.indexOf('.');
        int slash = key.indexOf('/');
        boolean dotted = dot >= 0 && (slash < 0 || dot < slash);
        String relative = dotted ? swapDotsAndSlashes(key) : key;
        for (String part : relative.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException("not a sysctl key: \"" + key + "\"");
            }
        }
        return ROOT.resolve(relative);
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.US_ASCII).strip();
    }

    private static IOException readFailure(String key, Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new IOException("sysctl " + key + ": no such key (" + file + ")", e);
        }
        return new IOException("read sysctl " + key + ": " + e.getMessage() + " (" + file + ")", e);
    }

    private static String swapDotsAndSlashes(String key) {
        StringBuilder b = new StringBuilder(key.length());
        for (char c : key.toCharArray()) {
            b.append(c == '.' ? '/' : c == '/' ? '.' : c);
        }
        return b.toString();
    }

    private static String[] fields(String value) {
        return value.strip().split("\\s+");
    }
}
