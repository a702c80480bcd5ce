package io.berth.plugin.storage;

/**
 * One entry of a container's init layer: a directory, or a file with the given content.
 * Paths are absolute inside the container ("/etc/hosts"); parents are created as needed (mode 0755).
 */
public record InitEntry(String path, boolean directory, byte[] content, int mode) {

    public static InitEntry dir(String path) {
        return new InitEntry(path, true, new byte[0], 0755);
    }

    public static InitEntry file(String path, byte[] content) {
        return new InitEntry(path, false, content, 0644);
    }
}
