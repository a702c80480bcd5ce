package io.berth.daemon.registry;

import java.util.Set;

/** The manifest and blob media types berth pulls and pushes (Docker schema 2 and OCI); schema 1 is refused. */
public final class MediaTypes {

    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    public static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

    /** The Accept header of a manifest request: every type berth understands, and nothing else. */
    public static final String MANIFEST_ACCEPT =
            String.join(", ", DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_MANIFEST, OCI_INDEX);

    private static final Set<String> IMAGE_MANIFESTS = Set.of(DOCKER_MANIFEST, OCI_MANIFEST);
    private static final Set<String> INDEXES = Set.of(DOCKER_MANIFEST_LIST, OCI_INDEX);

    private MediaTypes() {}

    public static boolean isImageManifest(String mediaType) {
        return IMAGE_MANIFESTS.contains(mediaType);
    }

    public static boolean isIndex(String mediaType) {
        return INDEXES.contains(mediaType);
    }
}
