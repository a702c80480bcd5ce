package io.berth.daemon.image;

/** Layer identities: the log names layers by chain id ("sha256:<hex>"), storage drivers by the hex alone. */
public final class LayerIds {

    private LayerIds() {}

    public static String storageId(String chainId) {
        return chainId.startsWith("sha256:") ? chainId.substring(7) : chainId;
    }

    public static String chainId(String storageId) {
        return storageId.startsWith("sha256:") ? storageId : "sha256:" + storageId;
    }
}
