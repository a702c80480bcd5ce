package io.berth.daemon.events;

/**
 * A host port published to a container's port ({@code -p hostIp:hostPort:containerPort/protocol}), as
 * allocated: {@code hostPort} is never 0 here.
 */
public record PublishedPort(String protocol, String hostIp, int hostPort, int containerPort) {

    /** "80/tcp": the key Docker's NetworkSettings.Ports uses. */
    public String containerKey() {
        return containerPort + "/" + protocol;
    }
}
