package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docker-py (Debian's python3-docker 5.0.3, run by /usr/bin/python3, installed by scripts/packages.sh)
 * against berthd: the script dockerpy_client.py (test resources) drives one scenario with
 * {@code docker.DockerClient(base_url="unix://<socket>", version="auto")} and prints what it saw as
 * JSON; the assertions are here.
 */
class DockerPyE2EIT extends E2E {

    static final String PYTHON = "/usr/bin/python3";
    static final String MARK = "@@py-result ";
    static final String LABEL = "io.berth.it.client=docker-py";
    static final ObjectMapper JSON = new ObjectMapper();

    static Path script;

    @BeforeAll
    static void findDockerPy() throws Exception {
        assertTrue(Files.isExecutable(Path.of(PYTHON)), PYTHON + " is missing: apt-get install python3-docker (scripts/packages.sh)");
        BerthDaemon.Result r = BerthDaemon.run(List.of(PYTHON, "-c", "import docker; print(docker.__version__)"), Map.of(), null);
        assertEquals(0, r.code(), "docker-py is not importable by " + PYTHON
                + ": apt-get install python3-docker (scripts/packages.sh)\n" + r.all());
        assertTrue(r.out().trim().startsWith("5."), "expected Debian's python3-docker 5.x, found " + r.out());
        var url = DockerPyE2EIT.class.getResource("dockerpy_client.py");
        assertTrue(url != null, "dockerpy_client.py is not among the test resources");
        script = Path.of(url.toURI());
    }

    /** Runs one scenario of dockerpy_client.py against this class's berthd; returns its JSON. */
    static JsonNode scenario(String name) throws Exception {
        String run = name + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        Map<String, String> env = Map.of("DOCKER_CONFIG", d.root.resolve("dockercfg").toString(), "PYTHONDONTWRITEBYTECODE", "1");
        BerthDaemon.Result r = BerthDaemon.run(List.of(PYTHON, script.toString(), "unix://" + d.socket(), name, run), env, null, 180);
        String what = "docker-py scenario " + name + " exited " + r.code() + "\n---- stdout:\n" + r.out() + "\n---- stderr:\n" + r.err();
        if (r.code() != 0) {
            fail(what);
        }
        String line = r.out().lines().filter(l -> l.startsWith(MARK)).findFirst()
                .orElseThrow(() -> new AssertionError("no result line: " + what));
        JsonNode result = JSON.readTree(line.substring(MARK.length()));
        System.out.println("docker-py " + name + ": " + result);
        assertEquals(0, result.path("leftAtEnd").asInt(-1), "the scenario removed its containers: " + result);
        return result;
    }

    @AfterEach
    void removeTheScenariosContainers() throws Exception {
        // the script removes what it made, even when it fails; this covers a script that was killed
        String ids = d.docker("ps", "-aq", "--filter", "label=" + LABEL).ok().out().trim();
        if (!ids.isEmpty()) {
            List<String> rm = new ArrayList<>(List.of("rm", "-f"));
            rm.addAll(List.of(ids.split("\\s+")));
            d.docker(rm.toArray(String[]::new));
        }
        assertEquals("", d.docker("ps", "-aq", "--filter", "label=" + LABEL).ok().out().trim());
    }

    static List<String> texts(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    @Test
    void versionPingAndImages() throws Exception {
        JsonNode r = scenario("system");
        assertTrue(r.path("ping").asBoolean(), r.toString());
        String api = d.docker("version", "-f", "{{.Server.APIVersion}}").ok().out().trim();
        assertEquals(api, r.path("version").path("ApiVersion").asText(), r.toString());
        assertEquals(api, r.path("clientApiVersion").asText(), "version=auto takes the server's ApiVersion: " + r);
        assertEquals(d.docker("version", "-f", "{{.Server.Version}}").ok().out().trim(), r.path("version").path("Version").asText());
        assertEquals("linux", r.path("version").path("Os").asText());
        String busybox = d.docker("image", "inspect", "-f", "{{.Id}}", "busybox:latest").ok().out().trim();
        assertEquals(busybox, r.path("busyboxImage").asText(), r.toString());
        boolean listed = false;
        for (JsonNode image : r.path("images")) {
            if (image.path("id").asText().equals(busybox)) {
                assertTrue(texts(image.path("tags")).contains("busybox:latest"), image.toString());
                listed = true;
            }
        }
        assertTrue(listed, "images.list() shows busybox: " + r.path("images"));
    }

    @Test
    void runAndAttachReturnTheOutputAndRunRaisesOnAFailure() throws Exception {
        JsonNode r = scenario("attached");
        assertEquals("hello-py\n", r.path("runOutput").asText(), "containers.run(remove=True) returns stdout: " + r);
        assertEquals("out-py\nerr-py\n", r.path("runBoth").asText(), "stdout=True, stderr=True: " + r);
        assertFalse(r.path("runError").isNull(), "exit 3 raises ContainerError: " + r);
        assertEquals(3, r.path("runError").path("exit_status").asInt(), r.toString());
        assertEquals("oops-py\n", r.path("runError").path("stderr").asText(), r.toString());
        assertEquals(List.of("att-out\natt-err\natt-late\n"), texts(r.path("attachStream")).stream().distinct().toList(),
                "attach(stream=True) before start gets everything, every time: " + r);
        assertEquals(5, r.path("attachStream").size(), r.toString());
        assertEquals(List.of("0"), texts(r.path("attachWait")).stream().distinct().toList(), r.toString());
    }

    @Test
    void detachedRunLogsWaitAndRemove() throws Exception {
        JsonNode r = scenario("detached");
        assertTrue(r.path("detachedName").asText().startsWith("py-det-"), r.toString());
        assertEquals(7, r.path("detachedWait").path("StatusCode").asInt(-1), "wait(): " + r);
        assertTrue(r.path("detachedWait").has("Error"), "wait() body has Error: " + r);
        assertEquals("det-out\ndet-err\n", r.path("detachedLogs").asText(), "logs(): " + r);
        assertEquals("det-out\n", r.path("detachedStdout").asText(), "logs(stderr=False): " + r);
        assertEquals("det-err\n", r.path("detachedStderr").asText(), "logs(stdout=False): " + r);
        assertEquals("exited", r.path("detachedStatus").asText(), r.toString());
        assertEquals(7, r.path("detachedExitCode").asInt(-1), r.toString());
        assertTrue(r.path("detachedGone").asBoolean(), "remove(force=True), then get() raises NotFound: " + r);
    }

    @Test
    void imagesBuildStreamsTheLogAndRaisesBuildError() throws Exception {
        JsonNode r = scenario("built");
        assertEquals(1, r.path("builtTags").size(), r.toString());
        assertTrue(r.path("builtTags").get(0).asText().startsWith("py-built-"), r.toString());
        assertTrue(r.path("builtLog").asText().contains("Step 3/4 : RUN echo built-by-$WHO > /who\n"), r.toString());
        assertTrue(r.path("builtLog").asText().contains("Successfully built "), r.toString());
        assertEquals("built-by-docker-py\n", r.path("builtRun").asText(), r.toString());
        assertEquals("The command '/bin/sh -c exit 4' returned a non-zero code: 4", r.path("buildError").asText(), r.toString());
    }

    @Test
    void labelsAndListFilters() throws Exception {
        JsonNode r = scenario("labelled");
        String a = r.path("short").path("a").asText();
        String b = r.path("short").path("b").asText();
        assertEquals(List.of(a, b).stream().sorted().toList(), texts(r.path("listAll")), "list(all=True, label=run): " + r);
        assertEquals(List.of(a), texts(r.path("listRunning")), "list(label=run) shows only the running one: " + r);
        assertEquals(List.of(b), texts(r.path("listRoleB")), "two label filters are ANDed: " + r);
        assertEquals(List.of(a, b).stream().sorted().toList(), texts(r.path("listRoleKey")), "a label key alone: " + r);
        assertEquals(List.of(), texts(r.path("listNoMatch")), r.toString());
        assertEquals("a", r.path("labelsOfA").path("role").asText(), r.toString());
        assertEquals("docker-py", r.path("labelsOfA").path("io.berth.it.client").asText(), r.toString());
        assertEquals("created", r.path("statusOfB").asText(), r.toString());
        assertEquals("exited", r.path("stoppedStatus").asText(), "stop(timeout=1): " + r);
    }
}
