package io.berth.storage.overlay;

import org.pf4j.Plugin;

/** The plugin holding {@link OverlayDriver}; it has no lifecycle of its own. */
public class OverlayPlugin extends Plugin {}
