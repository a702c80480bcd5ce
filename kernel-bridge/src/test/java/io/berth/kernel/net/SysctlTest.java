package io.berth.kernel.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SysctlTest {

    @Test
    void dottedAndSlashedKeysNameTheSameFile() {
        assertEquals(Path.of("/proc/sys/net/ipv4/ip_forward"), Sysctl.path("net.ipv4.ip_forward"));
        assertEquals(Path.of("/proc/sys/net/ipv4/ip_forward"), Sysctl.path("net/ipv4/ip_forward"));
    }

    @Test
    void aDotInsideANameIsASlashInTheDottedFormAndItselfInTheSlashedForm() {
        assertEquals(Path.of("/proc/sys/net/ipv4/conf/eth0.100/forwarding"),
                Sysctl.path("net.ipv4.conf.eth0/100.forwarding"));
        assertEquals(Path.of("/proc/sys/net/ipv4/conf/eth0.100/forwarding"),
                Sysctl.path("net/ipv4/conf/eth0.100/forwarding"));
    }

    @Test
    void keysCannotLeaveProcSys() {
        assertThrows(IllegalArgumentException.class, () -> Sysctl.path("net/../../etc/passwd"));
        assertThrows(IllegalArgumentException.class, () -> Sysctl.path("net..ipv4"));
        assertThrows(IllegalArgumentException.class, () -> Sysctl.path(""));
        assertThrows(IllegalArgumentException.class, () -> Sysctl.path("/net/ipv4"));
    }
}
