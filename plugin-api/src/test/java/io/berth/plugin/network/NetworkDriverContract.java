package io.berth.plugin.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.plugin.DriverContext;
import io.berth.plugin.DriverStatus;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link NetworkDriver} must do. A driver's tests extend this class and say how to make one;
 * drivers that need root name their subclass {@code *RootIT}.
 */
public abstract class NetworkDriverContract {

    @TempDir
    protected Path dir;

    protected NetworkDriver driver;

    /** A new, uninitialised driver. */
    protected abstract NetworkDriver newDriver();

    protected static final String CONTAINER = "0123456789ab".repeat(5) + "cdef";

    /** The option attach is given (the part of the network mode after the colon); none by default. */
    protected String option() {
        return "";
    }

    @BeforeEach
    void init() throws Exception {
        driver = newDriver();
        driver.init(new DriverContext(dir.resolve("home"), dir.resolve("run"), dir.resolve("libexec"), "contract"));
    }

    @Test
    void hasAName() {
        assertNotNull(driver.name());
        assertFalse(driver.name().isBlank());
        assertFalse(driver.name().contains(":"), "a colon separates a mode from its option");
    }

    @Test
    void reportsItsStatusUnderItsName() {
        DriverStatus status = driver.status();
        assertEquals(driver.name(), status.name());
        assertTrue(status.usable() || !status.reason().isBlank(), "an unusable driver says why");
    }

    @Test
    void attachSaysHowToGetTheNamespace() throws Exception {
        NetworkAttachment a = driver.attach(new EndpointRequest(CONTAINER, "h1", option()));
        try {
            assertNotNull(a.mode());
            if (a.mode() == NetworkAttachment.Mode.JOIN) {
                assertFalse(a.nsPath().isBlank(), "JOIN needs a namespace path");
            }
        } finally {
            driver.detach(CONTAINER);
        }
    }

    @Test
    void attachIsIdempotent() throws Exception {
        try {
            NetworkAttachment first = driver.attach(new EndpointRequest(CONTAINER, "h1", option()));
            NetworkAttachment again = driver.attach(new EndpointRequest(CONTAINER, "h1", option()));
            assertEquals(first, again);
        } finally {
            driver.detach(CONTAINER);
        }
    }

    @Test
    void detachIsIdempotentAndSafeForUnknownContainers() throws Exception {
        driver.detach(CONTAINER);
        driver.attach(new EndpointRequest(CONTAINER, "h1", option()));
        driver.detach(CONTAINER);
        driver.detach(CONTAINER);
    }
}
