package io.berth.storage.common;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * How a driver stores the deletions a layer tar expresses as AUFS whiteouts. The extractor has already
 * checked names, that {@code dir} is a real directory inside the layer reached without symlinks, and
 * that the deleted name is not also created by the same layer.
 */
public interface WhiteoutFormat {

    /**
     * The layer deletes {@code dir/name}.
     */
    void whiteout(Path dir, String name) throws IOException;

    /**
     * The layer makes {@code dir} opaque. {@code fromThisLayer} tells whether a path below {@code dir}
     * was created by (or leads to something created by) the layer being extracted.
     */
    void opaque(Path dir, Predicate<Path> fromThisLayer) throws IOException;

    /**
     * Kernel overlayfs's form, for a layer extracted into an empty diff directory: a deleted name is a
     * character device 0:0, an opaque directory carries {@code trusted.overlay.opaque=y}.
     */
    WhiteoutFormat OVERLAY = new WhiteoutFormat() {
        @Override
        public void whiteout(Path dir, String name) throws IOException {
            Path node = dir.resolve(name);
            Libc.mknod(node, Libc.S_IFCHR, 0L);
        }

        @Override
        public void opaque(Path dir, Predicate<Path> fromThisLayer) throws IOException {
            Libc.lsetxattr(dir, "trusted.overlay.opaque", new byte[] {'y'});
        }

        @Override
        public String toString() {
            return "overlay";
        }
    };

    /**
     * For a layer extracted over a full copy of its parent (vfs): the deletion is applied to the copy.
     */
    WhiteoutFormat APPLY = new WhiteoutFormat() {
        @Override
        public void whiteout(Path dir, String name) throws IOException {
            FsTrees.deleteTree(dir.resolve(name));
        }

        @Override
        public void opaque(Path dir, Predicate<Path> fromThisLayer) throws IOException {
            clean(dir, fromThisLayer);
        }

        private void clean(Path dir, Predicate<Path> keep) throws IOException {
            for (Path child : FsTrees.children(dir)) {
                if (!keep.test(child)) {
                    FsTrees.deleteTree(child);
                } else if (java.nio.file.Files.isDirectory(child, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    clean(child, keep);
                }
            }
        }

        @Override
        public String toString() {
            return "apply";
        }
    };
}
