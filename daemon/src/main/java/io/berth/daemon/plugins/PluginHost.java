package io.berth.daemon.plugins;

import io.berth.plugin.DriverContext;
import io.berth.plugin.isolation.IsolationBackend;
import io.berth.plugin.network.NetworkDriver;
import io.berth.plugin.storage.StorageDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pf4j.DefaultPluginManager;
import org.pf4j.PluginManager;
import org.pf4j.PluginWrapper;

/**
 * Loads drivers from plugin jars: the distribution's plugins/ folder (the built-in drivers) and the data
 * root's plugins/ folder (third-party ones). The daemon has no compile-time dependency on any driver;
 * built-in and third-party drivers load the same way.
 */
public final class PluginHost implements AutoCloseable {

    private final PluginManager manager;

    public PluginHost(List<Path> roots) {
        List<Path> existing = new ArrayList<>();
        for (Path root : roots) {
            if (Files.isDirectory(root)) {
                existing.add(root);
            }
        }
        this.manager = new DefaultPluginManager(existing);
        manager.loadPlugins();
        manager.startPlugins();
    }

    public List<String> plugins() {
        return manager.getStartedPlugins().stream().map(PluginWrapper::getPluginId).toList();
    }

    public Map<String, StorageDriver> storageDrivers() {
        Map<String, StorageDriver> out = new LinkedHashMap<>();
        manager.getExtensions(StorageDriver.class).forEach(d -> out.put(d.name(), d));
        return out;
    }

    public Map<String, NetworkDriver> networkDrivers() {
        Map<String, NetworkDriver> out = new LinkedHashMap<>();
        manager.getExtensions(NetworkDriver.class).forEach(d -> out.put(d.name(), d));
        return out;
    }

    public Map<String, IsolationBackend> isolationBackends() {
        Map<String, IsolationBackend> out = new LinkedHashMap<>();
        manager.getExtensions(IsolationBackend.class).forEach(d -> out.put(d.name(), d));
        return out;
    }

    /** The context a driver of {@code kind} named {@code name} is initialised with. */
    public static DriverContext context(Path home, Path runDir, Path libexec, String daemonId) {
        return new DriverContext(home, runDir, libexec, daemonId);
    }

    @Override
    public void close() {
        // one by one from a copy: pf4j 3.15's stopPlugins() modifies the list it iterates
        List<PluginWrapper> started = new ArrayList<>(manager.getStartedPlugins());
        java.util.Collections.reverse(started);
        for (PluginWrapper plugin : started) {
            manager.stopPlugin(plugin.getPluginId());
        }
    }
}
