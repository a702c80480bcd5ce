package io.berth.network.none;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.berth.plugin.network.EndpointRequest;
import io.berth.plugin.network.NetworkAttachment;
import io.berth.plugin.network.NetworkDriver;
import io.berth.plugin.network.NetworkDriverContract;
import org.junit.jupiter.api.Test;

class NoneNetworkDriverTest extends NetworkDriverContract {

    @Override
    protected NetworkDriver newDriver() {
        return new NoneNetworkDriver();
    }

    @Test
    void givesANewNamespace() throws Exception {
        assertEquals("none", driver.name());
        assertEquals(NetworkAttachment.Mode.NEW, driver.attach(new EndpointRequest(CONTAINER, "h", "")).mode());
    }
}
