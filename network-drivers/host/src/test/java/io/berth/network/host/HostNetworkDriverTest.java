package io.berth.network.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.berth.plugin.network.EndpointRequest;
import io.berth.plugin.network.NetworkAttachment;
import io.berth.plugin.network.NetworkDriver;
import io.berth.plugin.network.NetworkDriverContract;
import org.junit.jupiter.api.Test;

class HostNetworkDriverTest extends NetworkDriverContract {

    @Override
    protected NetworkDriver newDriver() {
        return new HostNetworkDriver();
    }

    @Test
    void sharesTheHostsNamespace() throws Exception {
        assertEquals("host", driver.name());
        assertEquals(NetworkAttachment.Mode.HOST, driver.attach(new EndpointRequest(CONTAINER, "h", "")).mode());
    }
}
