package io.berth.daemon;

import io.berth.plugin.isolation.IsolationBackend;
import io.berth.plugin.network.NetworkDriver;
import io.berth.plugin.storage.StorageDriver;
import java.util.Map;

/**
 * The drivers this daemon runs with, as loaded from plugins: the one storage driver and isolation
 * backend selected by configuration, every network driver by its name ("bridge", "host", "none",
 * "container"), and the name of the network containers join by default ("bridge").
 */
public record Drivers(StorageDriver storage, IsolationBackend isolation, Map<String, NetworkDriver> networks,
                      String defaultNetwork) {}
