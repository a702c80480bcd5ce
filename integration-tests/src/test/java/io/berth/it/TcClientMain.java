package io.berth.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.ContainerLaunchException;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * The Testcontainers side of {@link TestcontainersE2EIT}, run in a child JVM whose environment the test
 * sets (DOCKER_HOST, TESTCONTAINERS_RYUK_DISABLED, HOME): Testcontainers reads those from the process
 * environment and keeps its client in a JVM-wide singleton, so a JVM of its own per scenario is the only
 * clean way to point it at one test's berthd. It drives the library the way a user's test does and
 * prints what it saw as one JSON line after {@link #MARK}; the JUnit test asserts on it. Any exception
 * ends the JVM with a non-zero status and its stack trace on stderr.
 */
public final class TcClientMain {

    static final String MARK = "@@tc-result ";
    /** A label on every container the scenarios make (on top of Testcontainers' own). */
    static final String LABEL = "io.berth.it.client";

    private TcClientMain() {}

    public static void main(String[] args) throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        DockerClientFactory factory = DockerClientFactory.instance();
        DockerClient docker = factory.client();
        out.put("apiVersion", factory.getActiveApiVersion());
        out.put("serverVersion", docker.versionCmd().exec().getVersion());
        switch (args[0]) {
            case "logs":
                logs(docker, out);
                break;
            case "exitCode":
                exitCode(docker, out);
                break;
            case "oneShot":
                oneShot(out);
                break;
            default:
                throw new IllegalArgumentException("unknown scenario " + args[0]);
        }
        // the containers of this session as Testcontainers' own clean-up finds them (label filters)
        List<Container> left = docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(LABEL, "testcontainers")).exec();
        out.put("leftAtEnd", left.size());
        System.out.println(MARK + new ObjectMapper().writeValueAsString(out));
        System.out.flush();
    }

    private static GenericContainer<?> busybox(String script) {
        return new GenericContainer<>("busybox:latest").withCommand("sh", "-c", script)
                .withLabel(LABEL, "testcontainers").withStartupTimeout(Duration.ofSeconds(60));
    }

    /** A long-running container: log-message wait strategy, getLogs, isRunning, stop. */
    private static void logs(DockerClient docker, Map<String, Object> out) {
        String id;
        try (GenericContainer<?> c = busybox("echo hello-tc; echo to-stderr >&2; echo ready-tc; sleep 300")
                .waitingFor(Wait.forLogMessage(".*ready-tc.*\\n", 1))) {
            long t0 = System.nanoTime();
            c.start();
            out.put("startMillis", (System.nanoTime() - t0) / 1_000_000);
            id = c.getContainerId();
            out.put("id", id);
            out.put("running", c.isRunning());
            out.put("logs", c.getLogs());
            out.put("stdout", c.getLogs(OutputFrame.OutputType.STDOUT));
            out.put("stderr", c.getLogs(OutputFrame.OutputType.STDERR));
            InspectContainerResponse info = c.getCurrentContainerInfo();
            out.put("status", info.getState().getStatus());
            out.put("image", info.getConfig().getImage());
            out.put("labels", info.getConfig().getLabels());
            out.put("host", c.getHost());
            t0 = System.nanoTime();
            c.stop();
            out.put("stopMillis", (System.nanoTime() - t0) / 1_000_000);
            out.put("runningAfterStop", c.isRunning());
        }
        try {
            docker.inspectContainerCmd(id).exec();
            out.put("goneAfterStop", false);
        } catch (NotFoundException e) {
            out.put("goneAfterStop", true);
        }
    }

    /** A container that exits with 3 after it started: its status code through Testcontainers' docker client. */
    private static void exitCode(DockerClient docker, Map<String, Object> out) {
        try (GenericContainer<?> c = busybox("echo started-tc; sleep 1; echo bye-tc; exit 3")
                .waitingFor(Wait.forLogMessage(".*started-tc.*\\n", 1))) {
            c.start();
            String id = c.getContainerId();
            DockerClient client = c.getDockerClient();
            Integer status = client.waitContainerCmd(id).start().awaitStatusCode(60, TimeUnit.SECONDS);
            out.put("waitStatusCode", status);
            InspectContainerResponse info = client.inspectContainerCmd(id).exec();
            out.put("status", info.getState().getStatus());
            out.put("exitCode", info.getState().getExitCodeLong());
            out.put("running", c.isRunning());
            out.put("logs", c.getLogs());
            c.stop();
        }
    }

    /** OneShotStartupCheckStrategy: a command that exits 0 starts, one that exits 4 is a launch failure. */
    private static void oneShot(Map<String, Object> out) {
        try (GenericContainer<?> ok = busybox("echo once-tc").withStartupCheckStrategy(
                new OneShotStartupCheckStrategy().withTimeout(Duration.ofSeconds(60)))) {
            ok.start();
            out.put("okExitCode", ok.getCurrentContainerInfo().getState().getExitCodeLong());
            out.put("okLogs", ok.getLogs());
            ok.stop();
        }
        try (GenericContainer<?> bad = busybox("echo failing-tc; exit 4").withStartupCheckStrategy(
                new OneShotStartupCheckStrategy().withTimeout(Duration.ofSeconds(60)))) {
            bad.start();
            out.put("badStarted", true);
        } catch (ContainerLaunchException e) {
            StringBuilder causes = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                causes.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append('\n');
            }
            out.put("badStarted", false);
            out.put("badError", causes.toString());
        }
    }
}
