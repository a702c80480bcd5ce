package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The container lifecycle commands, each through the docker CLI and through bin/berth. */
class RunBasicsE2EIT extends E2E {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String TICKER = "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.3; done";

    static boolean eventually(Callable<Boolean> condition, long millis) throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            if (condition.call()) {
                return true;
            }
            Thread.sleep(100);
        }
        return condition.call();
    }

    static int lastTick(String logs) {
        List<String> lines = logs.lines().filter(l -> l.startsWith("tick ")).toList();
        return lines.isEmpty() ? 0 : Integer.parseInt(lines.get(lines.size() - 1).substring(5).trim());
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void runPrintsOutputAndReturnsTheExitCode(String c) throws Exception {
        BerthDaemon.Result hi = d.client(c, "run", "--rm", "busybox", "echo", "hi").ok();
        assertEquals("hi\n", hi.out());
        String n = name(c + "-exit");
        BerthDaemon.Result three = d.client(c, "run", "--name", n, "busybox", "sh", "-c", "exit 3");
        assertEquals(3, three.code(), three.all());
        assertEquals("exited 3", d.inspect(n, "{{.State.Status}} {{.State.ExitCode}}"));
        BerthDaemon.Result both = d.client(c, "run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2");
        assertEquals("out\n", both.out());
        assertEquals("err\n", both.err());
        assertEquals("hello world\n", d.client(c, "run", "--rm", "-e", "GREETING=hello world", "busybox", "sh", "-c",
                "echo $GREETING").ok().out(), "-e reaches the process");
        d.client(c, "rm", n).ok();
        assertFalse(d.docker("ps", "-a").ok().out().contains(n));
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void detachedContainerAndItsLogs(String c) throws Exception {
        String web = name(c + "-web");
        String id = d.client(c, "run", "-d", "--name", web, "busybox", "sh", "-c", TICKER).ok().out().trim();
        assertTrue(id.matches("[0-9a-f]{64}"), "run -d prints the id: " + id);
        assertTrue(eventually(() -> lastTick(d.client(c, "logs", web).out()) >= 4, 10_000), "ticks logged");

        String logs = d.client(c, "logs", web).ok().out();
        assertTrue(logs.startsWith("tick 1\ntick 2\ntick 3\n"), logs);

        String tail = d.client(c, "logs", "--tail", "2", web).ok().out();
        assertEquals(2, tail.lines().count(), tail);
        assertTrue(tail.matches("tick \\d+\\ntick \\d+\\n"), tail);

        String stamped = d.client(c, "logs", "--timestamps", "--tail", "3", web).ok().out();
        for (String line : stamped.lines().toList()) {
            assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+Z tick \\d+"), "RFC3339Nano timestamp: " + line);
        }

        // --since: only lines written after the instant
        int before = lastTick(d.client(c, "logs", web).out());
        Instant since = Instant.now();
        Thread.sleep(1000);
        String sinceOut = d.client(c, "logs", "--timestamps", "--since",
                since.getEpochSecond() + "." + String.format("%09d", since.getNano()), web).ok().out();
        assertFalse(sinceOut.isBlank(), "lines since " + since);
        for (String line : sinceOut.lines().toList()) {
            assertFalse(Instant.parse(line.substring(0, line.indexOf(' '))).isBefore(since), "a line before --since: " + line);
        }
        int firstSince = Integer.parseInt(sinceOut.lines().findFirst().orElseThrow().split(" ")[2]);
        assertTrue(firstSince > before, "--since " + since + " started at tick " + firstSince + ", before: " + before);

        // logs -f: gets new lines while they are written and ends when the container is stopped
        try (BerthDaemon.Bg follow = d.background(c, "logs", "-f", web)) {
            int now = lastTick(d.client(c, "logs", web).out());
            assertTrue(follow.awaitOut("tick " + (now + 2) + "\n", 10_000), "logs -f follows: " + follow.out() + follow.err());
            assertTrue(follow.process.isAlive(), "logs -f keeps following");
            d.client(c, "stop", "-t", "1", web).ok();
            assertEquals(0, follow.await(15), "logs -f ends with the container: " + follow.err());
        }
        d.client(c, "rm", web).ok();
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void stopHonoursATrapQuickly(String c) throws Exception {
        String n = name(c + "-trap");
        d.client(c, "run", "-d", "--name", n, "busybox", "sh", "-c",
                "trap 'echo got TERM; exit 0' TERM; echo ready; while true; do sleep 0.1; done").ok();
        assertTrue(eventually(() -> d.client(c, "logs", n).out().contains("ready"), 5000));
        long t0 = System.nanoTime();
        d.client(c, "stop", n).ok();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 3000, "a trapped SIGTERM ends the container quickly; stop took " + ms + " ms");
        assertEquals("exited 0", d.inspect(n, "{{.State.Status}} {{.State.ExitCode}}"));
        assertTrue(d.client(c, "logs", n).out().contains("got TERM"));
        d.client(c, "rm", n).ok();
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void stopEscalatesToSigkillAfterTheTimeout(String c) throws Exception {
        // busybox sh as PID 1 without a trap ignores SIGTERM
        String n = name(c + "-stubborn");
        d.client(c, "run", "-d", "--name", n, "busybox", "sh", "-c", "while true; do sleep 0.2; done").ok();
        Thread.sleep(300);
        long t0 = System.nanoTime();
        d.client(c, "stop", "-t", "2", n).ok();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 2000 && ms < 10_000, "stop -t 2 took " + ms + " ms");
        assertEquals("exited 137", d.inspect(n, "{{.State.Status}} {{.State.ExitCode}}"));
        d.client(c, "rm", n).ok();
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void killDeliversSignals(String c) throws Exception {
        String n = name(c + "-sig");
        d.client(c, "run", "-d", "--name", n, "busybox", "sh", "-c",
                "trap 'echo got USR1' USR1; echo ready; while true; do sleep 0.1; done").ok();
        assertTrue(eventually(() -> d.client(c, "logs", n).out().contains("ready"), 5000));
        d.client(c, "kill", "-s", "USR1", n).ok();
        assertTrue(eventually(() -> d.client(c, "logs", n).out().contains("got USR1"), 5000), "USR1 reached the trap");
        assertEquals("running", d.inspect(n, "{{.State.Status}}"), "USR1 does not end it");
        d.client(c, "kill", n).ok();
        assertTrue(eventually(() -> d.inspect(n, "{{.State.Status}}").equals("exited"), 5000));
        assertEquals("137", d.inspect(n, "{{.State.ExitCode}}"), "SIGKILL by default");
        BerthDaemon.Result notRunning = d.client(c, "kill", n);
        assertNotEquals(0, notRunning.code());
        assertTrue(notRunning.err().contains("is not running"), notRunning.err());
        d.client(c, "rm", n).ok();
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void startRestartAndRemove(String c) throws Exception {
        String n = name(c + "-life");
        d.client(c, "create", "--name", n, "busybox", "sh", "-c", "echo run; exec sleep 60").ok();
        assertEquals("created", d.inspect(n, "{{.State.Status}}"));
        d.client(c, "start", n).ok();
        assertEquals("running", d.inspect(n, "{{.State.Status}}"));
        long pid1 = Long.parseLong(d.inspect(n, "{{.State.Pid}}"));
        String started1 = d.inspect(n, "{{.State.StartedAt}}");
        assertTrue(eventually(() -> d.client(c, "logs", n).out().equals("run\n"), 5000));

        // rm without -f refuses a running container (409)
        BerthDaemon.Result refused = d.client(c, "rm", n);
        assertNotEquals(0, refused.code());
        assertTrue(refused.err().contains("cannot remove container") || refused.err().contains("stop the container before removing"),
                refused.err());
        assertEquals("running", d.inspect(n, "{{.State.Status}}"));

        d.client(c, "restart", "-t", "1", n).ok();
        assertEquals("running", d.inspect(n, "{{.State.Status}}"));
        long pid2 = Long.parseLong(d.inspect(n, "{{.State.Pid}}"));
        assertNotEquals(pid1, pid2, "restart runs a new process");
        assertFalse(ProcessHandle.of(pid1).isPresent(), "the old process is gone");
        assertNotEquals(started1, d.inspect(n, "{{.State.StartedAt}}"));
        assertTrue(eventually(() -> d.client(c, "logs", n).out().equals("run\nrun\n"), 5000), "both runs share the log");

        d.client(c, "kill", n).ok();
        assertTrue(eventually(() -> d.inspect(n, "{{.State.Status}}").equals("exited"), 5000));
        d.client(c, "start", n).ok();
        assertEquals("running", d.inspect(n, "{{.State.Status}}"), "start brings an exited container back");
        long pid3 = Long.parseLong(d.inspect(n, "{{.State.Pid}}"));

        // rm -f of a running one kills it and removes it
        d.client(c, "rm", "-f", n).ok();
        assertTrue(eventually(() -> !ProcessHandle.of(pid3).isPresent(), 3000), "rm -f killed the process");
        BerthDaemon.Result gone = d.docker("inspect", n);
        assertEquals(1, gone.code());
        assertTrue(gone.err().contains("No such object: " + n) || gone.err().contains("No such container: " + n), gone.err());

        // plain rm of an exited one
        String m = name(c + "-rm");
        d.client(c, "run", "--name", m, "busybox", "true").ok();
        assertEquals(m + "\n", d.client(c, "rm", m).ok().out(), "rm prints the name it was given");
        assertEquals(1, d.docker("inspect", m).code());
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void psListsAndFilters(String c) throws Exception {
        String up = name(c + "-up");
        String down = name(c + "-down");
        String upId = d.client(c, "run", "-d", "--name", up, "-l", "tier=web", "busybox", "sleep", "60").ok().out().trim();
        d.client(c, "run", "--name", down, "-l", "tier=db", "busybox", "true").ok();
        String downId = d.inspect(down, "{{.Id}}");

        String ps = d.client(c, "ps").ok().out();
        assertTrue(ps.startsWith("CONTAINER ID   IMAGE"), ps);
        assertTrue(ps.contains(up) && !ps.contains(down), "ps lists running ones only: " + ps);
        String all = d.client(c, "ps", "-a").ok().out();
        assertTrue(all.contains(up) && all.contains(down), all);
        assertTrue(all.matches("(?s).*" + downId.substring(0, 12) + "\\s+busybox\\s+\"true\".*Exited \\(0\\).*"), all);
        assertTrue(d.client(c, "ps", "-q").ok().out().lines().anyMatch(l -> l.equals(upId.substring(0, 12))));
        assertTrue(d.client(c, "ps", "-aq").ok().out().lines().anyMatch(l -> l.equals(downId.substring(0, 12))));

        assertEquals(upId.substring(0, 12) + "\n", d.client(c, "ps", "-aq", "--filter", "name=" + up).ok().out());
        assertEquals(downId.substring(0, 12) + "\n", d.client(c, "ps", "-aq", "--filter", "name=" + down).ok().out());
        String exited = d.client(c, "ps", "-aq", "--filter", "status=exited").ok().out();
        assertTrue(exited.contains(downId.substring(0, 12)) && !exited.contains(upId.substring(0, 12)), exited);
        String running = d.client(c, "ps", "-aq", "--filter", "status=running").ok().out();
        assertTrue(running.contains(upId.substring(0, 12)) && !running.contains(downId.substring(0, 12)), running);
        assertEquals(upId.substring(0, 12) + "\n", d.client(c, "ps", "-aq", "--filter", "label=tier=web").ok().out());
        String labelled = d.client(c, "ps", "-aq", "--filter", "label=tier").ok().out();
        assertTrue(labelled.contains(upId.substring(0, 12)) && labelled.contains(downId.substring(0, 12)), labelled);
        assertEquals("", d.client(c, "ps", "-aq", "--filter", "label=tier=cache").ok().out());
        d.client(c, "rm", "-f", up, down).ok();
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void inspectShowsStateConfigAndName(String c) throws Exception {
        String n = name(c + "-insp");
        String id = d.client(c, "run", "-d", "--name", n, "-e", "A=1", "-l", "k=v", "busybox", "sleep", "60").ok().out().trim();
        JsonNode arr = JSON.readTree(d.client(c, "inspect", n).ok().out());
        assertTrue(arr.isArray() && arr.size() == 1, arr.toString());
        JsonNode j = arr.get(0);
        assertEquals(id, j.path("Id").asText());
        assertEquals("/" + n, j.path("Name").asText());
        assertEquals("running", j.path("State").path("Status").asText());
        assertTrue(j.path("State").path("Running").asBoolean());
        assertTrue(j.path("State").path("Pid").asLong() > 1, j.path("State").toString());
        assertTrue(j.path("State").path("StartedAt").asText().matches("\\d{4}-.*Z"), j.path("State").toString());
        assertEquals("busybox", j.path("Config").path("Image").asText());
        assertEquals("[\"sleep\",\"60\"]", j.path("Config").path("Cmd").toString());
        assertTrue(j.path("Config").path("Env").toString().contains("\"A=1\""), j.path("Config").toString());
        assertEquals("v", j.path("Config").path("Labels").path("k").asText());
        assertEquals(id.substring(0, 12), j.path("Config").path("Hostname").asText());
        assertTrue(j.path("Image").asText().startsWith("sha256:"), j.path("Image").asText());
        assertEquals("/" + n + " running", d.client(c, "inspect", "-f", "{{.Name}} {{.State.Status}}", n).ok().out().trim());
        // the state on the host is real: the pid is alive
        assertTrue(ProcessHandle.of(j.path("State").path("Pid").asLong()).isPresent(), "State.Pid is a live process");
        d.client(c, "rm", "-f", n).ok();
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void waitReturnsTheExitCode(String c) throws Exception {
        String n = name(c + "-wait");
        d.client(c, "run", "-d", "--name", n, "busybox", "sh", "-c", "sleep 1; exit 4").ok();
        long t0 = System.nanoTime();
        BerthDaemon.Result w = d.client(c, "wait", n).ok();
        assertEquals("4\n", w.out());
        assertTrue((System.nanoTime() - t0) / 1_000_000 >= 500, "wait blocked until the exit");
        assertEquals("4\n", d.client(c, "wait", n).ok().out(), "wait on an exited container returns at once");
        d.client(c, "rm", n).ok();
    }
}
