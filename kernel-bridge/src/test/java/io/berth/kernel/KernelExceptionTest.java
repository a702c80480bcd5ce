package io.berth.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KernelExceptionTest {

    @Test
    void messageNamesOperationErrorAndDetail() {
        assertEquals("add veth vethab12 peer eth0: File exists (EEXIST)",
                new KernelException("add veth vethab12 peer eth0", 17).getMessage());
        assertEquals("add default route via 10.7.0.3: Network is unreachable (ENETUNREACH): "
                + "Nexthop has invalid gateway",
                new KernelException("add default route via 10.7.0.3", 101, "Nexthop has invalid gateway").getMessage());
    }

    @Test
    void unknownErrnosStillShowTheirNumber() {
        assertEquals("x: errno 4095", new KernelException("x", 4095).getMessage());
        assertEquals("errno 0", Errno.describe(0));
    }

    @Test
    void errnoIsComparedByName() {
        KernelException e = new KernelException("delete link x", 19);
        assertTrue(e.is(Errno.ENODEV));
        assertEquals(19, e.errno());
    }
}
