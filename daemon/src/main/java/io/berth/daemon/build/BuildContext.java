package io.berth.daemon.build;

import io.berth.storage.common.FsTrees;
import io.berth.storage.common.Libc;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * The build context the client sent with {@code POST /build}, unpacked into a directory of its own
 * (0700, removed by {@link #close}).
 *
 * <p>The archive may be a plain tar or gzip, bzip2 or xz compressed, told apart by its magic bytes; it
 * is unpacked by {@link TarExtractor} with the context directory as the scope, so no entry (through
 * {@code ..}, an absolute name, a symlink or a hard link) reaches outside it. Symlinks in the context
 * stay symlinks; device nodes are left out. A truncated or corrupt archive fails with a
 * {@link BuildException}.
 *
 * <p>{@link #readDockerfile} reads the Dockerfile the way Docker's remotecontext does, then removes the
 * Dockerfile and .dockerignore from the context if .dockerignore lists them, so COPY cannot see them.
 */
public final class BuildContext implements AutoCloseable {

    private static final String DEFAULT_DOCKERFILE = "Dockerfile";
    private static final String DOCKERIGNORE = ".dockerignore";

    private final Path root;

    private BuildContext(Path root) {
        this.root = root;
    }

    /** Unpacks the context archive {@code in} into {@code dir}, which is created and must not exist. */
    public static BuildContext unpack(InputStream in, Path dir) throws IOException, BuildException {
        Files.createDirectory(dir);
        Libc.chmod(dir, 0700);
        try {
            TarExtractor.extract(TarExtractor.decompress(in), dir, dir);
        } catch (IOException e) {
            FsTrees.deleteTree(dir);
            throw new BuildException("failed to read the build context: " + FileCopier.reason(e), e);
        }
        return new BuildContext(dir);
    }

    /** The directory the context is unpacked in. */
    public Path root() {
        return root;
    }

    /**
     * The Dockerfile {@code name} (relative to the context; null or empty is "Dockerfile", which falls
     * back to "dockerfile"), symlinks followed inside the context.
     */
    public String readDockerfile(String name) throws BuildException {
        String requested = name == null || name.isEmpty() ? DEFAULT_DOCKERFILE : name;
        String found = requested;
        Path file = locate(requested);
        if (!Files.exists(file) && requested.equals(DEFAULT_DOCKERFILE)) {
            found = DEFAULT_DOCKERFILE.toLowerCase();
            file = locate(found);
        }
        if (!Files.exists(file)) {
            throw new BuildException("Cannot locate specified Dockerfile: " + requested);
        }
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BuildException("unexpected error reading Dockerfile: " + FileCopier.reason(e), e);
        }
        if (content.isEmpty()) {
            throw new BuildException("the Dockerfile (" + found + ") cannot be empty");
        }
        removeIgnored(found);
        return content;
    }

    private Path locate(String name) throws BuildException {
        List<String> path = ScopedPaths.clean(name);
        try {
            if (path.isEmpty() || !path.get(0).equals("..")) {
                return ScopedPaths.resolve(root, name);
            }
        } catch (IOException e) {
            // Docker reports every failed scoped lookup with the text below.
        }
        throw new BuildException("forbidden path outside the build context: " + name + " ()");
    }

    /** Removes .dockerignore and the Dockerfile from the context when .dockerignore lists them. */
    private void removeIgnored(String dockerfile) throws BuildException {
        try {
            Path ignoreFile = locate(DOCKERIGNORE);
            if (!Files.isRegularFile(ignoreFile, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            DockerIgnore ignore = new DockerIgnore(Files.readString(ignoreFile, StandardCharsets.UTF_8));
            for (String file : List.of(DOCKERIGNORE, dockerfile)) {
                if (ignore.excludes(file)) {
                    FsTrees.deleteTree(locate(file));
                }
            }
        } catch (IOException e) {
            throw new BuildException("error reading .dockerignore: " + FileCopier.reason(e), e);
        }
    }

    /** Deletes the context directory. */
    @Override
    public void close() throws IOException {
        FsTrees.deleteTree(root);
    }
}
