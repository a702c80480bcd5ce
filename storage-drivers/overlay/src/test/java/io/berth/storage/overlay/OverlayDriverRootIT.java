package io.berth.storage.overlay;

import io.berth.plugin.storage.StorageDriver;
import io.berth.plugin.storage.StorageDriverContract;

/** The storage contract against kernel overlayfs (root). */
class OverlayDriverRootIT extends StorageDriverContract {

    @Override
    protected StorageDriver newDriver() {
        return new OverlayDriver();
    }
}
