package io.berth.kernel.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** /proc/sys on the real kernel; net.* values are changed only inside a test namespace. */
class SysctlRootIT {

    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    @Test
    void netValuesInsideACallAreTheNamespacesOwn() throws IOException {
        Path ns = namespaces.create("a");
        String hostForwarding = Sysctl.get("net.ipv4.ip_forward");
        String inside = hostForwarding.equals("1") ? "0" : "1";
        NetNs.call(ns, () -> {
            Sysctl.set("net/ipv4/ip_forward", inside);
            return null;
        });
        assertEquals(inside, NetNs.call(ns, () -> Sysctl.get("net.ipv4.ip_forward")));
        assertEquals(inside, TestNamespaces.run(List.of("ip", "netns", "exec", ns.getFileName().toString(),
                "sysctl", "-n", "net.ipv4.ip_forward")).strip());
        assertEquals(hostForwarding, Sysctl.get("net.ipv4.ip_forward"), "the host's value is untouched");
    }

    @Test
    void writesOnlyWhenTheValueDiffers() throws IOException {
        // kernel.osrelease is read-only: setting its own value must not even try to write
        String release = Sysctl.get("kernel.osrelease");
        Sysctl.set("kernel.osrelease", release);
        IOException e = assertThrows(IOException.class, () -> Sysctl.set("kernel.osrelease", "0.0"));
        assertEquals("set sysctl kernel.osrelease to 0.0: permission denied (/proc/sys/kernel/osrelease)",
                e.getMessage());
        IOException missing = assertThrows(IOException.class, () -> Sysctl.get("net.ipv4.no_such_key"));
        assertEquals("sysctl net.ipv4.no_such_key: no such key (/proc/sys/net/ipv4/no_such_key)", missing.getMessage());
    }
}
