package io.berth.network.host;

import org.pf4j.Plugin;

/** The plugin holding the {@code host} network driver. */
public class HostPlugin extends Plugin {}
