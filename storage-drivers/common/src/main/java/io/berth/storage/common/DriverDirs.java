package io.berth.storage.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The temp-then-rename discipline drivers share. A directory named {@code .tmp-*} is work in progress or
 * a removal under way and is never reported; {@link #sweep} deletes such leftovers at init.
 */
public final class DriverDirs {

    public static final String TEMP_PREFIX = ".tmp-";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    private DriverDirs() {}

    /** Checks a layer or container id ([A-Za-z0-9_.-], not starting with a dot). */
    public static String checkId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("invalid id: " + id);
        }
        return id;
    }

    /** A random base32 name of {@code n} characters. */
    public static String randomName(int n) {
        char[] c = new char[n];
        for (int i = 0; i < n; i++) {
            c[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new String(c);
    }

    /** A fresh temp path in {@code dir} for work on {@code id}. */
    public static Path tempFor(Path dir, String id) {
        return dir.resolve(TEMP_PREFIX + id + "-" + randomName(8));
    }

    /** Renames {@code path} to a temp name (so it stops being reported at once), then deletes it. */
    public static void removeAtomically(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Path tmp = tempFor(path.getParent(), path.getFileName().toString());
        Files.move(path, tmp, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        FsTrees.deleteTree(tmp);
    }

    /** Deletes every {@code .tmp-*} entry of {@code dir}. */
    public static void sweep(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        for (Path p : FsTrees.children(dir)) {
            if (p.getFileName().toString().startsWith(TEMP_PREFIX)) {
                FsTrees.deleteTree(p);
            }
        }
    }

    /** The complete entries of {@code dir}: directories whose names are not temp names. */
    public static Set<String> complete(Path dir) throws IOException {
        Set<String> out = new TreeSet<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        for (Path p : FsTrees.children(dir)) {
            String n = p.getFileName().toString();
            if (!n.startsWith(".") && Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                out.add(n);
            }
        }
        return out;
    }

    /** Writes a small text file atomically (temp, then rename). */
    public static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(TEMP_PREFIX + file.getFileName() + "-" + randomName(6));
        Files.writeString(tmp, content);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
