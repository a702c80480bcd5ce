package io.berth.storage.overlay;

import io.berth.plugin.storage.StagedLayerContract;
import io.berth.plugin.storage.StorageDriver;

/**
 * The storage contract against kernel overlayfs (root), staged layers included: an overlay layer's diff
 * holds only its own files and whiteouts, so it is unpacked before its parent is known.
 */
class OverlayDriverRootIT extends StagedLayerContract {

    @Override
    protected StorageDriver newDriver() {
        return new OverlayDriver();
    }
}
