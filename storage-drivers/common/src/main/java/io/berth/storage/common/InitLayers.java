package io.berth.storage.common;

import io.berth.plugin.storage.InitEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/** Writes a container's init entries into a fresh directory (the init layer). */
public final class InitLayers {

    private InitLayers() {}

    /**
     * Writes {@code entries} under {@code root}: paths are absolute inside the container, parents are
     * created 0755 root:root, files and directories are owned by root with the entry's mode. A later
     * entry for the same path wins. {@code root} is fresh, so it holds no symlinks to follow.
     */
    public static void write(Path root, List<InitEntry> entries) throws IOException {
        for (InitEntry e : entries) {
            List<String> comps;
            try {
                comps = LayerTarReader.components(e.path(), e.path().replaceFirst("^/+", ""));
            } catch (IOException bad) {
                throw new IllegalArgumentException("init entry " + e.path() + ": " + bad.getMessage());
            }
            if (!e.path().startsWith("/") || comps.isEmpty()) {
                throw new IllegalArgumentException("init entry path must be absolute and not '/': " + e.path());
            }
            Path cur = root;
            for (String c : comps.subList(0, comps.size() - 1)) {
                cur = cur.resolve(c);
                if (!Files.isDirectory(cur, LinkOption.NOFOLLOW_LINKS)) {
                    FsTrees.deleteTree(cur);
                    Files.createDirectory(cur);
                    Libc.chmod(cur, 0755);
                }
            }
            Path target = cur.resolve(comps.get(comps.size() - 1));
            if (e.directory()) {
                if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    FsTrees.deleteTree(target);
                    Files.createDirectory(target);
                }
            } else {
                FsTrees.deleteTree(target);
                Files.write(target, e.content(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS);
            }
            Libc.chmod(target, e.mode());
        }
    }
}
