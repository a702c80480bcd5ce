package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Containers as a user meets them, through the real docker CLI and through bin/berth. */
class ContainersE2EIT {

    static BerthDaemon d;
    static int n;

    @BeforeAll
    static void start() throws Exception {
        d = BerthDaemon.launch();
        d.importBusybox();
    }

    @AfterAll
    static void stop() throws Exception {
        d.close();
    }

    static String name(String client) {
        return client + "-" + (++n);
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void runPrintsAndReturnsTheExitCode(String c) throws Exception {
        assertEquals("hi\n", d.client(c, "run", "--rm", "busybox", "echo", "hi").ok().out());
        assertEquals(3, d.client(c, "run", "busybox", "sh", "-c", "exit 3").code());
        BerthDaemon.Result in = c.equals("docker") ? d.dockerIn("data\n", "run", "-i", "--rm", "busybox", "cat")
                : d.berthIn("data\n", "run", "-i", "--rm", "busybox", "cat");
        assertEquals("data\n", in.ok().out(), "stdin reaches the container and its EOF ends cat");
        BerthDaemon.Result both = d.client(c, "run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2");
        assertEquals("out\n", both.out());
        assertEquals("err\n", both.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void detachedLifecycle(String c) throws Exception {
        String web = name(c);
        String id = d.client(c, "run", "-d", "--name", web, "-l", "tier=web", "busybox", "sh", "-c",
                "trap 'echo got USR1' USR1; trap 'echo bye; exit 0' TERM; while true; do echo tick; sleep 0.2; done").ok().out().trim();
        assertEquals(64, id.length());
        Thread.sleep(700);
        assertTrue(d.client(c, "ps").ok().out().contains(web));
        assertTrue(d.client(c, "ps", "-q", "--filter", "name=" + web).ok().out().startsWith(id.substring(0, 12)));
        assertTrue(d.client(c, "ps", "-q", "--filter", "label=tier=web").ok().out().contains(id.substring(0, 12)));
        assertEquals("", d.client(c, "ps", "-q", "--filter", "label=tier=db").ok().out());
        assertTrue(d.client(c, "logs", web).ok().out().startsWith("tick\n"));
        assertEquals("tick\n", d.client(c, "logs", "--tail", "1", web).ok().out());
        assertTrue(d.client(c, "logs", "-t", "--tail", "1", web).ok().out().matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z tick\\n"));
        assertEquals(0, d.client(c, "kill", "-s", "USR1", web).code());
        Thread.sleep(500);
        assertTrue(d.client(c, "logs", web).out().contains("got USR1"));
        assertEquals("running", d.docker("inspect", "-f", "{{.State.Status}}", web).ok().out().trim());
        d.client(c, "stop", web).ok();
        assertTrue(d.client(c, "logs", "--tail", "1", web).out().contains("bye"));
        assertEquals("0", d.docker("inspect", "-f", "{{.State.ExitCode}}", web).out().trim());
        assertTrue(d.client(c, "ps", "-a", "--filter", "status=exited").out().contains(web));
        d.client(c, "start", web).ok();
        assertEquals("true", d.docker("inspect", "-f", "{{.State.Running}}", web).out().trim());
        d.client(c, "restart", "-t", "1", web).ok();
        assertEquals("true", d.docker("inspect", "-f", "{{.State.Running}}", web).out().trim());
        assertNotEquals(0, d.client(c, "rm", web).code(), "a running container is not removed without -f");
        d.client(c, "rm", "-f", web).ok();
        assertEquals(1, d.client(c, "inspect", web).code());
    }

    @Test
    void stopEscalatesToSigkillAfterTheTimeout() throws Exception {
        // busybox sh as PID 1 has no handler for SIGTERM, so it ignores it
        d.docker("run", "-d", "--name", "stubborn", "busybox", "sh", "-c", "while true; do sleep 1; done").ok();
        long t0 = System.nanoTime();
        d.docker("stop", "-t", "2", "stubborn").ok();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 1900 && ms < 10_000, "stop took " + ms + " ms");
        assertEquals("137", d.docker("inspect", "-f", "{{.State.ExitCode}}", "stubborn").out().trim());
        d.docker("start", "stubborn").ok();
        t0 = System.nanoTime();
        d.berth("stop", "-t", "1", "stubborn").ok();
        ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 900 && ms < 5_000, "berth stop -t 1 took " + ms + " ms");
        d.docker("rm", "stubborn").ok();
    }

    @Test
    void berthOnJdk17StreamsStdinWhileReadingOutput() throws Exception {
        // the JDK 17 fallback of bin/berth: reading the attach stream must not hold up writing stdin
        String jdk17 = "/usr/lib/jvm/java-17-openjdk-amd64/bin/java";
        assertTrue(java.nio.file.Files.isExecutable(java.nio.file.Path.of(jdk17)), "JDK 17 is the machine's default JDK");
        BerthDaemon.Result r = BerthDaemon.run(List.of(BerthDaemon.SRC.resolve("bin/berth").toString(), "-H",
                "unix://" + d.socket(), "run", "-i", "--rm", "busybox", "sh", "-c", "echo ready; cat"),
                Map.of("BERTH_JAVA", jdk17), "line1\nline2\n");
        assertEquals("ready\nline1\nline2\n", r.ok().out());
    }

    @Test
    void logsFollowAndWait() throws Exception {
        d.docker("run", "-d", "--name", "fol", "busybox", "sh", "-c", "for i in 1 2 3; do echo line$i; sleep 0.5; done; exit 4").ok();
        BerthDaemon.Result follow = d.docker("logs", "-f", "fol");
        assertEquals("line1\nline2\nline3\n", follow.ok().out(), "logs -f returns when the container ends");
        assertEquals("4\n", d.docker("wait", "fol").ok().out());
        assertEquals("4\n", d.berth("wait", "fol").ok().out());
        BerthDaemon.Result since = d.docker("logs", "--since", "1h", "fol");
        assertEquals("line1\nline2\nline3\n", since.ok().out());
        d.docker("rm", "fol").ok();
    }

    @Test
    void insideTheContainer() throws Exception {
        String out = d.docker("run", "--rm", "--hostname", "box1", "busybox", "sh", "-c",
                "echo pid=$$; hostname; ps -o pid,comm | wc -l; ls /sys/class/net; cat /proc/self/cgroup | grep -c memory; mount | head -1")
                .ok().out();
        assertTrue(out.contains("pid=1\n"), out);
        assertTrue(out.contains("box1\n"), out);
        assertTrue(out.contains("\nlo\n"), "only loopback with the default network: " + out);
        assertTrue(out.contains(" on / type overlay "), out);
        String id = d.docker("create", "busybox", "hostname").ok().out().trim();
        d.docker("start", id).ok();
        d.docker("wait", id).ok();
        assertEquals(id.substring(0, 12) + "\n", d.docker("logs", id).ok().out(), "the hostname is the short id");
        d.docker("rm", id).ok();
        String ps = d.docker("run", "--rm", "busybox", "ps").ok().out();
        assertEquals(2, ps.trim().split("\n").length, "ps (PID 1) sees only the container's processes: " + ps);
        String host = d.docker("run", "--rm", "--network", "host", "busybox", "ls", "/sys/class/net").ok().out();
        assertTrue(host.split("\n").length > 1, "host networking sees the host's interfaces: " + host);
        String cgroup = d.docker("run", "--rm", "busybox", "cat", "/proc/self/cgroup").ok().out();
        assertTrue(cgroup.contains(":memory:") && cgroup.contains(":pids:"), cgroup);
    }

    @Test
    void limitsByBehaviour() throws Exception {
        BerthDaemon.Result oom = d.docker("run", "--name", "oom", "-m", "32m", "busybox", "dd", "if=/dev/zero", "of=/dev/null", "bs=48M", "count=1");
        assertEquals(137, oom.code(), oom.err());
        assertEquals("true", d.docker("inspect", "-f", "{{.State.OOMKilled}}", "oom").out().trim());
        d.docker("rm", "oom").ok();
        BerthDaemon.Result pids = d.docker("run", "--rm", "--pids-limit", "6", "busybox", "sh", "-c",
                "for i in 1 2 3 4 5 6 7; do sleep 2 & done; wait");
        assertTrue(pids.err().contains("can't fork"), "the 7th process is refused: " + pids.err());
        for (List<String> cpu : List.of(List.of("--cpus", "0.5"), List.of("--cpu-quota", "50000", "--cpu-period", "100000"))) {
            // a busy loop for 3 s; its utime+stime (clock ticks, 100 per second) from /proc, read inside
            List<String> args = new java.util.ArrayList<>(List.of("run", "--rm"));
            args.addAll(cpu);
            args.addAll(List.of("busybox", "sh", "-c",
                    "(while true; do :; done) & p=$!; sleep 3; cat /proc/$p/stat; kill $p"));
            String stat = d.docker(args.toArray(String[]::new)).ok().out().trim();
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            double seconds = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
            assertTrue(seconds > 0.5 && seconds <= 3 * 0.55, cpu + ": the loop used " + seconds + " s of CPU in 3 s");
        }
    }

    @Test
    void security() throws Exception {
        assertNotEquals(0, d.docker("run", "--rm", "busybox", "mount", "-t", "tmpfs", "none", "/mnt").code());
        d.docker("run", "--rm", "--privileged", "busybox", "mount", "-t", "tmpfs", "none", "/mnt").ok();
        d.docker("run", "--rm", "--cap-add", "SYS_ADMIN", "busybox", "mount", "-t", "tmpfs", "none", "/mnt").ok();
        assertNotEquals(0, d.docker("run", "--rm", "--cap-drop", "CHOWN", "busybox", "sh", "-c", "touch /x; chown 1 /x").code());
        assertEquals("1000\n", d.docker("run", "--rm", "--user", "1000", "busybox", "id", "-u").ok().out());
        assertTrue(d.docker("run", "--rm", "--security-opt", "no-new-privileges", "busybox", "grep", "NoNewPrivs", "/proc/self/status")
                .ok().out().contains("1"));
        assertEquals("", d.docker("run", "--rm", "busybox", "sh", "-c", "cat /proc/kcore 2>/dev/null; true").ok().out());
        assertNotEquals(0, d.docker("run", "--rm", "busybox", "sh", "-c", "echo 1 > /proc/sys/kernel/ns_last_pid").code());
        String dev = d.docker("run", "--rm", "busybox", "ls", "/dev").ok().out();
        assertFalse(dev.contains("sda") || dev.contains("vda") || dev.contains("mem\n"), dev);
        assertTrue(d.docker("run", "--rm", "busybox", "sh", "-c", "mknod /tmp/disk b 8 0 && head -c1 /tmp/disk")
                .err().contains("not permitted"), "the devices cgroup denies opening host block devices");
    }

    @Test
    void badInputGetsDockersErrors() throws Exception {
        BerthDaemon.Result noImage = d.docker("run", "nosuch/image:1");
        assertEquals(125, noImage.code());
        assertTrue(noImage.err().contains("Unable to find image"), noImage.err());
        BerthDaemon.Result noContainer = d.docker("rm", "nosuchcontainer");
        assertEquals(1, noContainer.code());
        assertTrue(noContainer.err().contains("No such container: nosuchcontainer"), noContainer.err());
        d.docker("create", "--name", "taken", "busybox", "true").ok();
        BerthDaemon.Result conflict = d.docker("create", "--name", "taken", "busybox", "true");
        assertTrue(conflict.err().contains("is already in use"), conflict.err());
        String[] malformed = d.raw("POST", "/v1.47/containers/create", "{\"Image\": ");
        assertTrue(malformed[0].contains(" 400 "), malformed[0]);
        assertTrue(malformed[1].startsWith("{\"message\":"), malformed[1]);
        assertTrue(d.docker("run", "-m", "1k", "busybox", "true").err().contains("Minimum memory limit allowed is 6MB"));
        assertTrue(d.docker("run", "--cpus", "5", "busybox", "true").err().contains("Range of CPUs is from 0.01"));
        BerthDaemon.Result noBinary = d.docker("run", "--name", "nobin", "busybox", "nosuchbinary");
        assertEquals(127, noBinary.code());
        assertTrue(noBinary.err().contains("executable file not found in $PATH"), noBinary.err());
        assertEquals("created", d.docker("inspect", "-f", "{{.State.Status}}", "nobin").out().trim());
        assertEquals(127, d.berth("run", "--rm", "busybox", "nosuchbinary").code());
        // the daemon still serves, and what it held is intact
        assertEquals("created", d.docker("inspect", "-f", "{{.State.Status}}", "taken").ok().out().trim());
        d.docker("rm", "taken", "nobin").ok();
    }

    @Test
    void everyApiPrefixFrom124To147() throws Exception {
        for (int minor = 24; minor <= 47; minor++) {
            assertTrue(d.raw("GET", "/v1." + minor + "/version", null)[0].contains(" 200 "), "1." + minor);
        }
        String[] tooNew = d.raw("GET", "/v1.48/version", null);
        assertTrue(tooNew[0].contains(" 400 ") && tooNew[1].contains("is too new. Maximum supported API version is 1.47"), tooNew[1]);
        assertTrue(d.docker("version").ok().out().contains("1.47"));
        assertTrue(d.docker("info").ok().out().contains("Network driver none: usable"));
        assertTrue(d.berth("info").ok().out().contains("isolation namespaces: usable"));
        assertTrue(d.berth("version").ok().out().contains("1.47"));
    }

    @Test
    void twoDaemonsSideBySide() throws Exception {
        try (BerthDaemon other = BerthDaemon.launch("--storage-driver", "vfs")) {
            other.importBusybox();
            other.docker("run", "-d", "--name", "theirs", "busybox", "sleep", "100").ok();
            d.docker("run", "-d", "--name", "ours", "busybox", "sleep", "100").ok();
            assertFalse(d.docker("ps").out().contains("theirs"));
            assertFalse(other.docker("ps").out().contains("ours"));
            assertNotEquals(d.daemonId(), other.daemonId());
            d.docker("rm", "-f", "ours").ok();
            assertEquals("true", other.docker("inspect", "-f", "{{.State.Running}}", "theirs").out().trim());
        }
    }

    @Test
    void containersOutliveTheDaemonAndAReplayShowsTheSameState() throws Exception {
        d.docker("run", "-d", "--name", "live", "busybox", "sh", "-c", "while true; do echo tick; sleep 0.2; done").ok();
        d.docker("run", "--name", "done", "busybox", "sh", "-c", "exit 5");
        d.stop();
        d.start(null);
        assertEquals("true", d.docker("inspect", "-f", "{{.State.Running}}", "live").ok().out().trim());
        String before = d.docker("logs", "live").out();
        Thread.sleep(600);
        assertTrue(d.docker("logs", "live").out().length() > before.length(), "still logging after the daemon restart");

        // a second daemon replays a copy of the log with side effects off and serves the same state
        try (BerthDaemon replay = BerthDaemon.launch("--no-side-effects")) {
            replay.stop();
            BerthDaemon.run(List.of("sh", "-c", "rm -rf " + replay.dataRoot().resolve("events") + " && cp -a "
                    + d.dataRoot().resolve("events") + " " + replay.dataRoot().resolve("events") + " && rm -f "
                    + replay.dataRoot().resolve("events/berth-eventlog.lock")), Map.of(), null).ok();
            replay.start(null);
            String format = "{{.ID}} {{.Names}} {{.Image}} {{.State}}";
            assertEquals(d.docker("ps", "-a", "--format", format).out(), replay.docker("ps", "-a", "--format", format).out());
            assertEquals(d.docker("images", "-q").out(), replay.docker("images", "-q").out());
            for (String c : List.of("live", "done")) {
                String f = "{{.Id}} {{.Name}} {{.Image}} {{.State.Status}} {{.State.ExitCode}} {{.State.Pid}} {{json .Config}}";
                assertEquals(d.docker("inspect", "-f", f, c).out(), replay.docker("inspect", "-f", f, c).out());
            }
            assertTrue(replay.docker("rm", "-f", "live").err().contains("--no-side-effects"));
        }
        d.docker("rm", "-f", "live", "done").ok();
    }

    @Test
    void attachToARunningContainer() throws Exception {
        d.docker("run", "-d", "--name", "att", "busybox", "sh", "-c", "sleep 1; echo late").ok();
        BerthDaemon.Result attached = d.docker("attach", "att");
        assertEquals("late\n", attached.ok().out());
        d.docker("run", "-d", "--name", "att2", "busybox", "sh", "-c", "sleep 1; echo later; exit 2").ok();
        BerthDaemon.Result berthAttached = d.berth("attach", "att2");
        assertEquals("later\n", berthAttached.out());
        assertEquals(2, berthAttached.code());
        d.docker("rm", "att", "att2").ok();
    }

    @Test
    void hijackOnAReusedConnectionWithoutUpgrade() throws Exception {
        // docker-java attaches on a pooled keep-alive connection and sends no Upgrade header
        String id = d.docker("create", "busybox", "sh", "-c", "echo kept").ok().out().trim();
        try (var ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.connect(java.net.UnixDomainSocketAddress.of(d.socket()));
            var in = java.nio.channels.Channels.newInputStream(ch);
            ch.write(java.nio.ByteBuffer.wrap("GET /v1.44/_ping HTTP/1.1\r\nHost: x\r\n\r\n".getBytes()));
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.read());
            }
            assertTrue(head.toString().startsWith("HTTP/1.1 200"), head.toString());
            assertEquals("OK", new String(in.readNBytes(2)), "the ping body; the connection stays open");
            ch.write(java.nio.ByteBuffer.wrap(("POST /v1.44/containers/" + id + "/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\n"
                    + "Host: x\r\nContent-Length: 0\r\n\r\n").getBytes()));
            StringBuilder hijack = new StringBuilder();
            while (!hijack.toString().endsWith("\r\n\r\n")) {
                hijack.append((char) in.read());
            }
            assertTrue(hijack.toString().startsWith("HTTP/1.1 200 OK"), hijack.toString());
            d.docker("start", id).ok();
            byte[] frame = in.readNBytes(8 + 5);
            assertEquals(1, frame[0], "a stdout frame");
            assertEquals("kept\n", new String(frame, 8, 5));
        }
        d.docker("wait", id).ok();
        d.docker("rm", id).ok();
    }
}
