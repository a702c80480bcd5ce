package io.berth.plugin.network;

import io.berth.plugin.DriverContext;
import io.berth.plugin.DriverStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.pf4j.ExtensionPoint;

/**
 * Gives a container its network. A driver is one of two kinds:
 * <ul>
 *   <li>a <em>mode</em> ({@code host}, {@code none}, {@code container}): {@link #attach} says which
 *       network namespace the container's process runs in, {@link #detach} undoes what attach made;</li>
 *   <li>a driver of <em>networks</em> ({@code bridge}, {@link #managesNetworks()} true): users create
 *       networks of it; the daemon gives each container on such networks a network namespace of its own
 *       (a bind-mounted handle) and asks the driver of every network the container is on to
 *       {@link #join} that namespace, and to {@link #leave} when the container stops.</li>
 * </ul>
 *
 * <p>Every method is idempotent (the daemon repeats them after a crash when it did not record the
 * outcome) and blocks; the daemon calls them from worker threads, never from an event loop.
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

    /**
     * Whether users create networks of this driver ({@code docker network create -d NAME}) that
     * containers {@link #join}. Mode drivers (host, none, container) answer false and keep the defaults
     * of the network methods below.
     */
    default boolean managesNetworks() {
        return false;
    }

    /** Creates what the network needs on the host (a device, its address, firewall rules). Idempotent. */
    default void createNetwork(NetworkSpec network) throws IOException {
        throw new UnsupportedOperationException("the " + name() + " driver has no networks of its own");
    }

    /** Removes everything {@link #createNetwork} made. Idempotent; a network never created is no error. */
    default void deleteNetwork(NetworkSpec network) throws IOException {}

    /**
     * Gives the network namespace held at {@code netns} an interface on {@code network} with the
     * endpoint's address, MAC and (when {@link EndpointSpec#defaultRoute()}) default route, and publishes
     * its ports. Idempotent.
     *
     * @throws PortInUseException when a published host port cannot be had
     */
    default void join(NetworkSpec network, EndpointSpec endpoint, Path netns) throws IOException {
        throw new UnsupportedOperationException("the " + name() + " driver has no networks of its own");
    }

    /**
     * Whether {@link #join} of this endpoint was carried out on the host (its interface is in place), as
     * the host shows it after {@link #reconcile}. A daemon killed after recording an endpoint and before
     * joining it asks this at boot, and joins what is missing. The default answers true: a driver that
     * cannot tell is never joined twice.
     */
    default boolean joined(NetworkSpec network, EndpointSpec endpoint) throws IOException {
        return true;
    }

    /**
     * A namespace made ahead of time, which a container may later bring to {@link #join} one of this
     * driver's networks as {@code interfaceName}: the driver may make ahead what join needs (a veth pair
     * with that end inside), so that a container's start does not wait for it. What it makes must go
     * with the namespace if the namespace is never joined. Optional: the default makes nothing.
     */
    default void prepare(Path netns, String interfaceName) throws IOException {}

    /**
     * Undoes {@link #join} on the host (links, rules, port reservations); safe when the namespace is
     * gone already or join never ran.
     */
    default void leave(NetworkSpec network, EndpointSpec endpoint) throws IOException {}

    /**
     * As {@link #leave}, for an endpoint whose namespace the daemon has deleted already (its container
     * is gone): what was inside goes with the namespace, so the driver need not wait for it. The
     * default is {@link #leave}.
     */
    default void leaveDeleted(NetworkSpec network, EndpointSpec endpoint) throws IOException {
        leave(network, endpoint);
    }

    /**
     * After a daemon (re)start: makes the host match exactly these networks and endpoints of this
     * driver: recreates what is missing (devices, rules, port reservations) and removes what this driver
     * made for this daemon that they do not account for.
     */
    default void reconcile(List<NetworkSpec> networks, List<EndpointSpec> endpoints) throws IOException {}
}
