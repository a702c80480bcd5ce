package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The harness's leftover check itself: it must see what is left, fail, and still clean it all. */
class HarnessE2EIT {

    @Test
    void closeFailsOnLeftoversAndRemovesThem() throws Exception {
        BerthDaemon d = BerthDaemon.launch();
        Path root = d.root;
        Path strayCgroup = Path.of("/sys/fs/cgroup/pids", "berth-" + d.daemonId(), "stray");
        Files.createDirectories(strayCgroup);
        // a process whose command line names the test's root, as a monitor's does
        Process stray = new ProcessBuilder("sh", "-c", "sleep 300; : " + root).start();
        AssertionError e = assertThrows(AssertionError.class, d::close);
        assertTrue(e.getMessage().contains("berth-" + d.daemonId()), e.getMessage());
        assertTrue(e.getMessage().contains("sleep 300"), e.getMessage());
        assertFalse(e.getMessage().contains("STILL LEFT"), "the sweep removed it all: " + e.getMessage());
        assertFalse(Files.exists(strayCgroup.getParent()), "the cgroup was removed");
        assertTrue(stray.waitFor(5, java.util.concurrent.TimeUnit.SECONDS), "the process was killed");
        assertFalse(Files.exists(root), "the temp dir was removed");
        assertEquals("0", BerthDaemon.run(List.of("sh", "-c", "grep -c " + root + " /proc/self/mounts || true"), Map.of(), null)
                .out().trim(), "no mounts under the root");
    }
}
