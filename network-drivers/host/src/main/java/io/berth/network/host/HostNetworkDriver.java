package io.berth.network.host;

import io.berth.plugin.DriverContext;
import io.berth.plugin.DriverStatus;
import io.berth.plugin.network.EndpointRequest;
import io.berth.plugin.network.NetworkAttachment;
import io.berth.plugin.network.NetworkDriver;
import java.util.List;
import org.pf4j.Extension;

/**
 * {@code --network host}: the container shares the host's network namespace. Nothing is created on the
 * host, so there is nothing to remove.
 */
@Extension
public class HostNetworkDriver implements NetworkDriver {

    @Override
    public String name() {
        return "host";
    }

    @Override
    public void init(DriverContext context) {}

    @Override
    public DriverStatus status() {
        return DriverStatus.usable(name(), List.of(new DriverStatus.Detail("Scope", "local")));
    }

    @Override
    public NetworkAttachment attach(EndpointRequest request) {
        return NetworkAttachment.host();
    }

    @Override
    public void detach(String containerId) {}
}
