package io.berth.plugin.network;

import io.berth.plugin.DriverContext;
import io.berth.plugin.DriverStatus;
import java.io.IOException;
import org.pf4j.ExtensionPoint;

/**
 * Gives a container its network: says which network namespace its process runs in, and sets up and
 * tears down whatever the driver creates on the host for it (links, addresses, rules).
 *
 * <p>{@link #attach} runs before the container's process exists; {@link #detach} after it is gone.
 * Both are idempotent (the daemon repeats them after a crash when it did not record the outcome) and
 * block; the daemon calls them from worker threads.
 */
public interface NetworkDriver extends ExtensionPoint {

    /** The network mode users select ("none", "host", "bridge", ...). */
    String name();

    void init(DriverContext context) throws IOException;

    DriverStatus status();

    /** Prepares the endpoint of {@code request.containerId()} and says how its process gets its namespace. */
    NetworkAttachment attach(EndpointRequest request) throws IOException;

    /** Removes everything {@link #attach} created for the container. */
    void detach(String containerId) throws IOException;
}
