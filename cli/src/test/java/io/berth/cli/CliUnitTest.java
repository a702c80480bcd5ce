package io.berth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CliUnitTest {

    @Test
    void flagsParseLikeDockers() throws Exception {
        Flags f = ContainerCommands.createFlags().parse(List.of("-it", "--rm", "-e", "A=1", "--env=B=2", "-m32m",
                "--name", "x", "busybox", "sh", "-c", "echo -n hi"));
        assertTrue(f.bool("interactive"));
        assertTrue(f.bool("tty"));
        assertTrue(f.bool("rm"));
        assertEquals(List.of("A=1", "B=2"), f.all("env"));
        assertEquals("32m", f.get("memory"));
        assertEquals(List.of("busybox", "sh", "-c", "echo -n hi"), f.positional(), "flags after the image belong to the command");
        assertThrows(Flags.UsageException.class, () -> ContainerCommands.createFlags().parse(List.of("--nope", "busybox")));
        assertThrows(Flags.UsageException.class, () -> ContainerCommands.createFlags().parse(List.of("--name")));
    }

    @Test
    void createBodyMatchesTheDockerCli() throws Exception {
        JsonNode body = ContainerCommands.createBody(ContainerCommands.createFlags().parse(List.of("-d", "--name", "web",
                "-m", "64m", "--cpus", "0.5", "--cap-add", "NET_ADMIN", "-l", "app=demo", "--pids-limit", "6",
                "busybox", "sleep", "100")));
        assertEquals("busybox", body.path("Image").asText());
        assertEquals("sleep", body.path("Cmd").get(0).asText());
        assertEquals(67108864, body.path("HostConfig").path("Memory").asLong());
        assertEquals(500000000, body.path("HostConfig").path("NanoCpus").asLong());
        assertEquals(6, body.path("HostConfig").path("PidsLimit").asLong());
        assertEquals("NET_ADMIN", body.path("HostConfig").path("CapAdd").get(0).asText());
        assertEquals("demo", body.path("Labels").path("app").asText());
        assertEquals(false, body.path("AttachStdout").asBoolean(), "a detached run attaches nothing");
        assertEquals("default", body.path("HostConfig").path("NetworkMode").asText());
    }

    @Test
    void humanUnitsAsGoUnits() {
        assertEquals("4.4MB", Human.size(4_400_000));
        assertEquals("1.98MB", Human.size(1_978_000));
        assertEquals("12.3kB", Human.size(12_345));
        assertEquals("0B", Human.size(0));
        assertEquals("About a minute", Human.duration(Duration.ofSeconds(75)));
        assertEquals("2 hours", Human.duration(Duration.ofMinutes(130)));
        assertEquals(32L << 20, Human.parseBytes("32m"));
        assertEquals("sh -c while true; d…", Human.ellipsis("sh -c while true; do echo tick; done", 20));
    }

    @Test
    void tablesPadLikeTabwriter() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new Table("REPOSITORY", "TAG", "IMAGE ID").row("busybox", "latest", "d537f9d055a3").print(new PrintStream(out));
        assertEquals("REPOSITORY   TAG       IMAGE ID\nbusybox      latest    d537f9d055a3\n", out.toString());
    }

    @Test
    void templatesRenderFields() throws Exception {
        JsonNode n = ApiClient.JSON.readTree("{\"State\":{\"Status\":\"exited\",\"ExitCode\":3},\"Name\":\"/w\"}");
        assertEquals("exited 3 /w", Templates.render("{{.State.Status}} {{.State.ExitCode}} {{.Name}}", n));
        assertEquals("{\"Status\":\"exited\",\"ExitCode\":3}", Templates.render("{{json .State}}", n));
        assertEquals("a\tb", Templates.render("{{.ID}}\\t{{.Names}}", Map.of("ID", "a", "Names", "b")));
    }

    @Test
    void demuxSplitsStdoutAndStderr() throws Exception {
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        frames.write(new byte[] {1, 0, 0, 0, 0, 0, 0, 3});
        frames.write("hi\n".getBytes(StandardCharsets.UTF_8));
        frames.write(new byte[] {2, 0, 0, 0, 0, 0, 0, 4});
        frames.write("err\n".getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Streams.demux(new ByteArrayInputStream(frames.toByteArray()), out, err);
        assertEquals("hi\n", out.toString());
        assertEquals("err\n", err.toString());
    }

    @Test
    void chunkedBodiesDecode() throws Exception {
        byte[] raw = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals("hello world", new String(new ApiClient.ChunkedInputStream(new ByteArrayInputStream(raw)).readAllBytes()));
    }

    @Test
    void startErrorsBecomeDockersExitCodes() {
        assertEquals(127, ContainerCommands.startErrorCode("exec: \"x\": executable file not found in $PATH"));
        assertEquals(126, ContainerCommands.startErrorCode("exec: \"/etc\": permission denied"));
        assertEquals(125, ContainerCommands.startErrorCode("network bridge not found"));
    }

    @Test
    void sinceTakesDurationsAndTimes() {
        double since = Double.parseDouble(Main.timestamp("10m"));
        assertTrue(Math.abs(System.currentTimeMillis() / 1000.0 - 600 - since) < 5);
        assertEquals("1795837972", Main.timestamp("1795837972"));
        assertEquals(java.time.Instant.parse("2026-11-28T04:32:52Z").getEpochSecond() + ".000000000", Main.timestamp("2026-11-28T04:32:52Z"));
    }

    @Test
    void stopSendsItsTimeout() throws Exception {
        Flags f = new Flags(false).option("-t", "--time", "--timeout").option("-s", "--signal").parse(List.of("-t", "3", "web"));
        assertEquals("3", f.get("timeout"), "the value stops under the flag's long name, which the stop request reads");
    }

    @Test
    void networkFlagReachesTheCreateBody() throws Exception {
        for (String flag : List.of("--network", "--net")) {
            JsonNode body = ContainerCommands.createBody(ContainerCommands.createFlags().parse(List.of(flag, "host", "busybox")));
            assertEquals("host", body.path("HostConfig").path("NetworkMode").asText(), flag);
        }
    }
}
