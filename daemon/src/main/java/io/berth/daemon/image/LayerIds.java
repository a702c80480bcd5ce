package io.berth.daemon.image;

/** Layer identities: the log names layers by chain id ("sha256:<hex>"), storage drivers by the hex alone. */
public final class LayerIds {

    private LayerIds() {}

    public static String storageId(String chainId) {
        return chainId.startsWith("sha256:") ? chainId.substring(7) : chainId;
    }

    /**
     * The chain id of a layer with {@code diffId} on top of {@code parentChainId} (null for a base layer),
     * as the OCI image spec defines it: sha256 of "parent-chain-id diff-id".
     */
    public static String chain(String parentChainId, String diffId) {
        if (parentChainId == null || parentChainId.isEmpty()) {
            return diffId;
        }
        return "sha256:" + ImageStore.sha256((parentChainId + " " + diffId).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public static String chainId(String storageId) {
        return storageId.startsWith("sha256:") ? storageId : "sha256:" + storageId;
    }
}
