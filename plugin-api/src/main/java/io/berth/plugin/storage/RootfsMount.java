package io.berth.plugin.storage;

/**
 * How to mount a container's root filesystem, as the arguments of mount(2). The isolation backend
 * performs the mount inside the container's own mount namespace, so nothing stays mounted on the host
 * when the container is gone, whatever happened to the daemon.
 *
 * @param fsType  "overlay", or "bind" for a plain bind mount of {@code source}
 * @param source  the mount source ("overlay", or the directory to bind)
 * @param options the mount data (e.g. "lowerdir=...,upperdir=...,workdir=..."), empty for a bind
 */
public record RootfsMount(String fsType, String source, String options) {

    public static RootfsMount bind(String directory) {
        return new RootfsMount("bind", directory, "");
    }
}
