package io.berth.daemon.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class ImageReferenceTest {

    @Test
    void normalizes() {
        assertEquals("busybox:latest", ImageReference.normalize("busybox"));
        assertEquals("busybox:1.36", ImageReference.normalize("docker.io/library/busybox:1.36"));
        assertEquals("localhost:5000/app:latest", ImageReference.normalize("localhost:5000/app"));
        assertEquals("me/app:2", ImageReference.normalize("docker.io/me/app:2"));
        assertArrayEquals(new String[] {"localhost:5000/app", "latest"}, ImageReference.split("localhost:5000/app:latest"));
    }

    @Test
    void validates() {
        assertNull(ImageReference.validate("busybox", "latest"));
        assertNotNull(ImageReference.validate("BusyBox", "latest"));
        assertNotNull(ImageReference.validate("busybox", "bad tag"));
    }
}
