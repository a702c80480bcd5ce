package io.berth.network.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.berth.plugin.network.EndpointRequest;
import io.berth.plugin.network.NetworkAttachment;
import io.berth.plugin.network.NetworkDriver;
import io.berth.plugin.network.NetworkDriverContract;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class ContainerNetworkDriverTest extends NetworkDriverContract {

    @Override
    protected NetworkDriver newDriver() {
        return new ContainerNetworkDriver();
    }

    @Override
    protected String option() {
        return "/proc/self/ns/net";
    }

    @Test
    void joinsTheOtherContainersNamespace() throws Exception {
        NetworkAttachment a = driver.attach(new EndpointRequest(CONTAINER, "h", "/proc/self/ns/net"));
        assertEquals(NetworkAttachment.Mode.JOIN, a.mode());
        assertEquals("/proc/self/ns/net", a.nsPath());
    }

    @Test
    void refusesAMissingNamespace() {
        assertThrows(IOException.class, () -> driver.attach(new EndpointRequest(CONTAINER, "h", "")));
        assertThrows(IOException.class, () -> driver.attach(new EndpointRequest(CONTAINER, "h", "/proc/0/ns/net")));
    }
}
