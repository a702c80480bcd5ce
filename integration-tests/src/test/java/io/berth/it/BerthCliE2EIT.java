package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * bin/berth, one test per command, each checked against what the docker CLI prints for the same state
 * (the other classes also run most scenarios through both clients).
 */
class BerthCliE2EIT extends E2E {

    static final ObjectMapper JSON = new ObjectMapper();

    static String firstLine(String s) {
        return s.lines().findFirst().orElse("");
    }

    @Test
    void runWithItsFlags() throws Exception {
        assertEquals("v1 2\n", d.berth("run", "--rm", "-e", "A=v1", "--env", "B=2", "busybox", "sh", "-c", "echo $A $B").ok().out());
        String id = d.berth("run", "-d", "--name", "flags", "-m", "64m", "--cpus", "0.5", "busybox", "sleep", "60").ok().out().trim();
        assertTrue(id.matches("[0-9a-f]{64}"), id);
        assertEquals("/flags 67108864 500000000 running",
                d.inspect("flags", "{{.Name}} {{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.State.Status}}"));
        String pid = d.inspect("flags", "{{.State.Pid}}");
        String memLine = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", pid, "cgroup")).lines()
                .filter(l -> l.matches("\\d+:memory:.*")).findFirst().orElseThrow();
        String limit = java.nio.file.Files.readString(java.nio.file.Path.of("/sys/fs/cgroup/memory", memLine.split(":")[2],
                "memory.limit_in_bytes")).trim();
        assertEquals("67108864", limit, "-m reached the cgroup");
        assertEquals("in\n", d.berthIn("in\n", "run", "-i", "--rm", "busybox", "cat").ok().out());
        d.berth("rm", "-f", "flags").ok();
        assertEquals("", d.docker("ps", "-aq", "--filter", "name=flags").ok().out());
    }

    /** Table text without times, with column padding collapsed (widths follow the time strings). */
    static String untimed(String table) {
        return table.replaceAll("\\d+ seconds? ago|Less than a second ago|About a minute ago|\\d+ minutes ago", "T")
                .replaceAll("Up (\\d+ seconds?|Less than a second|About a minute|\\d+ minutes)", "Up T")
                .replaceAll(" {2,}", "  ").replaceAll(" +\n", "\n");
    }

    @Test
    void psPrintsWhatDockerPrints() throws Exception {
        d.docker("run", "-d", "--name", "p1", "-l", "a=b", "busybox", "sleep", "60").ok();
        d.docker("run", "--name", "p2", "busybox", "true").ok();
        for (String[] args : new String[][] {{"ps"}, {"ps", "-a"}, {"ps", "-q"}, {"ps", "-aq"}, {"ps", "-a", "--no-trunc"},
                {"ps", "-a", "--filter", "label=a=b"}, {"ps", "-a", "--filter", "status=exited"},
                {"ps", "-a", "--format", "{{.ID}} {{.Names}} {{.Image}} {{.Labels}}"}}) {
            String docker = d.docker(args).ok().out();
            String berth = d.berth(args).ok().out();
            assertEquals(untimed(docker), untimed(berth), "berth " + String.join(" ", args));
        }
        d.docker("rm", "-f", "p1", "p2").ok();
    }

    @Test
    void logsStartStopKillRmWait() throws Exception {
        d.berth("create", "--name", "lc", "busybox", "sh", "-c", "echo one; echo two >&2; trap 'exit 9' TERM; while true; do sleep 0.1; done")
                .ok();
        d.berth("start", "lc").ok();
        assertTrue(RunBasicsE2EIT.eventually(() -> d.berth("logs", "lc").all().contains("two"), 5000));
        BerthDaemon.Result logs = d.berth("logs", "lc");
        assertEquals("one\n", logs.out());
        assertEquals("two\n", logs.err(), "stderr lines stay on stderr");
        assertEquals(d.docker("logs", "-t", "lc").out(), d.berth("logs", "-t", "lc").out());
        assertEquals("lc\n", d.berth("stop", "lc").ok().out(), "stop prints the name");
        assertEquals("9\n", d.berth("wait", "lc").ok().out());
        assertEquals("lc\n", d.berth("start", "lc").ok().out());
        assertEquals("lc\n", d.berth("kill", "lc").ok().out());
        assertEquals("137\n", d.berth("wait", "lc").ok().out());
        assertEquals("lc\n", d.berth("rm", "lc").ok().out());
    }

    @Test
    void inspectPrintsDockersJson() throws Exception {
        d.docker("run", "--name", "ins", "-l", "x=1", "busybox", "true").ok();
        JsonNode docker = JSON.readTree(d.docker("inspect", "ins").ok().out());
        JsonNode berth = JSON.readTree(d.berth("inspect", "ins").ok().out());
        assertEquals(docker, berth, "the same document");
        assertEquals(d.docker("inspect", "-f", "{{.State.ExitCode}} {{json .Config.Labels}}", "ins").ok().out(),
                d.berth("inspect", "-f", "{{.State.ExitCode}} {{json .Config.Labels}}", "ins").ok().out());
        JsonNode img = JSON.readTree(d.berth("inspect", "busybox").ok().out());
        assertEquals(JSON.readTree(d.docker("image", "inspect", "busybox").ok().out()), img, "inspect falls back to images");
        d.docker("rm", "ins").ok();
    }

