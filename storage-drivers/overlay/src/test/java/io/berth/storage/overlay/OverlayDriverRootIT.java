package io.berth.storage.overlay;

import io.berth.plugin.storage.StorageDriver;
import io.berth.plugin.storage.StorageDriverContract;

/** The storage contract against kernel overlayfs (root). */
class OverlayDriverRootIT extends StorageDriverContract {

    @Override
    protected StorageDriver newDriver() {
        return new OverlayDriver();
    }

    /** An overlay layer's diff holds only its own files and whiteouts, so it is unpacked before its parent is known. */
    @Override
    protected boolean stagesLayers() {
        return true;
    }
}
