package io.berth.network.none;

import org.pf4j.Plugin;

/** The plugin holding the {@code none} network driver. */
public class NonePlugin extends Plugin {}
