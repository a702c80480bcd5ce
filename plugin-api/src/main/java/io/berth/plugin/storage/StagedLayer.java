package io.berth.plugin.storage;

/**
 * A layer a driver unpacked before its id and parent were known ({@link StorageDriver#stageLayer}). It
 * lives under a temporary name, so it is never reported and {@link StorageDriver#init} removes it after a
 * crash, until {@link StorageDriver#commitStagedLayer} makes it a layer or
 * {@link StorageDriver#discardStagedLayer} drops it. Only the driver that made it can use it.
 */
public interface StagedLayer {

    /** Bytes of regular-file content, as {@link StorageDriver#applyLayer} returns them. */
    long size();
}
