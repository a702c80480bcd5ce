package io.berth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** -p and --expose against what the docker CLI 28.2.2 sent and printed for the same values (recorded). */
class PortSpecsTest {

    private static PortSpecs publish(String... specs) throws Exception {
        return PortSpecs.parse(List.of(specs), List.of());
    }

    private static String refused(List<String> publish, List<String> expose) {
        return assertThrows(ContainerCommands.InvalidConfig.class, () -> PortSpecs.parse(publish, expose)).getMessage();
    }

    @Test
    void everyShortFormBecomesDockersBindings() throws Exception {
        PortSpecs p = publish("80", "8080:81", "127.0.0.1:8081:82", "127.0.0.1::53/udp", "[::1]:5000:5000", ":90",
                "8080-8081:100-101", "9000-9001:9000/tcp", "7/UDP", "8/sctp");
        assertEquals("{\"100/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"}],\"101/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8081\"}],"
                + "\"5000/tcp\":[{\"HostIp\":\"::1\",\"HostPort\":\"5000\"}],\"53/udp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"\"}],"
                + "\"7/udp\":[{\"HostIp\":\"\",\"HostPort\":\"\"}],\"8/sctp\":[{\"HostIp\":\"\",\"HostPort\":\"\"}],"
                + "\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"\"}],\"81/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"}],"
                + "\"82/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"8081\"}],\"90/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"\"}],"
                + "\"9000/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"9000-9001\"}]}", p.portBindings().toString(),
                "sorted by port as Go marshals a map; a host range for one container port is kept whole");
        assertEquals("{\"100/tcp\":{},\"101/tcp\":{},\"5000/tcp\":{},\"53/udp\":{},\"7/udp\":{},\"8/sctp\":{},\"80/tcp\":{},"
                + "\"81/tcp\":{},\"82/tcp\":{},\"90/tcp\":{},\"9000/tcp\":{}}", p.exposedPorts().toString());
    }

    @Test
    void aPortPublishedTwiceKeepsBothBindingsInOrder() throws Exception {
        assertEquals("{\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"80\"},{\"HostIp\":\"\",\"HostPort\":\"80\"},"
                + "{\"HostIp\":\"\",\"HostPort\":\"81\"}]}", publish("0.0.0.0:80:80", "80:80", "81:80/tcp").portBindings().toString());
    }

    @Test
    void theLongFormIsTheShortOne() throws Exception {
        assertEquals("{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"}]}", publish("published=8080,target=80").portBindings().toString());
        assertEquals("{\"80/udp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"}]}",
                publish("published=8080,target=80,protocol=udp").portBindings().toString());
    }

    @Test
    void badSpecsAreRefusedWithDockersMessages() {
        assertEquals("invalid proto: xyz", refused(List.of("80/xyz"), List.of()));
        assertEquals("invalid containerPort: abc", refused(List.of("abc"), List.of()));
        assertEquals("invalid containerPort: abc", refused(List.of("8080:abc"), List.of()));
        assertEquals("invalid containerPort: 70000", refused(List.of("70000"), List.of()));
        assertEquals("invalid containerPort: 80-79", refused(List.of("80-79"), List.of()));
        assertEquals("invalid hostPort: x", refused(List.of("x:80"), List.of()));
        assertEquals("invalid IP address: 1.2.3", refused(List.of("1.2.3:80:80"), List.of()));
        assertEquals("invalid IP address [::1: address [::1:: missing ']' in address", refused(List.of("[::1:80:80"), List.of()));
        assertEquals("invalid IP address [::1]x: address [::1]x:: missing port in address", refused(List.of("[::1]x:80:80"), List.of()));
        assertEquals("invalid IP address [::1]:x: address [::1]:x:: too many colons in address", refused(List.of("[::1]:x:80:80"), List.of()));
        assertEquals("invalid ranges specified for container and host Ports: 80-81 and 8080-8082",
                refused(List.of("8080-8082:80-81"), List.of()));
        assertEquals("no port specified: 127.0.0.1:8080:<empty>", refused(List.of("127.0.0.1:8080:"), List.of()));
        assertEquals("no port specified: <empty>", refused(List.of(""), List.of()));
        assertEquals("invalid publish opts format (should be name=value but got 'bar')", refused(List.of("foo=,bar"), List.of()));
        assertEquals("invalid publish opts format (should be name=value but got 'x')", refused(List.of("abc", "target=80,x"), List.of()),
                "docker converts every long form before it reads any -p");
    }

    @Test
    void exposeAddsPortsAndRangesWithoutBindings() throws Exception {
        PortSpecs p = PortSpecs.parse(List.of("80"), List.of("7000-7002/udp", "80", "90/xyz"));
        assertEquals("{\"7000/udp\":{},\"7001/udp\":{},\"7002/udp\":{},\"80/tcp\":{},\"90/xyz\":{}}", p.exposedPorts().toString(),
                "docker does not check --expose's protocol");
        assertEquals("{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"\"}]}", p.portBindings().toString());
        assertNull(PortSpecs.parse(List.of(), List.of()).exposedPorts(), "no ExposedPorts at all, as docker leaves it out");
        assertEquals("invalid port format for --expose: 80:80", refused(List.of(), List.of("80:80")));
        assertEquals("invalid range format for --expose: abc, error: strconv.ParseUint: parsing \"abc\": invalid syntax",
                refused(List.of(), List.of("abc")));
        assertEquals("invalid range format for --expose: 90-80, error: invalid range specified for port: 90-80",
                refused(List.of(), List.of("90-80")));
        assertEquals("invalid range format for --expose: 70000, error: strconv.ParseUint: parsing \"70000\": value out of range",
                refused(List.of(), List.of("70000")));
        assertEquals("invalid range format for --expose: , error: empty string specified for ports", refused(List.of(), List.of("")));
    }
}
