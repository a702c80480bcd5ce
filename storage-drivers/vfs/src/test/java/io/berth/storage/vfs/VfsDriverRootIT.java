package io.berth.storage.vfs;

import io.berth.plugin.storage.StorageDriver;
import io.berth.plugin.storage.StorageDriverContract;

/** The storage contract against the copying driver (root: the suite bind-mounts the rootfs). */
class VfsDriverRootIT extends StorageDriverContract {

    @Override
    protected StorageDriver newDriver() {
        return new VfsDriver();
    }
}
