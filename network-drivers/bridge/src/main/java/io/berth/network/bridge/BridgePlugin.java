package io.berth.network.bridge;

import org.pf4j.Plugin;

/** The plugin holding the {@code bridge} network driver. */
public class BridgePlugin extends Plugin {}
