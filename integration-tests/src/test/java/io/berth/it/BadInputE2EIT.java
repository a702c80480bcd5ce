package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input gets Docker's status codes and messages, and none of it stops the daemon or loses state: a
 * running and a created container made before are checked intact at the end.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputE2EIT extends E2E {

    static final ObjectMapper JSON = new ObjectMapper();
    static String keeperPid;

    @BeforeAll
    static void containersThatMustSurvive() throws Exception {
        d.docker("run", "-d", "--name", "keeper", "busybox", "sh", "-c", "while true; do echo alive; sleep 0.5; done").ok();
        d.docker("create", "--name", "taken", "-l", "x=y", "busybox", "true").ok();
        keeperPid = d.inspect("keeper", "{{.State.Pid}}");
    }

    static void assertError(String[] response, int status, String message) throws Exception {
        assertTrue(response[0].contains(" " + status + " "), "status " + status + ": " + response[0] + " " + response[1]);
        JsonNode body = JSON.readTree(response[1]);
        assertTrue(body.has("message"), "a {\"message\"} body: " + response[1]);
        assertTrue(body.path("message").asText().contains(message), "message contains '" + message + "': " + response[1]);
    }

    @ParameterizedTest
    @Order(1)
    @ValueSource(strings = {"docker", "berth"})
    void unknownImage(String c) throws Exception {
        BerthDaemon.Result run = d.client(c, "run", "nosuch/image:1");
        assertEquals(125, run.code(), run.all());
        assertTrue(run.err().contains("Unable to find image 'nosuch/image:1' locally"), run.err());
        assertError(d.raw("POST", "/v1.47/containers/create", "{\"Image\":\"nosuch/image:1\"}"), 404, "No such image: nosuch/image:1");
        BerthDaemon.Result rmi = d.client(c, "rmi", "nosuch/image:1");
        assertNotEquals(0, rmi.code());
        assertTrue(rmi.err().contains("No such image: nosuch/image:1"), rmi.err());
        assertError(d.raw("GET", "/v1.47/images/nosuch/json", null), 404, "No such image: nosuch");
    }

    @ParameterizedTest
    @Order(2)
    @ValueSource(strings = {"docker", "berth"})
    void unknownContainer(String c) throws Exception {
        for (String cmd : List.of("rm", "start", "stop", "kill", "logs", "wait")) {
            BerthDaemon.Result r = d.client(c, cmd, "nosuchcontainer");
            assertEquals(1, r.code(), cmd + ": " + r.all());
            assertTrue(r.err().contains("No such container: nosuchcontainer"), cmd + ": " + r.err());
        }
        assertEquals(1, d.client(c, "inspect", "nosuchcontainer").code());
        assertError(d.raw("GET", "/v1.47/containers/nosuchcontainer/json", null), 404, "No such container: nosuchcontainer");
        assertError(d.raw("POST", "/v1.47/containers/nosuchcontainer/start", null), 404, "No such container: nosuchcontainer");
    }

    @ParameterizedTest
    @Order(3)
    @ValueSource(strings = {"docker", "berth"})
    void nameConflict(String c) throws Exception {
        String takenId = d.inspect("taken", "{{.Id}}");
        BerthDaemon.Result created = d.client(c, "create", "--name", "taken", "busybox", "true");
        assertEquals(1, created.code(), "docker create exits 1 on a daemon error: " + created.all());
        BerthDaemon.Result conflict = d.client(c, "run", "--name", "taken", "busybox", "true");
        assertEquals(125, conflict.code(), conflict.all());
        assertTrue(conflict.err().contains("Conflict. The container name \"/taken\" is already in use by container \"" + takenId
                + "\". You have to remove (or rename) that container to be able to reuse that name."), conflict.err());
        assertError(d.raw("POST", "/v1.47/containers/create?name=taken", "{\"Image\":\"busybox\"}"), 409, "is already in use");
    }

    @Test
    @Order(4)
    void malformedJson() throws Exception {
        assertError(d.raw("POST", "/v1.47/containers/create", "{\"Image\": "), 400, "");
        assertError(d.raw("POST", "/v1.47/containers/create", "not json at all"), 400, "");
        String[] empty = d.raw("POST", "/v1.47/containers/create", "{}");
        assertTrue(empty[0].contains(" 400 "), "create without an image: " + empty[0] + " " + empty[1]);
    }

    @Test
    @Order(4)
    void wronglyTypedFieldsAreRejected() throws Exception {
        // Docker: 400 "json: cannot unmarshal object into Go struct field ... of type string"
        String[] r = d.raw("POST", "/v1.47/containers/create", "{\"Image\":\"busybox\",\"Cmd\":{\"not\":\"a list\"}}");
        String[] r2 = d.raw("POST", "/v1.47/containers/create", "{\"Image\":\"busybox\",\"HostConfig\":{\"Memory\":\"lots\"}}");
        for (String[] x : List.of(r, r2)) {
            if (x[0].contains(" 201 ")) {
                d.docker("rm", "-f", JSON.readTree(x[1]).path("Id").asText());
            }
        }
        assertError(r, 400, "");
        assertError(r2, 400, "");
    }

    @ParameterizedTest
    @Order(5)
    @ValueSource(strings = {"docker", "berth"})
    void badMemoryAndCpuValues(String c) throws Exception {
        BerthDaemon.Result mem = d.client(c, "run", "-m", "1k", "busybox", "true");
        assertEquals(125, mem.code(), mem.all());
        assertTrue(mem.err().contains("Minimum memory limit allowed is 6MB"), mem.err());
        assertError(d.raw("POST", "/v1.47/containers/create", "{\"Image\":\"busybox\",\"HostConfig\":{\"Memory\":1024}}"), 400,
                "Minimum memory limit allowed is 6MB");
        int cpus = Runtime.getRuntime().availableProcessors();
        BerthDaemon.Result cpu = d.client(c, "run", "--cpus", "5", "busybox", "true");
        assertEquals(125, cpu.code(), cpu.all());
        assertTrue(cpu.err().contains("Range of CPUs is from 0.01 to " + cpus + ".00, as there are only " + cpus + " CPUs available"),
                cpu.err());
        assertError(d.raw("POST", "/v1.47/containers/create", "{\"Image\":\"busybox\",\"HostConfig\":{\"NanoCpus\":5000000000}}"), 400,
                "Range of CPUs is from 0.01");
    }

    @ParameterizedTest
    @Order(6)
    @ValueSource(strings = {"docker", "berth"})
    void missingBinary(String c) throws Exception {
        String n = name(c + "-nobin");
        BerthDaemon.Result r = d.client(c, "run", "--name", n, "busybox", "nosuchbinary");
        assertEquals(127, r.code(), r.all());
        assertTrue(r.err().contains("exec: \"nosuchbinary\": executable file not found in $PATH"), r.err());
        assertEquals("created 127", d.inspect(n, "{{.State.Status}} {{.State.ExitCode}}"));
        assertTrue(d.inspect(n, "{{.State.Error}}").contains("executable file not found in $PATH"));
        String nid = d.inspect(n, "{{.Id}}").substring(0, 12);
        assertEquals("", d.leftoverMounts().lines().filter(l -> l.contains(nid)).reduce("", String::concat),
                "the failed start left no mount");
        d.client(c, "rm", n).ok();
        BerthDaemon.Result rm = d.client(c, "run", "--rm", "busybox", "/no/such/path");
        assertEquals(127, rm.code(), rm.all());
        BerthDaemon.Result notExec = d.client(c, "run", "--rm", "busybox", "/etc/passwd");
        assertEquals(126, notExec.code(), "a file that is not executable: " + notExec.all());
    }

    @Test
    @Order(7)
    void unknownStorageDriverStopsBerthdWithAClearMessage() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "be2e-baddriver");
        try {
            BerthDaemon.Result r = BerthDaemon.run(List.of(BerthDaemon.SRC.resolve("bin/berthd").toString(), "--data-root",
                    dir.resolve("data").toString(), "--exec-root", dir.resolve("exec").toString(), "-H",
                    "unix://" + dir.resolve("s.sock"), "--storage-driver", "nosuchdriver"), Map.of(), null, 30);
            assertNotEquals(0, r.code(), r.all());
            assertTrue(r.all().contains("nosuchdriver"), "the message names the driver: " + r.all());
        } finally {
            BerthDaemon.sh("rm -rf " + dir);
        }
    }

    @AfterAll
    static void theDaemonStillAnswersAndNothingWasLost() throws Exception {
        assertTrue(d.raw("GET", "/_ping", null)[0].contains(" 200 "));
        assertEquals("running " + keeperPid, d.inspect("keeper", "{{.State.Status}} {{.State.Pid}}"));
        assertTrue(ProcessHandle.of(Long.parseLong(keeperPid)).isPresent());
        assertEquals("created y", d.inspect("taken", "{{.State.Status}} {{index .Config.Labels \"x\"}}"));
        String ps = d.docker("ps", "-a", "--format", "{{.Names}}").ok().out();
        assertTrue(ps.lines().toList().containsAll(List.of("keeper", "taken")), ps);
        d.docker("rm", "-f", "keeper", "taken").ok();
    }
}
