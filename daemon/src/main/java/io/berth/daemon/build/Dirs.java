package io.berth.daemon.build;

import io.berth.storage.common.FsTrees;
import io.berth.storage.common.Libc;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Directories written by a copy or an extraction: creating the missing ones of a path that
 * {@link ScopedPaths} resolved (so none of it is a symlink), and setting their mtimes once everything in
 * them is written.
 */
final class Dirs {

    private final List<DirectoryTime> times = new ArrayList<>();

    private record DirectoryTime(Path dir, FileTime mtime) {}

    /** Remembers the mtime {@code dir} gets from {@link #setTimes}. */
    void deferTime(Path dir, FileTime mtime) {
        times.add(new DirectoryTime(dir, mtime));
    }

    /** Sets the remembered mtimes of the directories that are still directories. */
    void setTimes() throws IOException {
        for (DirectoryTime t : times) {
            if (Files.isDirectory(t.dir(), LinkOption.NOFOLLOW_LINKS)) {
                FsTrees.setTimes(t.dir(), t.mtime(), t.mtime());
            }
        }
        times.clear();
    }

    /**
     * Creates {@code dir} and its missing parents, each 0755 and owned by {@code owner} (directories that
     * exist keep theirs), and returns {@code dir}. An existing non-directory on the way is an error.
     */
    static Path create(Path dir, FileCopier.Owner owner) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = dir; p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
            missing.push(p);
        }
        Path existing = missing.isEmpty() ? dir : missing.peek().getParent();
        if (existing != null && !Files.isDirectory(existing, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileSystemException(existing.toString(), null, "not a directory");
        }
        while (!missing.isEmpty()) {
            Path p = missing.pop();
            Files.createDirectory(p);
            Libc.chmod(p, 0755);
            FsTrees.setOwner(p, owner.uid(), owner.gid());
        }
        return dir;
    }
}
