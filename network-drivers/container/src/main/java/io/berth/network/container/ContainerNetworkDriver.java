package io.berth.network.container;

import io.berth.plugin.DriverContext;
import io.berth.plugin.DriverStatus;
import io.berth.plugin.network.EndpointRequest;
import io.berth.plugin.network.NetworkAttachment;
import io.berth.plugin.network.NetworkDriver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.pf4j.Extension;

/**
 * {@code --network container:<name|id>}: the container's process joins another container's network
 * namespace. The daemon resolves the other container to a path of its namespace (its handle, or
 * /proc/PID/ns/net) and passes it as the request's option. The namespace belongs to the other container:
 * nothing is created on the host, so nothing is removed.
 */
@Extension
public class ContainerNetworkDriver implements NetworkDriver {

    @Override
    public String name() {
        return "container";
    }

    @Override
    public void init(DriverContext context) {}

    @Override
    public DriverStatus status() {
        return DriverStatus.usable(name(), List.of(new DriverStatus.Detail("Scope", "local")));
    }

    @Override
    public NetworkAttachment attach(EndpointRequest request) throws IOException {
        if (request.option().isBlank()) {
            throw new IOException("container network mode needs the other container's network namespace");
        }
        if (!Files.exists(Path.of(request.option()))) {
            throw new IOException("the network namespace " + request.option() + " does not exist");
        }
        return NetworkAttachment.join(request.option());
    }

    @Override
    public void detach(String containerId) {}
}
