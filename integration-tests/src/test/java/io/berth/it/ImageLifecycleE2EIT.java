package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a user does with a container's filesystem and the images it leaves behind: commit (-m, -a, -c,
 * --pause), diff (on overlay and on a second berthd with vfs), export and re-import, history, image prune
 * (dangling, -a, label and until filters) and system df [-v] — through the docker CLI and bin/berth.
 */
class ImageLifecycleE2EIT extends E2E {

    static final ObjectMapper JSON = new ObjectMapper();

    /** The scenario of the commit and diff tests: a file added, one deleted, a directory tree created. */
    static final String WEB = "trap 'echo got USR1' USR1; echo hello > /hello.txt; rm /bin/ls; mkdir -p /opt/new; "
            + "echo f > /opt/new/f; echo ready; i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done";
    /** docker diff of {@link #WEB}, in the order dockerd prints it. */
    static final String WEB_DIFF = "C /bin\nD /bin/ls\nA /hello.txt\nA /opt\nA /opt/new\nA /opt/new/f\n";

    // ------------------------------------------------------------------------------------------ commit

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void commitARunningContainer(String c) throws Exception {
        try (Made m = new Made(d)) {
            String web = m.container(name(c + "-web"));
            String img = m.image("myimg-" + c + ":v1");
            d.client(c, "run", "-d", "--name", web, "--add-host", "committed.example:10.1.2.3", "busybox", "sh", "-c", WEB).ok();
            awaitLog(c, web, "ready");
            String webId = d.inspect(web, "{{.Id}}");

            BerthDaemon.Result commit = d.client(c, "commit", "-m", "msg", "-a", "me", "-c", "ENV FOO=bar",
                    "-c", "CMD [\"cat\",\"/hello.txt\"]", web, img).ok();
            String id = commit.out().trim();
            assertTrue(commit.out().matches("sha256:[0-9a-f]{64}\\n"), "commit prints the new image's id: " + commit.all());
            assertEquals(id, d.docker("image", "inspect", "-f", "{{.Id}}", img).ok().out().trim());

            // the image's CMD
            assertEquals("hello\n", d.client(c, "run", "--rm", img).ok().out(), "run --rm " + img + " prints the file");

            // a container of the image: ENV, the deletion, the new tree; its own hostname and hosts
            String probe = m.container(name(c + "-probe"));
            String seen = d.client(c, "run", "--name", probe, "--add-host", "fresh.example:10.4.5.6", img, "sh", "-c",
                    "echo FOO=$FOO; test -e /bin/ls && echo ls-present || echo ls-gone; cat /opt/new/f; "
                            + "echo hostname=$(cat /etc/hostname); cat /etc/hosts; test -e /.dockerenv && echo dockerenv").ok().out();
            String probeId = d.inspect(probe, "{{.Id}}");
            List<String> lines = seen.lines().toList();
            assertEquals("FOO=bar", lines.get(0), seen);
            assertEquals("ls-gone", lines.get(1), "/bin/ls deleted in the committed container stays deleted: " + seen);
            assertEquals("f", lines.get(2), seen);
            assertEquals("hostname=" + probeId.substring(0, 12), lines.get(3),
                    "/etc/hostname is the new container's (committed: " + webId.substring(0, 12) + ")");
            assertTrue(seen.contains("10.4.5.6\tfresh.example\n"), "the new container's /etc/hosts: " + seen);
            assertFalse(seen.contains("committed.example"), "the committed container's /etc/hosts did not leak: " + seen);
            assertTrue(seen.contains("127.0.0.1\tlocalhost\n") && seen.endsWith("dockerenv\n"), seen);

            // image inspect: comment, author, the image's layer plus one, the config with the changes
            JsonNode inspect = inspectImage(c, img);
            assertEquals("msg", inspect.path("Comment").asText());
            assertEquals("me", inspect.path("Author").asText());
            List<String> layers = layers(inspect);
            assertEquals(2, layers.size(), "busybox's layer and the container's: " + layers);
            assertEquals(layers(inspectImage(c, "busybox")).get(0), layers.get(0));
            assertTrue(texts(inspect.path("Config").path("Env")).contains("FOO=bar"), inspect.path("Config").toString());
            assertEquals(List.of("cat", "/hello.txt"), texts(inspect.path("Config").path("Cmd")));

            // the new layer is the read-write layer only: no init file (/etc/hosts ...), no mount point
            assertEquals(List.of("bin/", "bin/.wh.ls", "hello.txt", "opt/", "opt/new/", "opt/new/f"), topLayerEntries(c, img, m));

            // history: the commit on top, with its comment and the container's command
            List<String> history = d.client(c, "history", img).ok().out().lines().toList();
            assertEquals(3, history.size(), "a header, the commit, busybox's import: " + history);
            assertTrue(history.get(0).matches("IMAGE\\s+CREATED\\s+CREATED BY\\s+SIZE\\s+COMMENT"), history.get(0));
            assertTrue(history.get(1).startsWith(id.substring(7, 19) + " "), history.get(1));
            assertTrue(history.get(1).contains("sh -c trap 'echo got USR1' USR1; echo hell"), history.get(1));
            assertTrue(history.get(1).endsWith(" msg"), history.get(1));
            assertEquals("sh -c " + WEB + "|msg", d.client(c, "history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Comment}}", img)
                    .ok().out().lines().findFirst().orElse(""));

            // the committed container was thawed: it runs, logs and answers a signal
            assertEquals("running false", d.inspect(web, "{{.State.Status}} {{.State.Paused}}"));
            assertEquals("THAWED", freezerState(d, webId));
            int ticks = lastTick(d.client(c, "logs", web).out());
            assertTrue(RunBasicsE2EIT.eventually(() -> lastTick(d.client(c, "logs", web).out()) >= ticks + 3, 10_000),
                    "the committed container still logs after the commit");
            d.client(c, "kill", "-s", "USR1", web).ok();
            awaitLog(c, web, "got USR1");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void pauseFreezesTheContainerWhileItsLayerIsCopiedAndPauseFalseDoesNot(String c) throws Exception {
        try (Made m = new Made(d)) {
            String web = m.container(name(c + "-big"));
            d.client(c, "run", "-d", "--name", web, "busybox", "sh", "-c",
                    "dd if=/dev/zero of=/big bs=1M count=64 2>/dev/null; echo ready; i=0; "
                            + "while true; do i=$((i+1)); echo tick $i; sleep 0.1; done").ok();
            awaitLog(c, web, "ready");
            String cid = d.inspect(web, "{{.Id}}");
            assertEquals("THAWED", freezerState(d, cid));

            String paused = m.image("paused-" + c + ":1");
            Set<String> during = statesDuring(d, cid, () -> d.client(c, "commit", web, paused).ok());
            assertTrue(during.contains("FROZEN"), "commit (pause by default) froze the container; seen: " + during);
            assertEquals("THAWED", freezerState(d, cid), "and thawed it");

            String unpaused = m.image("unpaused-" + c + ":1");
            Set<String> during2 = statesDuring(d, cid, () -> d.client(c, "commit", "--pause=false", web, unpaused).ok());
            assertEquals(Set.of("THAWED"), during2, "commit --pause=false never freezes the container");

            assertEquals("running", d.inspect(web, "{{.State.Status}}"));
            int ticks = lastTick(d.client(c, "logs", web).out());
            assertTrue(RunBasicsE2EIT.eventually(() -> lastTick(d.client(c, "logs", web).out()) >= ticks + 3, 10_000),
                    "still ticking after both commits");
            for (String img : List.of(paused, unpaused)) {
                assertEquals("67108864\n", d.client(c, "run", "--rm", img, "stat", "-c", "%s", "/big").ok().out(), img);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void commitAStoppedContainerThenCommitAgainStacksLayers(String c) throws Exception {
        try (Made m = new Made(d)) {
            String first = m.container(name(c + "-first"));
            d.client(c, "run", "--name", first, "busybox", "sh", "-c", "echo one > /a; echo x > /keep").ok();
            String s1 = m.image("stack-" + c + ":1");
            String id1 = d.client(c, "commit", first, s1).ok().out().trim();
            assertTrue(id1.matches("sha256:[0-9a-f]{64}"), id1);
            assertEquals("exited 0", d.inspect(first, "{{.State.Status}} {{.State.ExitCode}}"), "commit does not start a stopped container");
            List<String> l1 = layers(inspectImage(c, s1));
            assertEquals(2, l1.size(), l1.toString());

            String second = m.container(name(c + "-second"));
            d.client(c, "run", "-d", "--name", second, s1, "sh", "-c",
                    "rm /a; echo two > /b; echo ready; while true; do sleep 0.2; done").ok();
            awaitLog(c, second, "ready");
            assertEquals("D /a\nA /b\n", d.client(c, "diff", second).ok().out(), "changes against " + s1 + ", not busybox");
            String s2 = m.image("stack-" + c + ":2");
            String id2 = d.client(c, "commit", "-m", "second", second, s2).ok().out().trim();
            assertNotEquals(id1, id2);
            List<String> l2 = layers(inspectImage(c, s2));
            assertEquals(3, l2.size(), l2.toString());
            assertEquals(l1, l2.subList(0, 2), "the second commit stacks on the first one's layers");

            assertEquals("two\nx\nno-a\n", d.client(c, "run", "--rm", s2, "sh", "-c", "cat /b /keep; test -e /a || echo no-a").ok().out());
            assertEquals("one\nx\n", d.client(c, "run", "--rm", s1, "cat", "/a", "/keep").ok().out(), s1 + " is unchanged");
            List<String> history = d.client(c, "history", "--format", "{{.Comment}}", s2).ok().out().lines().toList();
            assertEquals(3, history.size(), history.toString());
            assertEquals("second", history.get(0));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void aMissingContainerIsNoSuchContainer(String c) throws Exception {
        Path out = d.root.resolve("missing-" + c + ".tar");
        String imagesBefore = d.docker("images", "-q", "--no-trunc").ok().out();
        for (List<String> args : List.of(List.of("commit", "nosuch"), List.of("commit", "-m", "x", "nosuch", "never:1"),
                List.of("diff", "nosuch"), List.of("export", "-o", out.toString(), "nosuch"))) {
            BerthDaemon.Result r = d.client(c, args.toArray(String[]::new));
            assertNotEquals(0, r.code(), args + ": " + r.all());
            assertTrue(r.err().contains("No such container: nosuch"), args + ": " + r.err());
        }
        assertFalse(Files.exists(out), "a failed export -o leaves no file");
        assertEquals(imagesBefore, d.docker("images", "-q", "--no-trunc").ok().out(), "no image was made");
        assertEquals(1, d.docker("image", "inspect", "never:1").code());
    }

    // -------------------------------------------------------------------------------------------- diff

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void diffListsWhatAContainerChanged(String c) throws Exception {
        diffScenario(d, c);
    }

    /** The vfs driver finds changes by comparing the container's copy with the image: the same answers. */
    @Test
    void diffOnASecondDaemonWithTheVfsDriver() throws Exception {
        try (BerthDaemon vfs = BerthDaemon.launch("--storage-driver", "vfs")) {
            vfs.importBusybox();
            assertEquals("vfs", vfs.docker("info", "-f", "{{.Driver}}").ok().out().trim());
            for (String c : List.of("docker", "berth")) {
                diffScenario(vfs, c);
            }
            // and a commit there carries the same layer
            String web = "vfs-web";
            vfs.docker("run", "-d", "--name", web, "busybox", "sh", "-c", WEB).ok();
            assertTrue(RunBasicsE2EIT.eventually(() -> vfs.docker("logs", web).out().contains("ready"), 10_000));
            vfs.docker("commit", "-c", "CMD [\"cat\",\"/hello.txt\"]", web, "vfsimg:1").ok();
            assertEquals("hello\n", vfs.docker("run", "--rm", "vfsimg:1").ok().out());
            assertEquals("gone\n", vfs.docker("run", "--rm", "vfsimg:1", "sh", "-c", "test -e /bin/ls || echo gone").ok().out());
            vfs.docker("rm", "-f", web).ok();
            vfs.docker("rmi", "vfsimg:1").ok();
        }
    }

    private static void diffScenario(BerthDaemon daemon, String c) throws Exception {
        try (Made m = new Made(daemon)) {
            String web = m.container(name(c + "-diff"));
            daemon.client(c, "run", "-d", "--name", web, "busybox", "sh", "-c", WEB).ok();
            assertTrue(RunBasicsE2EIT.eventually(() -> daemon.client(c, "logs", web).out().contains("ready"), 10_000));
            assertEquals(WEB_DIFF, daemon.client(c, "diff", web).ok().out(), c + " diff of a running container");
            assertEquals(WEB_DIFF, daemon.client(c, "container", "diff", web).ok().out(), c + " container diff");

            // /etc changed by the process, /etc/hostname written through its bind mount (not a change), a tree removed
            String etc = m.container(name(c + "-etc"));
            daemon.client(c, "run", "--name", etc, "busybox", "sh", "-c",
                    "echo x:x:5:5::/:/bin/sh >> /etc/passwd; echo other > /etc/hostname; rm -rf /usr; mkdir /tmp/t; touch /tmp/t/a").ok();
            assertEquals("C /etc\nC /etc/passwd\nC /tmp\nA /tmp/t\nA /tmp/t/a\nD /usr\n", daemon.client(c, "diff", etc).ok().out(),
                    c + " diff of an exited container; a deleted directory is listed alone");

            // no changes: no output
            String fresh = m.container(name(c + "-fresh"));
            daemon.client(c, "create", "--name", fresh, "busybox", "true").ok();
            assertEquals("", daemon.client(c, "diff", fresh).ok().out(), "a fresh container has no changes");
            String ran = m.container(name(c + "-ran"));
            daemon.client(c, "run", "--name", ran, "busybox", "true").ok();
            assertEquals("", daemon.client(c, "diff", ran).ok().out(), "a container that wrote nothing has no changes");
        }
    }

    // ------------------------------------------------------------------------------------------ export

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void exportWritesTheWholeFilesystemAndImportsAsOneLayer(String c) throws Exception {
        try (Made m = new Made(d)) {
            String web = m.container(name(c + "-exp"));
            d.client(c, "run", "-d", "--name", web, "busybox", "sh", "-c", WEB).ok();
            awaitLog(c, web, "ready");

            Path viaO = m.file(d.root.resolve("export-o-" + c + ".tar"));
            assertEquals("", d.client(c, "export", "-o", viaO.toString(), web).ok().out());
            Path viaStdout = m.file(d.root.resolve("export-stdout-" + c + ".tar"));
            BerthDaemon.run(List.of("sh", "-c", shell(d.cmd(c, "export", web)) + " > " + viaStdout), d.dockerEnv(), null).ok();

            List<String> listing = tarList(viaO);
            assertEquals(listing, tarList(viaStdout), "-o and stdout carry the same tree");
            for (String entry : List.of("hello.txt", "etc/hosts", "etc/hostname", "bin/sh", "bin/busybox", "opt/new/f", ".dockerenv")) {
                assertTrue(listing.contains(entry), entry + " is in the export: " + listing);
            }
            assertFalse(listing.contains("bin/ls"), "bin/ls was deleted");
            assertFalse(listing.stream().anyMatch(e -> e.contains(".wh.")), "no whiteouts in an export");
            assertEquals("hello\n", BerthDaemon.run(List.of("tar", "-xOf", viaO.toString(), "hello.txt"), java.util.Map.of(), null).ok().out());

            // docker import of the export: one layer holding the container's view
            String flat = m.image("flat-" + c + ":1");
            d.client(c, "import", viaO.toString(), flat).ok();
            assertEquals(1, layers(inspectImage(c, flat)).size());
            assertEquals("hello\nf\nno-ls\n", d.client(c, "run", "--rm", flat, "sh", "-c",
                    "cat /hello.txt /opt/new/f; test -e /bin/ls || echo no-ls").ok().out());
        }
    }

    // ------------------------------------------------------------------------------------- image prune

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void pruneRemovesDanglingImagesOnly(String c) throws Exception {
        try (Made m = new Made(d)) {
            // dangling: a commit without a name (a layer of its own, 50 kB) and an import without a tag
            String maker = m.container(name(c + "-maker"));
            d.client(c, "run", "--name", maker, "busybox", "sh", "-c", "dd if=/dev/zero of=/fifty bs=1000 count=50 2>/dev/null").ok();
            String committed = m.image(d.client(c, "commit", maker).ok().out().trim());
            String imported = m.image(d.client(c, "import", BerthDaemon.busyboxTar().toString()).ok().out().trim());
            // a dangling image a container uses stays; so does a tagged one
            String used = m.image(d.client(c, "import", BerthDaemon.busyboxTar().toString()).ok().out().trim());
            String user = m.container(name(c + "-user"));
            d.client(c, "create", "--name", user, used, "true").ok();
            String tagged = m.image("tagged-" + c + ":1");
            d.client(c, "import", BerthDaemon.busyboxTar().toString(), tagged).ok();
            assertTrue(d.docker("images").ok().out().contains("<none>"));

            String out = d.client(c, "image", "prune", "-f").ok().out();
            assertTrue(out.startsWith("Deleted Images:\n"), out);
            Set<String> deleted = deletedIds(out);
            assertEquals(new TreeSet<>(Set.of(committed, imported)), deleted, out);
            assertFalse(out.contains("untagged:"), out);
            Matcher reclaimed = Pattern.compile("\\n\\nTotal reclaimed space: (\\S+)\\n$").matcher(out);
            assertTrue(reclaimed.find(), out);
            // the committed image's own layer (50 kB); the imported one shares busybox's
            assertEquals("50kB", reclaimed.group(1), out);

            for (String gone : List.of(committed, imported)) {
                assertEquals(1, d.docker("image", "inspect", gone).code(), gone + " was pruned");
            }
            for (String kept : List.of(used, tagged, "busybox")) {
                assertEquals(0, d.docker("image", "inspect", kept).code(), kept + " was kept");
            }
            assertEquals("Total reclaimed space: 0B\n", d.client(c, "image", "prune", "-f").ok().out(), "nothing left to prune");

            // a dangling image with a layer of its own: its size is reclaimed (docker's 4 significant digits)
            String maker2 = m.container(name(c + "-maker2"));
            d.client(c, "run", "--name", maker2, "busybox", "sh", "-c", "dd if=/dev/zero of=/odd bs=1 count=123456 2>/dev/null").ok();
            String alone = m.image(d.client(c, "commit", maker2).ok().out().trim());
            String out2 = d.client(c, "image", "prune", "-f").ok().out();
            assertEquals("Deleted Images:\ndeleted: " + alone + "\n\nTotal reclaimed space: 123.5kB\n", out2);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void pruneAllKeepsImagesThatContainersUse(String c) throws Exception {
        try (Made m = new Made(d)) {
            // busybox is in use during the prune, as every test of the class needs it
            String keeper = m.container(name(c + "-keep-busybox"));
            d.client(c, "create", "--name", keeper, "busybox", "true").ok();

            String unused = m.image("unused-" + c + ":1");
            String unusedId = d.client(c, "import", BerthDaemon.busyboxTar().toString(), unused).ok().out().trim();
            d.docker("tag", unused, unused.replace(":1", ":2")).ok();
            m.image(unused.replace(":1", ":2"));
            String stopped = m.image("stopped-" + c + ":1");
            String stoppedId = d.client(c, "import", BerthDaemon.busyboxTar().toString(), stopped).ok().out().trim();
            String exited = m.container(name(c + "-exited"));
            d.client(c, "run", "--name", exited, stopped, "true").ok();
            String running = m.image("running-" + c + ":1");
            d.client(c, "import", BerthDaemon.busyboxTar().toString(), running).ok();
            String runner = m.container(name(c + "-runner"));
            d.client(c, "run", "-d", "--name", runner, running, "sleep", "1000").ok();

            String out = d.client(c, "image", "prune", "-a", "-f").ok().out();
            assertTrue(out.startsWith("Deleted Images:\n"), out);
            assertTrue(out.contains("untagged: " + unused + "\n") && out.contains("untagged: " + unused.replace(":1", ":2") + "\n"), out);
            assertEquals(Set.of(unusedId), deletedIds(out), out);
            assertTrue(out.endsWith("\nTotal reclaimed space: 0B\n"), "the layer is busybox's: " + out);
            assertEquals(1, d.docker("image", "inspect", unused).code());
            assertEquals(stoppedId, d.docker("image", "inspect", "-f", "{{.Id}}", stopped).ok().out().trim(),
                    "an image a stopped container uses stays");
            assertEquals(0, d.docker("image", "inspect", running).code(), "an image a running container uses stays");
            assertEquals(0, d.docker("image", "inspect", "busybox").code());
            assertEquals("Total reclaimed space: 0B\n", d.client(c, "image", "prune", "-a", "-f").ok().out());
        } finally {
            ensureBusybox();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void pruneWithALabelFilterRemovesOnlyMatchingImages(String c) throws Exception {
        try (Made m = new Made(d)) {
            String tar = BerthDaemon.busyboxTar().toString();
            String pruneMe = m.image("prune-me-" + c + ":1");
            String pruneMeId = d.client(c, "import", "-c", "LABEL purpose=prune-me", tar, pruneMe).ok().out().trim();
            String keep = m.image("keep-" + c + ":1");
            d.client(c, "import", "-c", "LABEL purpose=keep", tar, keep).ok();
            String danglingMatch = m.image(d.client(c, "import", "-c", "LABEL purpose=prune-me", tar).ok().out().trim());
            String danglingOther = m.image(d.client(c, "import", "-c", "LABEL purpose=other", tar).ok().out().trim());

            // without -a: dangling and labelled
            String out = d.client(c, "image", "prune", "-f", "--filter", "label=purpose=prune-me").ok().out();
            assertEquals(Set.of(danglingMatch), deletedIds(out), out);
            assertEquals(0, d.docker("image", "inspect", danglingOther).code());
            assertEquals(0, d.docker("image", "inspect", pruneMe).code(), "tagged: not dangling");

            // -a: every unused image with the label
            out = d.client(c, "image", "prune", "-a", "-f", "--filter", "label=purpose=prune-me").ok().out();
            assertTrue(out.contains("untagged: " + pruneMe + "\n"), out);
            assertEquals(Set.of(pruneMeId), deletedIds(out), out);
            for (String kept : List.of(keep, danglingOther, "busybox")) {
                assertEquals(0, d.docker("image", "inspect", kept).code(), kept + " has another label or none");
            }
            // a key alone matches any value
            out = d.client(c, "image", "prune", "-a", "-f", "--filter", "label=purpose").ok().out();
            assertEquals(2, deletedIds(out).size(), out);
            assertEquals(0, d.docker("image", "inspect", "busybox").code(), "busybox has no label");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void pruneWithAnUntilFilterRemovesOnlyOlderImages(String c) throws Exception {
        try (Made m = new Made(d)) {
            String tar = BerthDaemon.busyboxTar().toString();
            String label = "label=set=until-" + c;
            String old = m.image("old-" + c + ":1");
            String oldId = d.client(c, "import", "-c", "LABEL set=until-" + c, tar, old).ok().out().trim();
            Thread.sleep(1100);
            Instant between = Instant.now();
            Thread.sleep(1100);
            String young = m.image("young-" + c + ":1");
            String youngId = d.client(c, "import", "-c", "LABEL set=until-" + c, tar, young).ok().out().trim();

            // 24h: both are younger than a day
            assertEquals("Total reclaimed space: 0B\n",
                    d.client(c, "image", "prune", "-a", "-f", "--filter", "until=24h", "--filter", label).ok().out());
            // a unix timestamp between the two
            String ts = between.getEpochSecond() + "." + String.format("%09d", between.getNano());
            String out = d.client(c, "image", "prune", "-a", "-f", "--filter", "until=" + ts, "--filter", label).ok().out();
            assertEquals(Set.of(oldId), deletedIds(out), out);
            assertEquals(0, d.docker("image", "inspect", young).code());
            // a duration both are older than
            Thread.sleep(1100);
            out = d.client(c, "image", "prune", "-a", "-f", "--filter", "until=1s", "--filter", label).ok().out();
            assertEquals(Set.of(youngId), deletedIds(out), out);
            assertEquals(0, d.docker("image", "inspect", "busybox").code());
        }
    }

    // --------------------------------------------------------------------------------------- system df

    @Test
    void systemDfCountsImagesAndContainersAndBothClientsPrintTheSameTable() throws Exception {
        try (Made m = new Made(d)) {
            String img = m.image("df-img:1");
            d.docker("import", BerthDaemon.busyboxTar().toString(), img).ok();
            m.image(d.docker("import", BerthDaemon.busyboxTar().toString()).ok().out().trim()); // dangling
            String runner = m.container(name("df-run"));
            d.docker("run", "-d", "--name", runner, "busybox", "sleep", "1000").ok();
            String exited = m.container(name("df-exit"));
            d.docker("run", "--name", exited, img, "true").ok();
            String created = m.container(name("df-created"));
            d.docker("create", "--name", created, "busybox", "true").ok();

            String docker = d.docker("system", "df").ok().out();
            List<String> rows = docker.lines().toList();
            assertEquals(5, rows.size(), docker);
            assertTrue(rows.get(0).matches("TYPE\\s+TOTAL\\s+ACTIVE\\s+SIZE\\s+RECLAIMABLE"), docker);
            long images = Long.parseLong(BerthDaemon.run(List.of("sh", "-c", "docker images -q | sort -u | wc -l"), d.dockerEnv(), null)
                    .ok().out().trim());
            long containers = Long.parseLong(BerthDaemon.run(List.of("sh", "-c", "docker ps -aq | wc -l"), d.dockerEnv(), null)
                    .ok().out().trim());
            long runningCount = Long.parseLong(BerthDaemon.run(List.of("sh", "-c", "docker ps -q | wc -l"), d.dockerEnv(), null)
                    .ok().out().trim());
            assertTrue(images >= 3 && containers >= 3, images + " " + containers);
            assertTrue(rows.get(1).matches("Images\\s+" + images + "\\s+2\\s+\\S+\\s+\\S+.*"), "busybox and df-img are in use: " + docker);
            assertTrue(rows.get(2).matches("Containers\\s+" + containers + "\\s+" + runningCount + "\\s+\\S+\\s+\\S+.*"), docker);
            assertTrue(rows.get(3).matches("Local Volumes\\s+0\\s+0\\s+0B\\s+0B"), docker);
            assertTrue(rows.get(4).matches("Build Cache\\s+0\\s+0\\s+0B\\s+0B"), docker);

            assertEquals(docker, d.berth("system", "df").ok().out(), "berth system df prints docker's table");
            assertEquals(withoutTimes(d.docker("system", "df", "-v").ok().out()), withoutTimes(d.berth("system", "df", "-v").ok().out()),
                    "berth system df -v prints docker's tables");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void systemDfShowsTheSizeOfAnExitedContainer(String c) throws Exception {
        try (Made m = new Made(d)) {
            String writer = m.container(name(c + "-writer"));
            d.client(c, "run", "--name", writer, "busybox", "dd", "if=/dev/zero", "of=/blob", "bs=1000", "count=100").ok();
            String[] size = new String[1];
            boolean measured = RunBasicsE2EIT.eventually(() -> {
                size[0] = containerSize(d.client(c, "system", "df", "-v").ok().out(), writer);
                return !size[0].equals("0B");
            }, 10_000);
            assertTrue(measured, "the size of " + writer + " is recorded when it exits: " + size[0]);
            long bytes = bytes(size[0]);
            assertTrue(bytes >= 100_000 && bytes <= 120_000, "about 100kB: " + size[0]);
            String table = d.client(c, "system", "df").ok().out();
            Matcher row = Pattern.compile("\\nContainers\\s+\\d+\\s+\\d+\\s+(\\S+)\\s+(\\S+)").matcher(table);
            assertTrue(row.find(), table);
            assertTrue(bytes(row.group(1)) >= bytes, "the containers' total counts it: " + table);
            assertTrue(bytes(row.group(2)) >= bytes, "an exited container's layer is reclaimable: " + table);

            // committed, its layer is the image's unique size; busybox's layer is shared with busybox
            String img = m.image("df-" + c + ":1");
            d.client(c, "commit", writer, img).ok();
            String verbose = d.client(c, "system", "df", "-v").ok().out();
            String[] mine = imageRow(verbose, "df-" + c, "1");
            String[] busybox = imageRow(verbose, "busybox", "latest");
            assertEquals("100kB", mine[2], "UNIQUE SIZE of " + img + ":\n" + verbose);
            assertEquals(busybox[1], mine[1], "SHARED SIZE: busybox's layer\n" + verbose);
            assertTrue(Math.abs(bytes(busybox[0]) - bytes(mine[1])) <= 10_000, "shared = busybox's size:\n" + verbose);
            assertEquals("0", mine[3], "no container uses " + img);
        }
    }

    // ---------------------------------------------------------------------------------------- helpers

    /** What a test made, removed at its end even when it fails (containers first, then images, then files). */
    static final class Made implements AutoCloseable {
        final BerthDaemon daemon;
        final List<String> containers = new ArrayList<>();
        final List<String> images = new ArrayList<>();
        final List<Path> files = new ArrayList<>();

        Made(BerthDaemon daemon) {
            this.daemon = daemon;
        }

        String container(String name) {
            containers.add(name);
            return name;
        }

        String image(String reference) {
            images.add(reference);
            return reference;
        }

        Path file(Path p) {
            files.add(p);
            return p;
        }

        @Override
        public void close() {
            try {
                if (!containers.isEmpty()) {
                    List<String> rm = new ArrayList<>(List.of("rm", "-f"));
                    rm.addAll(containers);
                    daemon.docker(rm.toArray(String[]::new));
                }
                for (String image : images) {
                    daemon.docker("rmi", "-f", image);
                }
                for (Path f : files) {
                    Files.deleteIfExists(f);
                }
            } catch (Exception e) {
                System.err.println("cleaning up after the test: " + e);
            }
        }
    }

    /** A test that prunes with -a puts busybox back if it was removed after all. */
    private static void ensureBusybox() throws Exception {
        if (d != null && d.docker("image", "inspect", "busybox").code() != 0) {
            d.importBusybox();
        }
    }

    private static void awaitLog(String c, String container, String text) throws Exception {
        assertTrue(RunBasicsE2EIT.eventually(() -> d.client(c, "logs", container).out().contains(text), 10_000),
                container + " logged " + text + ": " + d.docker("logs", container).all());
    }

    private static int lastTick(String logs) {
        return RunBasicsE2EIT.lastTick(logs);
    }

    private static JsonNode inspectImage(String c, String image) throws Exception {
        JsonNode all = JSON.readTree(d.client(c, "image", "inspect", image).ok().out());
        assertEquals(1, all.size(), all.toString());
        return all.get(0);
    }

    private static List<String> layers(JsonNode imageInspect) {
        return texts(imageInspect.path("RootFS").path("Layers"));
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** The entries of an image's top layer, read from docker save's archive. */
    private static List<String> topLayerEntries(String c, String image, Made m) throws Exception {
        Path archive = m.file(d.root.resolve("save-" + c + ".tar"));
        Path layer = m.file(d.root.resolve("save-" + c + "-top.tar"));
        d.client(c, "save", "-o", archive.toString(), image).ok();
        JsonNode manifest = JSON.readTree(BerthDaemon.run(List.of("tar", "-xOf", archive.toString(), "manifest.json"), java.util.Map.of(), null)
                .ok().out());
        JsonNode layerPaths = manifest.get(0).path("Layers");
        String top = layerPaths.get(layerPaths.size() - 1).asText();
        BerthDaemon.run(List.of("sh", "-c", "tar -xOf " + archive + " " + top + " > " + layer), java.util.Map.of(), null).ok();
        return tarList(layer);
    }

    private static List<String> tarList(Path tar) throws Exception {
        return BerthDaemon.run(List.of("tar", "-tf", tar.toString()), java.util.Map.of(), null).ok().out().lines().toList();
    }

    private static String shell(List<String> cmd) {
        return cmd.stream().map(s -> "'" + s.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
    }

    /** The image ids on the "deleted: " lines of image prune's output. */
    private static Set<String> deletedIds(String pruneOutput) {
        return pruneOutput.lines().filter(l -> l.startsWith("deleted: ")).map(l -> l.substring("deleted: ".length()))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** "100kB" → 100000, as docker's decimal units. */
    static long bytes(String human) {
        Matcher mm = Pattern.compile("([0-9.]+)(B|kB|MB|GB)").matcher(human);
        assertTrue(mm.matches(), human);
        double n = Double.parseDouble(mm.group(1));
        long unit = switch (mm.group(2)) {
            case "kB" -> 1000L;
            case "MB" -> 1000_000L;
            case "GB" -> 1000_000_000L;
            default -> 1L;
        };
        return Math.round(n * unit);
    }

    /** The SIZE column of a container's row in system df -v. */
    private static String containerSize(String dfVerbose, String name) {
        Pattern row = Pattern.compile("^[0-9a-f]{12}\\s+\\S+\\s+\".*\"\\s+\\d+\\s+(\\S+)\\s+.*\\s" + Pattern.quote(name) + "$");
        for (String line : dfVerbose.lines().toList()) {
            Matcher mm = row.matcher(line);
            if (mm.matches()) {
                return mm.group(1);
            }
        }
        fail("no row for " + name + " in:\n" + dfVerbose);
        return null;
    }

    /** SIZE, SHARED SIZE, UNIQUE SIZE and CONTAINERS of an image's row in system df -v. */
    private static String[] imageRow(String dfVerbose, String repository, String tag) {
        Pattern row = Pattern.compile("^" + Pattern.quote(repository) + "\\s+" + Pattern.quote(tag)
                + "\\s+[0-9a-f]{12}\\s+.+? ago\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\d+)$");
        for (String line : dfVerbose.lines().toList()) {
            Matcher mm = row.matcher(line);
            if (mm.matches()) {
                return new String[] {mm.group(1), mm.group(2), mm.group(3), mm.group(4)};
            }
        }
        fail("no row for " + repository + ":" + tag + " in:\n" + dfVerbose);
        return null;
    }

    /** A table with its "3 seconds ago" times and column padding left out. */
    static String withoutTimes(String table) {
        return table.lines().map(l -> l.replaceAll("(Less than a second|About an? \\w+|\\d+ \\w+) ago", "T ago")
                .replaceAll("Up (Less than a second|About an? \\w+|\\d+ \\w+)", "Up T")
                .replaceAll(" {2,}", "  ").trim()).collect(Collectors.joining("\n"));
    }

    // ---- the cgroup freezer of a container, seen from the host ----

    /** FROZEN, FREEZING or THAWED (cgroup v1 freezer.state; cgroup v2's cgroup.freeze mapped to these). */
    static String freezerState(BerthDaemon daemon, String containerId) throws Exception {
        Path f = freezerFile(daemon, containerId);
        String s = Files.readString(f).trim();
        if (f.getFileName().toString().equals("cgroup.freeze")) {
            return s.equals("1") ? "FROZEN" : "THAWED";
        }
        return s;
    }

    private static Path freezerFile(BerthDaemon daemon, String containerId) throws Exception {
        for (Path parent : daemon.cgroupDirs()) {
            for (String name : List.of("freezer.state", "cgroup.freeze")) {
                Path f = parent.resolve(containerId).resolve(name);
                if (Files.exists(f)) {
                    return f;
                }
            }
        }
        throw new AssertionError("no freezer file for " + containerId + " under " + daemon.cgroupDirs());
    }

    /** The freezer states seen (polled every 0.2 ms) while {@code action} runs. */
    private static Set<String> statesDuring(BerthDaemon daemon, String containerId, Callable<?> action) throws Exception {
        Path f = freezerFile(daemon, containerId);
        boolean v2 = f.getFileName().toString().equals("cgroup.freeze");
        Set<String> seen = new ConcurrentSkipListSet<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread poller = new Thread(() -> {
            while (!stop.get()) {
                try {
                    String s = Files.readString(f).trim();
                    seen.add(v2 ? (s.equals("1") ? "FROZEN" : "THAWED") : s);
                } catch (Exception gone) {
                    seen.add("unreadable: " + gone);
                }
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
            }
        }, "freezer-poller");
        poller.setDaemon(true);
        poller.start();
        try {
            action.call();
        } finally {
            stop.set(true);
            poller.join(5000);
        }
        return new TreeSet<>(seen);
    }
}
