package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Resource limits shown by behaviour: OOM kill, CPU share measured from the host, the pids limit. */
class LimitsE2EIT extends E2E {

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void memoryLimitOomKillsTheAllocatingPid1(String c) throws Exception {
        String n = name(c + "-oom");
        BerthDaemon.Result oom = d.client(c, "run", "--name", n, "-m", "32m", "busybox", "dd", "if=/dev/zero", "of=/dev/null",
                "bs=48M", "count=1");
        assertEquals(137, oom.code(), oom.all());
        assertEquals("true 137 exited", d.inspect(n, "{{.State.OOMKilled}} {{.State.ExitCode}} {{.State.Status}}"));
        assertEquals(String.valueOf(32 * 1024 * 1024), d.inspect(n, "{{.HostConfig.Memory}}"));
        d.client(c, "rm", n).ok();
        // the same allocation fits without the limit
        assertEquals(0, d.client(c, "run", "--rm", "busybox", "dd", "if=/dev/zero", "of=/dev/null", "bs=48M", "count=1").code());
    }

    /** utime+stime of a process in clock ticks (100 per second), read on the host. */
    static long cpuTicks(String pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", pid, "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** Runs a busy loop as PID 1 under the flags and returns the share of one core it got over 3 s. */
    double busyShare(String client, List<String> flags) throws Exception {
        String n = name(client + "-cpu");
        List<String> args = new ArrayList<>(List.of("run", "-d", "--name", n));
        args.addAll(flags);
        args.addAll(List.of("busybox", "sh", "-c", "while :; do :; done"));
        d.client(client, args.toArray(String[]::new)).ok();
        try {
            String pid = d.inspect(n, "{{.State.Pid}}");
            Thread.sleep(300);
            long t0 = System.nanoTime();
            long c0 = cpuTicks(pid);
            Thread.sleep(3000);
            long c1 = cpuTicks(pid);
            double wall = (System.nanoTime() - t0) / 1e9;
            return (c1 - c0) / 100.0 / wall;
        } finally {
            d.docker("rm", "-f", n).ok();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void halfACpu(String c) throws Exception {
        double share = busyShare(c, List.of("--cpus", "0.5"));
        assertTrue(share <= 0.55, "--cpus 0.5: the loop got " + share + " of a core");
        assertTrue(share >= 0.25, "--cpus 0.5 still lets it run: " + share);
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void cpuQuotaAndPeriod(String c) throws Exception {
        double share = busyShare(c, List.of("--cpu-quota", "50000", "--cpu-period", "100000"));
        assertTrue(share <= 0.55, "--cpu-quota 50000 --cpu-period 100000: the loop got " + share + " of a core");
        assertTrue(share >= 0.25, share + "");
    }

    @Test
    void unlimitedBusyLoopGetsAWholeCore() throws Exception {
        // the control: without a limit the same measure shows (nearly) a whole core
        double share = busyShare("docker", List.of());
        assertTrue(share > 0.6, "unlimited: " + share);
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void pidsLimitStopsTheSeventhProcess(String c) throws Exception {
        BerthDaemon.Result r = d.client(c, "run", "--rm", "--pids-limit", "6", "busybox", "sh", "-c",
                "for i in 1 2 3 4 5 6 7; do sleep 2 & done; wait");
        assertTrue(r.err().contains("can't fork"), "the 7th process is refused: " + r.all());
        assertTrue(r.err().lines().filter(l -> l.contains("can't fork")).count() >= 1, r.err());
        // 5 children fit with the shell
        BerthDaemon.Result five = d.client(c, "run", "--rm", "--pids-limit", "6", "busybox", "sh", "-c",
                "for i in 1 2 3 4 5; do sleep 1 & done; wait; echo done");
        assertEquals("done\n", five.out(), five.all());
        assertTrue(!five.err().contains("can't fork"), five.err());
    }
}
