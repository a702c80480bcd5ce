package io.berth.daemon.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.api.ApiException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContainerSpecsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode json(String s) throws Exception {
        return (ObjectNode) JSON.readTree(s);
    }

    @Test
    void entrypointAndCmdCombineAsDocker() throws Exception {
        JsonNode image = json("{\"Entrypoint\":[\"/entry\"],\"Cmd\":[\"default\"]}");
        assertEquals(List.of("/entry", "default"), ContainerSpecs.command(json("{}"), image));
        assertEquals(List.of("/entry", "x"), ContainerSpecs.command(json("{\"Cmd\":[\"x\"]}"), image));
        // a new entrypoint drops the image's Cmd
        assertEquals(List.of("/sh"), ContainerSpecs.command(json("{\"Entrypoint\":[\"/sh\"]}"), image));
        assertEquals(List.of("/sh", "-c", "y"), ContainerSpecs.command(json("{\"Entrypoint\":[\"/sh\"],\"Cmd\":[\"-c\",\"y\"]}"), image));
        assertEquals(List.of("echo", "hi"), ContainerSpecs.command(json("{\"Cmd\":[\"echo\",\"hi\"],\"Entrypoint\":null}"), json("{}")));
    }

    @Test
    void environmentMerges() throws Exception {
        List<String> env = ContainerSpecs.environment(json("{\"Env\":[\"A=2\",\"B=3\"]}"),
                json("{\"Env\":[\"PATH=/x\",\"A=1\"]}"), "h1", true);
        assertEquals(List.of("PATH=/x", "HOSTNAME=h1", "TERM=xterm", "A=2", "B=3"), env);
        assertTrue(ContainerSpecs.environment(json("{}"), json("{}"), "h", false).contains("PATH=" + ContainerSpecs.DEFAULT_PATH));
    }

    @Test
    void cpusBecomeAQuota() throws Exception {
        var r = ContainerSpecs.resources(json("{\"NanoCpus\":500000000,\"Memory\":33554432,\"PidsLimit\":6}"));
        assertEquals(50_000, r.cpuQuotaMicros());
        assertEquals(100_000, r.cpuPeriodMicros());
        assertEquals(33554432, r.memoryBytes());
        assertEquals(6, r.pidsLimit());
        var q = ContainerSpecs.resources(json("{\"CpuQuota\":25000}"));
        assertEquals(100_000, q.cpuPeriodMicros());
        assertEquals(0, ContainerSpecs.resources(json("{\"PidsLimit\":-1}")).pidsLimit());
    }

    @Test
    void validationUsesDockersMessages() throws Exception {
        assertEquals("Minimum memory limit allowed is 6MB", assertThrows(ApiException.class,
                () -> ContainerSpecs.validate(json("{\"Memory\":1024}"), 2)).getMessage());
        assertEquals("Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available", assertThrows(ApiException.class,
                () -> ContainerSpecs.validate(json("{\"NanoCpus\":3000000000}"), 2)).getMessage());
        assertEquals("Conflicting options: Nano CPUs and CPU Period cannot both be set", assertThrows(ApiException.class,
                () -> ContainerSpecs.validate(json("{\"NanoCpus\":100000000,\"CpuPeriod\":50000}"), 2)).getMessage());
        assertEquals(400, assertThrows(ApiException.class,
                () -> ContainerSpecs.validate(json("{\"CapAdd\":[\"NOPE\"]}"), 2)).kind().status);
        ContainerSpecs.validate(json("{\"Memory\":33554432,\"NanoCpus\":500000000,\"CapAdd\":[\"CAP_NET_ADMIN\"]}"), 2);
    }

    @Test
    void capabilitiesFollowAddAndDrop() {
        assertEquals(14, Capabilities.effective(false, List.of(), List.of()).size());
        List<String> caps = Capabilities.effective(false, List.of("NET_ADMIN"), List.of("CAP_CHOWN"));
        assertTrue(caps.contains("CAP_NET_ADMIN"));
        assertTrue(!caps.contains("CAP_CHOWN"));
        assertEquals(List.of("CAP_KILL"), Capabilities.effective(false, List.of("kill"), List.of("ALL")));
        assertEquals(Capabilities.ALL, Capabilities.effective(true, List.of(), List.of("ALL")));
    }

    @Test
    void securityDefaults() throws Exception {
        var s = ContainerSpecs.security(json("{\"SecurityOpt\":[\"no-new-privileges\"]}"));
        assertTrue(s.noNewPrivileges());
        assertTrue(s.maskedPaths().contains("/proc/kcore"));
        assertTrue(s.readonlyPaths().contains("/proc/sys"));
        var p = ContainerSpecs.security(json("{\"Privileged\":true}"));
        assertTrue(p.maskedPaths().isEmpty());
    }

    @Test
    void signalsParse() {
        assertEquals(15, Signals.parse("TERM", 9));
        assertEquals(15, Signals.parse("SIGTERM", 9));
        assertEquals(9, Signals.parse("", 9));
        assertEquals(10, Signals.parse("10", 9));
        assertEquals(35, Signals.parse("SIGRTMIN+1", 9));
        assertThrows(ApiException.class, () -> Signals.parse("NOPE", 9));
    }

    @Test
    void logSizes() {
        assertEquals(10L * 1024 * 1024, ContainerSpecs.parseSize("10m"));
        assertEquals(512 * 1024, ContainerSpecs.parseSize("512k"));
        assertThrows(ApiException.class, () -> ContainerSpecs.parseSize("ten"));
    }
}
