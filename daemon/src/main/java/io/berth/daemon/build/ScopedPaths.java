package io.berth.daemon.build;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Container paths resolved inside a root directory as if the process were chrooted there (Docker's
 * FollowSymlinkInScope): the path is first cleaned lexically ({@code a/../b} is {@code b}), then every
 * existing component that is a symlink is followed, an absolute link target starts again at the root,
 * and a {@code ..} from a link target steps back over the resolved components; no {@code ..} climbs
 * above the root (at the root it stays there).
 * Components that do not exist are accepted as they are, so the result may name a path still to be
 * created. More than {@value #MAX_LINKS} link expansions fail with "too many levels of symbolic links".
 *
 * <p>The result holds no symlink below the root at the time of the call; callers own the tree they
 * resolve in (a build context, a mounted container filesystem) so nothing changes it meanwhile.
 */
public final class ScopedPaths {

    static final int MAX_LINKS = 255;

    private ScopedPaths() {}

    /** {@code path} (absolute, or relative to the root) resolved in {@code root}, its last component followed too. */
    public static Path resolve(Path root, String path) throws IOException {
        return resolve(root, path, true);
    }

    /**
     * {@code path} resolved in {@code root}; with {@code followLast} false a symlink in the last component
     * is kept (the result names the link itself), its parents are resolved all the same.
     */
    public static Path resolve(Path root, String path, boolean followLast) throws IOException {
        List<String> cleaned = clean(path);
        while (!cleaned.isEmpty() && cleaned.get(0).equals("..")) {
            cleaned.remove(0);
        }
        Deque<String> pending = new ArrayDeque<>(cleaned);
        List<String> resolved = new ArrayList<>();
        int links = 0;
        while (!pending.isEmpty()) {
            String name = pending.removeFirst();
            if (name.equals("..")) {
                if (!resolved.isEmpty()) {
                    resolved.remove(resolved.size() - 1);
                }
                continue;
            }
            Path candidate = join(root, resolved).resolve(name);
            boolean last = pending.isEmpty();
            if (last && !followLast || !isSymlink(candidate)) {
                resolved.add(name);
                continue;
            }
            if (++links > MAX_LINKS) {
                throw new FileSystemException(path, null, "too many levels of symbolic links");
            }
            String target = Files.readSymbolicLink(candidate).toString();
            if (target.startsWith("/")) {
                resolved.clear();
            }
            List<String> expansion = components(target);
            for (int i = expansion.size() - 1; i >= 0; i--) {
                pending.addFirst(expansion.get(i));
            }
        }
        return join(root, resolved);
    }

    /** The non-empty components of a slash-separated path, {@code .} dropped, {@code ..} kept. */
    static List<String> components(String path) {
        List<String> out = new ArrayList<>();
        for (String c : path.split("/")) {
            if (!c.isEmpty() && !c.equals(".")) {
                out.add(c);
            }
        }
        return out;
    }

    /**
     * The components of {@code path} with {@code .} and empty ones dropped and {@code ..} applied
     * lexically, like Go's path.Clean: {@code ..} that would climb above the start are kept in front.
     */
    static List<String> clean(String path) {
        List<String> out = new ArrayList<>();
        for (String c : components(path)) {
            if (c.equals("..") && !out.isEmpty() && !out.get(out.size() - 1).equals("..")) {
                out.remove(out.size() - 1);
            } else {
                out.add(c);
            }
        }
        return out;
    }

    private static boolean isSymlink(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isSymbolicLink();
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    private static Path join(Path root, List<String> names) {
        Path p = root;
        for (String n : names) {
            p = p.resolve(n);
        }
        return p;
    }
}
