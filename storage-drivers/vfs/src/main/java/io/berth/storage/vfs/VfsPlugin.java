package io.berth.storage.vfs;

import org.pf4j.Plugin;

/** The plugin holding {@link VfsDriver}; it has no lifecycle of its own. */
public class VfsPlugin extends Plugin {}
