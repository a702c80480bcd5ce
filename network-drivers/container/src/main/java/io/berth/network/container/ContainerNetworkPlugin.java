package io.berth.network.container;

import org.pf4j.Plugin;

/** The plugin holding the {@code container} network driver. */
public class ContainerNetworkPlugin extends Plugin {}
