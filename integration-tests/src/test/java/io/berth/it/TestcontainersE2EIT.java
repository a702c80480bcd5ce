package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Testcontainers-Java (the library users' tests call, docker-java inside) against berthd. Testcontainers
 * takes DOCKER_HOST and TESTCONTAINERS_RYUK_DISABLED from the process environment only (ResourceReaper
 * reads the latter with System.getenv) and keeps one client per JVM, so each scenario runs in
 * {@link TcClientMain} in a child JVM with this class's test classpath and an environment made here:
 * DOCKER_HOST on this class's socket, Ryuk disabled (it would pull testcontainers/ryuk), HOME and
 * user.home in the daemon's temp dir (Testcontainers reads and writes ~/.testcontainers.properties and
 * ~/.docker/config.json) and no inherited DOCKER_* or TESTCONTAINERS_* variable.
 */
class TestcontainersE2EIT extends E2E {

    static final ObjectMapper JSON = new ObjectMapper();

    /** Runs one scenario of {@link TcClientMain} in a child JVM and returns what it printed as JSON. */
    static JsonNode scenario(String name) throws Exception {
        Path home = d.root.resolve("tc-home");
        Files.createDirectories(home);
        String java = ProcessHandle.current().info().command().orElseThrow(() -> new AssertionError("no path of this JVM"));
        String classpath = System.getProperty("java.class.path");
        assertTrue(classpath.contains("testcontainers-"), "Testcontainers is not on the test classpath: " + classpath);
        List<String> cmd = new ArrayList<>(List.of(java, "-Duser.home=" + home,
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-cp", classpath, TcClientMain.class.getName(), name));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("DOCKER_") || k.startsWith("TESTCONTAINERS_"));
        env.put("HOME", home.toString());
        env.put("DOCKER_HOST", "unix://" + d.socket());
        env.put("DOCKER_CONFIG", d.root.resolve("dockercfg").toString());
        env.put("TESTCONTAINERS_RYUK_DISABLED", "true");
        // This machine is itself a container (/.dockerenv): there Testcontainers asks for the engine's
        // "bridge" network to find the host's address, and berthd has no networks API yet (501). A user
        // on a plain host does not get that request; the override makes the test machine look like one.
        env.put("TESTCONTAINERS_HOST_OVERRIDE", "localhost");
        Path out = Files.createTempFile(d.root, "tc-" + name, ".out");
        Path err = Files.createTempFile(d.root, "tc-" + name, ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        boolean ended = p.waitFor(240, TimeUnit.SECONDS);
        if (!ended) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String stdout = Files.readString(out);
        String stderr = Files.readString(err);
        String what = "Testcontainers scenario " + name + (ended ? " exited " + p.exitValue() : " timed out after 240 s")
                + "\n---- stdout:\n" + stdout + "\n---- stderr (Testcontainers' log):\n" + stderr;
        if (!ended || p.exitValue() != 0) {
            fail(what);
        }
        String line = stdout.lines().filter(l -> l.startsWith(TcClientMain.MARK)).findFirst()
                .orElseThrow(() -> new AssertionError("no result line: " + what));
        JsonNode result = JSON.readTree(line.substring(TcClientMain.MARK.length()));
        System.out.println("Testcontainers " + name + ": " + result);
        return result;
    }

    @AfterEach
    void removeTheScenariosContainers() throws Exception {
        // Testcontainers removes its containers itself (stop(), and the JVM hook with Ryuk off); this is
        // for a scenario that died half-way, so the next test and the class's leftover check start clean
        String ids = d.docker("ps", "-aq", "--filter", "label=" + TcClientMain.LABEL).ok().out().trim();
        if (!ids.isEmpty()) {
            List<String> rm = new ArrayList<>(List.of("rm", "-f"));
            rm.addAll(List.of(ids.split("\\s+")));
            d.docker(rm.toArray(String[]::new));
        }
    }

    static void connected(JsonNode r) throws Exception {
        // getActiveApiVersion() is the server's ApiVersion from GET /version (docker-java itself always sends /v1.44/)
        assertEquals(d.docker("version", "-f", "{{.Server.APIVersion}}").ok().out().trim(), r.path("apiVersion").asText());
        assertEquals(d.docker("version", "-f", "{{.Server.Version}}").ok().out().trim(), r.path("serverVersion").asText());
        assertEquals(0, r.path("leftAtEnd").asInt(-1), "every container of the scenario was removed: " + r);
        assertEquals("", d.docker("ps", "-aq", "--filter", "label=" + TcClientMain.LABEL).ok().out().trim(),
                "nothing of the scenario is left for the docker CLI either");
    }

    @Test
    void genericContainerWaitsForALogLineAndStops() throws Exception {
        JsonNode r = scenario("logs");
        connected(r);
        assertTrue(r.path("id").asText().matches("[0-9a-f]{64}"), r.toString());
        assertTrue(r.path("running").asBoolean(), "isRunning() after start: " + r);
        assertEquals("running", r.path("status").asText());
        assertEquals("busybox:latest", r.path("image").asText());
        assertEquals("testcontainers", r.path("labels").path(TcClientMain.LABEL).asText(), r.toString());
        assertEquals("true", r.path("labels").path("org.testcontainers").asText(), "Testcontainers' own labels: " + r);
        assertTrue(r.path("labels").has("org.testcontainers.sessionId"), r.toString());
        assertEquals("hello-tc\nready-tc\n", r.path("stdout").asText(), "getLogs(STDOUT)");
        assertEquals("to-stderr\n", r.path("stderr").asText(), "getLogs(STDERR)");
        String all = r.path("logs").asText();
        assertTrue(all.contains("hello-tc\n") && all.contains("to-stderr\n") && all.contains("ready-tc\n"), "getLogs(): " + all);
        assertFalse(r.path("runningAfterStop").asBoolean(true), "isRunning() after stop(): " + r);
        assertTrue(r.path("goneAfterStop").asBoolean(), "stop() removes the container: " + r);
        assertTrue(r.path("stopMillis").asLong() < 10_000, "stop() (kill + remove) took " + r.path("stopMillis") + " ms");
    }

    @Test
    void exitCodeThroughTheDockerClientTestcontainersExposes() throws Exception {
        JsonNode r = scenario("exitCode");
        connected(r);
        assertEquals(3, r.path("waitStatusCode").asInt(-1), "waitContainerCmd().awaitStatusCode(): " + r);
        assertEquals("exited", r.path("status").asText(), r.toString());
        assertEquals(3, r.path("exitCode").asInt(-1), "inspect State.ExitCode: " + r);
        assertFalse(r.path("running").asBoolean(true), "isRunning() once it exited: " + r);
        assertEquals("started-tc\nbye-tc\n", r.path("logs").asText());
    }

    @Test
    void oneShotStartupCheckSeesExitCodes() throws Exception {
        JsonNode r = scenario("oneShot");
        connected(r);
        assertEquals(0, r.path("okExitCode").asInt(-1), r.toString());
        assertEquals("once-tc\n", r.path("okLogs").asText(), r.toString());
        assertFalse(r.path("badStarted").asBoolean(true), "a one-shot container exiting 4 fails to launch: " + r);
        assertTrue(r.path("badError").asText().contains("Container startup failed"), r.path("badError").asText());
    }
}