    @Test
    void attach() throws Exception {
        d.berth("run", "-d", "--name", "at", "busybox", "sh", "-c", "sleep 1; echo from-at; exit 6").ok();
        BerthDaemon.Result r = d.berth("attach", "at");
        assertEquals("from-at\n", r.out(), r.all());
        assertEquals(6, r.code());
        d.berth("rm", "at").ok();
    }

    @Test
    void imagesImportRmi() throws Exception {
        String id = d.berth("import", BerthDaemon.busyboxTar().toString(), "bcli:7").ok().out().trim();
        assertTrue(id.startsWith("sha256:"), id);
        assertEquals(untimed(d.docker("images").ok().out()), untimed(d.berth("images").ok().out()));
        assertEquals(d.docker("images", "-q").ok().out(), d.berth("images", "-q").ok().out());
        assertEquals(d.docker("images", "--no-trunc", "-q").ok().out(), d.berth("images", "--no-trunc", "-q").ok().out());
        String rmi = d.berth("rmi", "bcli:7").ok().out();
        assertTrue(rmi.startsWith("Untagged: bcli:7\n"), rmi);
        assertEquals(1, d.docker("image", "inspect", "bcli:7").code());
    }

    @Test
    void versionAndInfo() throws Exception {
        String v = d.berth("version").ok().out();
        assertTrue(v.startsWith("Client:"), v);
        assertTrue(v.contains("Server:") && v.matches("(?s).*API version:\\s+1\\.47.*"), v);
        assertTrue(d.berth("--version").ok().out().toLowerCase().contains("berth"));
        String info = d.berth("info").ok().out();
        assertTrue(info.contains("Storage Driver: overlay") && info.contains("Docker Root Dir: " + d.dataRoot()), info);
    }

    @Test
    void infoFormat() throws Exception {
        // docker info --format is a Docker flag; berth must not ignore it
        assertEquals("overlay\n", d.docker("info", "-f", "{{.Driver}}").ok().out());
        assertEquals("overlay\n", d.berth("info", "-f", "{{.Driver}}").ok().out());
    }

    @Test
    void versionFormatAndHelp() throws Exception {
        assertEquals(d.docker("version", "-f", "{{.Server.Version}}").ok().out(),
                d.berth("version", "-f", "{{.Server.Version}}").ok().out());
        // --help where a flag may stand prints the usage; after the image it belongs to the command
        assertTrue(d.berth("run", "--help").ok().out().contains("Usage:"));
        assertTrue(d.berth("ps", "--help").ok().out().contains("Usage:"));
        assertEquals("--help\n", d.berth("run", "--rm", "busybox", "echo", "--help").ok().out());
    }

    @Test
    void tagNamesTheSameImage() throws Exception {
        String id = d.docker("image", "inspect", "-f", "{{.Id}}", "busybox").ok().out().trim();
        d.berth("tag", "busybox", "tagged/by-berth:1").ok();
        d.berth("image", "tag", "busybox:latest", "tagged/by-berth").ok();
        assertEquals(id + "\n" + id + "\n", d.docker("image", "inspect", "-f", "{{.Id}}", "tagged/by-berth:1", "tagged/by-berth:latest").ok().out());
        assertEquals(1, d.berth("tag", "nosuch", "x:1").code());
        d.docker("rmi", "tagged/by-berth:1", "tagged/by-berth:latest").ok();
    }

    /** berth build with docker's flags: a tag, a build arg, --iidfile; the image runs; -q prints the id. */
    @Test
    void buildWithDockersFlags() throws Exception {
        Path ctx = Files.createTempDirectory("berth-cli-build");
        try {
            Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nARG WHO\nCOPY msg.txt /msg.txt\nRUN echo \"$WHO\" >> /msg.txt\n"
                    + "CMD [\"cat\", \"/msg.txt\"]\n");
            Files.writeString(ctx.resolve("msg.txt"), "hello\n");
            Files.writeString(ctx.resolve(".dockerignore"), "secret.txt\n");
            Files.writeString(ctx.resolve("secret.txt"), "no\n");
            Path iid = ctx.resolve("iid");
            BerthDaemon.Result r = d.berth("build", "-t", "bcli-build:1", "--build-arg", "WHO=berth", "--iidfile", iid.toString(),
                    ctx.toString()).ok();
            assertTrue(r.out().contains("Step 4/5 : RUN echo \"$WHO\" >> /msg.txt\n"), r.out());
            assertTrue(r.out().endsWith("Successfully tagged bcli-build:1\n"), r.out());
            assertEquals(d.inspect("bcli-build:1", "{{.Id}}"), Files.readString(iid));
            assertEquals("hello\nberth\n", d.berth("run", "--rm", "bcli-build:1").ok().out());
            assertNotEquals(0, d.docker("run", "--rm", "bcli-build:1", "ls", "/secret.txt").code(), ".dockerignore kept it out");
            String quiet = d.berth("build", "-q", "--build-arg", "WHO=berth", ctx.toString()).ok().out();
            assertEquals(d.inspect("bcli-build:1", "{{.Id}}") + "\n", quiet, "the cached rebuild is the same image");
            BerthDaemon.Result failed = d.berth("build", ctx.toString(), "-f", "missing.Dockerfile");
            assertEquals(1, failed.code(), failed.all());
        } finally {
            BerthDaemon.sh("rm -rf '" + ctx + "'");
            d.docker("rmi", "bcli-build:1");
        }
    }
}
