package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The machine can run the end-to-end tier: root, the docker CLI, tmux, a built distribution. These fail
 * (they are never skipped) so that a CI run as root cannot pass with the tier silently missing.
 */
class EnvironmentE2EIT {

    @Test
    void rootDockerCliTmuxAndTheDistribution() throws Exception {
        BerthDaemon.checkPreconditions();
        assertTrue(BerthDaemon.onPath("tmux"), "tmux is needed for the terminal tests");
        String v = BerthDaemon.run(java.util.List.of("docker", "version", "-f", "{{.Client.Version}}"),
                java.util.Map.of("DOCKER_HOST", "unix:///nonexistent.sock"), null).out().trim();
        assertEquals("28.2.2", v, "the docker CLI these tests were written against");
        assertTrue(java.nio.file.Files.isExecutable(BerthDaemon.SRC.resolve("bin/berth")));
        assertTrue(java.nio.file.Files.isExecutable(BerthDaemon.SRC.resolve("scripts/busybox-rootfs.sh")));
    }
}
