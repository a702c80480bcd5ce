package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Images (import, list, inspect, tag, rmi, hostile archives) and interactive terminals. */
class ImagesAndTtyE2EIT {

    static BerthDaemon d;

    @BeforeAll
    static void start() throws Exception {
        d = BerthDaemon.launch();
        d.importBusybox();
    }

    @AfterAll
    static void stop() throws Exception {
        d.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void importListInspectRemove(String c) throws Exception {
        String tag = c + "img:1";
        String id = d.client(c, "import", d.busyboxTar().toString(), tag).ok().out().trim();
        assertTrue(id.startsWith("sha256:"), id);
        String images = d.client(c, "images").ok().out();
        assertTrue(images.startsWith("REPOSITORY   TAG       IMAGE ID       CREATED"), images);
        assertTrue(images.contains(c + "img"), images);
        String layers = d.docker("image", "inspect", "-f", "{{json .RootFS.Layers}} {{json .RepoTags}}", tag).ok().out();
        assertTrue(layers.matches("\\[\"sha256:[0-9a-f]{64}\"] \\[.*\"" + tag + "\".*]\\n"), layers);
        assertEquals(id + "\n", d.client(c, "inspect", "-f", "{{.Id}}", tag).ok().out());
        String cid = d.docker("create", tag, "true").ok().out().trim();
        BerthDaemon.Result inUse = d.client(c, "rmi", tag);
        assertNotEquals(0, inUse.code());
        assertTrue(inUse.err().contains("conflict: unable to remove repository reference"), inUse.err());
        d.docker("rm", cid).ok();
        String removed = d.client(c, "rmi", tag).ok().out();
        assertTrue(removed.contains("Untagged: " + tag), removed);
    }

    @Test
    void importWithChangesAndUntagVersusDelete() throws Exception {
        d.docker("import", "-c", "CMD [\"echo\", \"from-change\"]", "-c", "ENV GREETING=hello", d.busyboxTar().toString(), "changed:1").ok();
        assertEquals("from-change\n", d.docker("run", "--rm", "changed:1").ok().out());
        assertEquals("hello\n", d.docker("run", "--rm", "changed:1", "sh", "-c", "echo $GREETING").ok().out());
        d.docker("tag", "changed:1", "changed:2").ok();
        assertEquals("Untagged: changed:1\n", d.docker("rmi", "changed:1").ok().out(), "a second tag keeps the image");
        String last = d.docker("rmi", "changed:2").ok().out();
        assertTrue(last.contains("Untagged: changed:2") && last.contains("Deleted: sha256:"), last);
        assertEquals(1, d.docker("image", "inspect", "changed:2").code());
    }

    @Test
    void hostileArchivesAreRefusedAndNothingEscapes() throws Exception {
        Path dir = d.root.resolve("hostile");
        Files.createDirectories(dir);
        Path outside = Path.of("/tmp/berth-escape-" + ProcessHandle.current().pid());
        Files.deleteIfExists(outside);
        String script = String.join("\n",
                "set -e", "cd " + dir,
                "mkdir -p a && echo x > a/f",
                // an entry that climbs out with ..
                "tar --absolute-names -cf dotdot.tar a/f --transform 's,^a/f,../../../../../../" + outside.toString().substring(1) + ",'",
                // an absolute path
                "tar --absolute-names -cf abs.tar a/f --transform 's,^a/f," + outside + ",'",
                // a symlink to outside, then a file through it
                "ln -sfn /tmp link && tar -cf sym.tar link && mkdir -p l2 && echo y > l2/berth-escape-sym && "
                        + "tar -rf sym.tar l2/berth-escape-sym --transform 's,^l2,link,'");
        BerthDaemon.run(List.of("bash", "-c", script), Map.of(), null).ok();
        for (String tar : List.of("dotdot.tar", "abs.tar", "sym.tar")) {
            BerthDaemon.Result r = d.docker("import", dir.resolve(tar).toString(), "hostile:" + tar.replace(".tar", ""));
            assertNotEquals(0, r.code(), tar + " was accepted: " + r.out());
            assertTrue(r.err().contains("Error response from daemon"), r.err());
        }
        assertFalse(Files.exists(outside), "nothing written outside the data root");
        assertFalse(Files.exists(Path.of("/tmp/berth-escape-sym")), "nothing written through a symlink");
        assertEquals("hi\n", d.docker("run", "--rm", "busybox", "echo", "hi").ok().out(), "the daemon still serves");
    }

    /** Runs a command in a tmux window of the given size and returns the pane's text when it ends. */
    private static String tmux(String session, String command, List<String[]> keys, Map<Integer, int[]> resizes) throws Exception {
        BerthDaemon.run(List.of("tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30",
                command + "; echo EXIT=$?; sleep 30"), Map.of(), null).ok();
        try {
            Thread.sleep(1500);
            for (int i = 0; i < keys.size(); i++) {
                if (resizes.containsKey(i)) {
                    int[] size = resizes.get(i);
                    BerthDaemon.run(List.of("tmux", "resize-window", "-t", session, "-x", Integer.toString(size[1]),
                            "-y", Integer.toString(size[0])), Map.of(), null);
                    Thread.sleep(500);
                }
                List<String> send = new java.util.ArrayList<>(List.of("tmux", "send-keys", "-t", session));
                send.addAll(List.of(keys.get(i)));
                BerthDaemon.run(send, Map.of(), null).ok();
                Thread.sleep(700);
            }
            for (int i = 0; i < 50; i++) {
                String pane = BerthDaemon.run(List.of("tmux", "capture-pane", "-p", "-t", session), Map.of(), null).out();
                if (pane.contains("EXIT=")) {
                    return pane;
                }
                Thread.sleep(100);
            }
            return BerthDaemon.run(List.of("tmux", "capture-pane", "-p", "-t", session), Map.of(), null).out();
        } finally {
            BerthDaemon.run(List.of("tmux", "kill-session", "-t", session), Map.of(), null);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void interactiveTerminal(String c) throws Exception {
        String cli = c.equals("docker")
                ? "DOCKER_HOST=unix://" + d.socket() + " DOCKER_CONFIG=" + d.root.resolve("dockercfg") + " docker"
                : BerthDaemon.SRC.resolve("bin/berth") + " -H unix://" + d.socket();
        String pane = tmux("berth-it-" + c, cli + " run -it --rm busybox sh",
                List.of(new String[] {"echo $((6*7)); tty; stty size", "Enter"}, new String[] {"stty size; exit 5", "Enter"}),
                Map.of(1, new int[] {20, 80}));
        assertTrue(pane.contains("/ # "), "a prompt: " + pane);
        assertTrue(pane.contains("\n42"), pane);
        assertTrue(pane.contains("/dev/pts/0"), pane);
        assertTrue(pane.contains("30 100"), "the initial size: " + pane);
        assertTrue(pane.contains("20 80"), "the size after a resize: " + pane);
        assertTrue(pane.contains("EXIT=5"), "the exit code: " + pane);
    }
}
