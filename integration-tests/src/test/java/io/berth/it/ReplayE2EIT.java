package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The state is the event log: a copy of a live daemon's events/ replayed by a second daemon with
 * --no-side-effects serves the same ps -a, images and inspect, and touches no container.
 */
class ReplayE2EIT extends E2E {

    /** ps -a's Status without its time part: "Up", "Exited (3)", "Created". */
    static String withoutTimes(String ps) {
        return ps.lines().map(l -> l.replaceAll("(Up|Exited \\(\\d+\\)|Created|Restarting \\(\\d+\\)|Removal In Progress|Dead).*", "$1"))
                .reduce("", (a, b) -> a + b + "\n");
    }

    static final String INSPECT = "{{.Id}}|{{.Name}}|{{.Image}}|{{.Created}}|{{.State.Status}}|{{.State.Running}}|{{.State.ExitCode}}|"
            + "{{.State.Pid}}|{{.State.OOMKilled}}|{{.State.Error}}|{{.State.StartedAt}}|{{.State.FinishedAt}}|{{.RestartCount}}|"
            + "{{json .Config}}|{{json .HostConfig}}";

    @Test
    void aReplayedCopyOfTheLogServesTheSameState() throws Exception {
        // a mixed workload
        d.docker("import", BerthDaemon.busyboxTar().toString(), "extra:1").ok();
        d.docker("tag", "extra:1", "extra:2").ok();
        d.docker("rmi", "extra:1").ok();
        d.docker("run", "--name", "ex3", "-e", "K=V", "busybox", "sh", "-c", "exit 3");
        d.docker("run", "-d", "--name", "live", "-l", "role=ticker", "-m", "64m", "--cpus", "0.5", "busybox", "sh", "-c",
                "trap 'echo usr1' USR1; while true; do echo tick; sleep 0.3; done").ok();
        d.docker("run", "-d", "--name", "stopped", "busybox", "sleep", "100").ok();
        d.docker("stop", "-t", "1", "stopped").ok();
        d.docker("create", "--name", "created1", "--hostname", "h1", "--user", "1000", "extra:2", "echo", "never").ok();
        d.docker("run", "--rm", "busybox", "echo", "gone").ok();
        d.docker("run", "--name", "nobin", "busybox", "nosuchbinary");
        d.docker("run", "-d", "--name", "rs", "busybox", "sleep", "100").ok();
        d.docker("restart", "-t", "1", "rs").ok();
        d.docker("kill", "-s", "USR1", "live").ok();
        d.berth("run", "--name", "oom", "-m", "16m", "busybox", "dd", "if=/dev/zero", "of=/dev/null", "bs=32M", "count=1");
        d.docker("create", "--name", "removed", "busybox", "true").ok();
        d.docker("rm", "removed").ok();
        assertNotEquals(0, d.docker("create", "--name", "live", "busybox", "true").code(), "a rejected call is logged too");
        d.docker("kill", "rs").ok();
        assertEquals("137\n", d.docker("wait", "rs").ok().out());
        String livePid = d.inspect("live", "{{.State.Pid}}");

        try (BerthDaemon replay = BerthDaemon.prepare("--no-side-effects")) {
            Files.createDirectories(replay.dataRoot());
            BerthDaemon.sh("cp -a " + d.dataRoot().resolve("events") + " " + replay.dataRoot().resolve("events")
                    + " && rm -f " + replay.dataRoot().resolve("events") + "/*.lock").ok();
            replay.start(null);

            String ps = "{{.ID}} {{.Names}} {{.Image}} {{.Command}} {{.Status}}";
            String livePs = withoutTimes(d.docker("ps", "-a", "--no-trunc", "--format", ps).ok().out());
            assertEquals(7, livePs.lines().count(), livePs);
            List<org.junit.jupiter.api.function.Executable> checks = new java.util.ArrayList<>();
            String replayPs = withoutTimes(replay.docker("ps", "-a", "--no-trunc", "--format", ps).ok().out());
            checks.add(() -> assertEquals(livePs, replayPs, "ps -a"));
            String liveImages = d.docker("images", "-q").ok().out();
            String replayImages = replay.docker("images", "-q").ok().out();
            checks.add(() -> assertEquals(liveImages, replayImages, "images -q"));
            String tagsF = "{{.Repository}}:{{.Tag}} {{.ID}}";
            String liveTags = d.docker("images", "--format", tagsF).ok().out();
            String replayTags = replay.docker("images", "--format", tagsF).ok().out();
            checks.add(() -> assertEquals(liveTags, replayTags, "images"));
            for (String c : List.of("ex3", "live", "stopped", "created1", "nobin", "rs", "oom")) {
                String live = d.docker("inspect", "-f", INSPECT, c).ok().out();
                String replayed = replay.docker("inspect", "-f", INSPECT, c).ok().out();
                checks.add(() -> assertEquals(live, replayed, "inspect " + c));
            }
            for (String image : List.of("busybox", "extra:2")) {
                String f = "{{.Id}} {{json .RepoTags}} {{json .RootFS}} {{.Created}} {{json .Config}} {{.Size}}";
                String live = d.docker("image", "inspect", "-f", f, image).ok().out();
                String replayed = replay.docker("image", "inspect", "-f", f, image).ok().out();
                checks.add(() -> assertEquals(live, replayed, "image inspect " + image));
            }
            assertEquals(1, replay.docker("inspect", "removed").code());

            // no side effects: the replay refuses to act and did not touch the live daemon's container
            BerthDaemon.Result refused = replay.docker("rm", "-f", "live");
            assertNotEquals(0, refused.code());
            assertTrue(refused.err().contains("--no-side-effects"), refused.err());
            assertEquals("running " + livePid, d.inspect("live", "{{.State.Status}} {{.State.Pid}}"));
            assertEquals("", replay.leftoverCgroups(), "the replay made no cgroups");
            assertFalse(replay.processesMentioningRoot().stream().anyMatch(p -> p != replay.pid()), replay.leftoverProcesses());
            org.junit.jupiter.api.Assertions.assertAll("the replayed state", checks);
        }
        d.docker("rm", "-f", "ex3", "live", "stopped", "created1", "nobin", "rs", "oom").ok();
    }
}
