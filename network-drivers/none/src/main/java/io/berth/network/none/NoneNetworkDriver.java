package io.berth.network.none;

import io.berth.plugin.DriverContext;
import io.berth.plugin.DriverStatus;
import io.berth.plugin.network.EndpointRequest;
import io.berth.plugin.network.NetworkAttachment;
import io.berth.plugin.network.NetworkDriver;
import java.util.List;
import org.pf4j.Extension;

/**
 * {@code --network none}: the container gets a network namespace of its own holding only loopback.
 * Nothing is created on the host, so there is nothing to remove.
 */
@Extension
public class NoneNetworkDriver implements NetworkDriver {

    @Override
    public String name() {
        return "none";
    }

    @Override
    public void init(DriverContext context) {}

    @Override
    public DriverStatus status() {
        return DriverStatus.usable(name(), List.of(new DriverStatus.Detail("Scope", "local")));
    }

    @Override
    public NetworkAttachment attach(EndpointRequest request) {
        return NetworkAttachment.newNamespace();
    }

    @Override
    public void detach(String containerId) {}
}
