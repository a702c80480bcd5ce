package io.berth.kernel.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * File operations on a cgroup filesystem. The real kernel creates the control files on mkdir and lets
 * rmdir remove a directory that still lists them; unit tests override {@link #mkdir}, {@link #rmdir} and
 * {@link #write} to imitate that on a plain directory tree.
 */
public class CgroupFs {

    /** Reads a control file, without the trailing newline. */
    public String read(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
    }

    /**
     * Writes one value to a control file in a single write(2). Fails with an IOException naming the file
     * and the value; the file must exist (control files cannot be created).
     */
    public void write(Path file, String value) throws IOException {
        try {
            Files.write(file, value.getBytes(StandardCharsets.UTF_8), StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot write \"" + value + "\" to " + file
                    + ": no such file (controller not available in this cgroup?)", e);
        } catch (FileSystemException e) {
            throw new IOException("cannot write \"" + value + "\" to " + file + ": "
                    + (e.getReason() != null ? e.getReason() : e.toString()), e);
        } catch (IOException e) {
            throw new IOException("cannot write \"" + value + "\" to " + file + ": " + e.getMessage(), e);
        }
    }

    public boolean exists(Path p) {
        return Files.exists(p);
    }

    /** Creates one directory; returns false when it already existed. */
    public boolean mkdir(Path dir) throws IOException {
        try {
            Files.createDirectory(dir);
            return true;
        } catch (FileAlreadyExistsException e) {
            if (Files.isDirectory(dir)) {
                return false;
            }
            throw e;
        }
    }

    /** Removes one cgroup directory (rmdir); EBUSY while processes remain surfaces as an IOException. */
    public void rmdir(Path dir) throws IOException {
        Files.delete(dir);
    }

    /** Names of the subdirectories (child cgroups) of {@code dir}; empty when dir does not exist. */
    public List<String> childDirs(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    out.add(p.getFileName().toString());
                }
            }
        } catch (NoSuchFileException e) {
            return out;
        }
        return out;
    }

    /**
     * Pids listed in a cgroup.procs file; empty when the cgroup is gone, or going: a v1 cgroup that is
     * being removed answers reads with ENODEV while its directory is still listed.
     */
    public List<Integer> readPids(Path procsFile) throws IOException {
        List<Integer> out = new ArrayList<>();
        String text;
        try {
            text = read(procsFile);
        } catch (NoSuchFileException e) {
            return out;
        } catch (IOException e) {
            if ("No such device".equals(e.getMessage())) { // ENODEV; Java gives no errno
                return out;
            }
            throw e;
        }
        for (String line : text.split("\n")) {
            String t = line.strip();
            if (!t.isEmpty()) {
                out.add(Integer.parseInt(t));
            }
        }
        return out;
    }
}
