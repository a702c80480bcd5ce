package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** docker import / images / image inspect / rmi, and archives that try to write outside the data root. */
class ImagesE2EIT extends E2E {

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void importListInspectRemove(String c) throws Exception {
        String tag = c + "img:1";
        String id = d.client(c, "import", BerthDaemon.busyboxTar().toString(), tag).ok().out().trim();
        assertTrue(id.matches("sha256:[0-9a-f]{64}"), "import prints the image id: " + id);

        String images = d.client(c, "images").ok().out();
        assertTrue(images.startsWith("REPOSITORY"), images);
        assertTrue(images.matches("(?s).*\\n" + c + "img\\s+1\\s+" + id.substring(7, 19) + "\\s.*"), images);
        assertTrue(images.matches("(?s).*\\nbusybox\\s+latest\\s.*"), images);
        assertTrue(d.client(c, "images", "-q").ok().out().contains(id.substring(7, 19)));

        String inspectCmd = c.equals("docker") ? "image" : null;
        List<String> args = new java.util.ArrayList<>();
        if (inspectCmd != null) {
            args.add(inspectCmd);
        }
        args.addAll(List.of("inspect", "-f", "{{.Id}} {{json .RootFS.Layers}} {{json .RepoTags}}", tag));
        String layers = d.client(c, args.toArray(String[]::new)).ok().out();
        assertTrue(layers.matches(id + " \\[\"sha256:[0-9a-f]{64}\"] \\[\"" + tag + "\"]\\n"), layers);
        assertEquals("layers", d.docker("image", "inspect", "-f", "{{.RootFS.Type}}", tag).ok().out().trim());

        // in use by a container: 409 and Docker's message; the image stays
        String cid = d.docker("create", tag, "true").ok().out().trim();
        BerthDaemon.Result inUse = d.client(c, "rmi", tag);
        assertNotEquals(0, inUse.code());
        assertTrue(inUse.err().contains("conflict: unable to remove repository reference \"" + tag + "\" (must force) - container "
                + cid.substring(0, 12) + " is using its referenced image " + id.substring(7, 19)), inUse.err());
        assertTrue(d.raw("DELETE", "/v1.47/images/" + tag, null)[0].contains(" 409 "));
        assertEquals(0, d.docker("image", "inspect", tag).code(), "the refused rmi kept the image");
        d.docker("rm", cid).ok();

        String removed = d.client(c, "rmi", tag).ok().out();
        assertTrue(removed.contains("Untagged: " + tag), removed);
        assertFalse(d.client(c, "images").ok().out().contains(c + "img"));
        BerthDaemon.Result gone = d.docker("image", "inspect", tag);
        assertEquals(1, gone.code());
        assertTrue(gone.err().contains("No such image: " + tag), gone.err());
    }

    @Test
    void untagVersusDeleteAndForce() throws Exception {
        String id = d.docker("import", BerthDaemon.busyboxTar().toString(), "two:1").ok().out().trim();
        d.docker("tag", "two:1", "two:2").ok();
        assertEquals("Untagged: two:1\n", d.docker("rmi", "two:1").ok().out(), "a second tag keeps the image");
        assertEquals(id, d.docker("image", "inspect", "-f", "{{.Id}}", "two:2").ok().out().trim());
        String last = d.docker("rmi", "two:2").ok().out();
        assertTrue(last.contains("Untagged: two:2") && last.contains("Deleted: " + id), last);
        assertFalse(d.docker("images", "-q").ok().out().contains(id.substring(7, 19)));

        // -f removes a tag that a container still uses
        d.docker("import", BerthDaemon.busyboxTar().toString(), "forced:1").ok();
        String cid = d.docker("create", "forced:1", "true").ok().out().trim();
        assertNotEquals(0, d.docker("rmi", "forced:1").code());
        String forced = d.docker("rmi", "-f", "forced:1").ok().out();
        assertTrue(forced.contains("Untagged: forced:1"), forced);
        assertEquals(1, d.docker("image", "inspect", "forced:1").code());
        d.docker("rm", cid).ok();
        // busybox (same content, other tag) was not affected
        assertEquals("hi\n", d.docker("run", "--rm", "busybox", "echo", "hi").ok().out());
    }

    @Test
    void importWithChanges() throws Exception {
        d.docker("import", "-c", "CMD [\"echo\", \"from-change\"]", "-c", "ENV GREETING=hello",
                BerthDaemon.busyboxTar().toString(), "changed:1").ok();
        assertEquals("from-change\n", d.docker("run", "--rm", "changed:1").ok().out());
        assertEquals("hello\n", d.docker("run", "--rm", "changed:1", "sh", "-c", "echo $GREETING").ok().out());
        d.docker("rmi", "changed:1").ok();
    }

    @Test
    void hostileArchivesAreRefusedAndNothingEscapes() throws Exception {
        Path dir = d.root.resolve("hostile");
        Files.createDirectories(dir);
        String tag = "berth-escape-" + ProcessHandle.current().pid();
        Path outside = Path.of("/tmp", tag);
        Path viaSymlink = Path.of("/tmp", tag + "-sym");
        Files.deleteIfExists(outside);
        Files.deleteIfExists(viaSymlink);
        String script = String.join("\n",
                "set -e", "cd " + dir,
                "mkdir -p a && echo x > a/f",
                // an entry that climbs out with ..
                "tar --absolute-names -cf dotdot.tar a/f --transform 's,^a/f,../../../../../../../../" + outside.toString().substring(1) + ",'",
                // an entry with an absolute path
                "tar --absolute-names -cf abs.tar a/f --transform 's,^a/f," + outside + ",'",
                // a symlink to outside the rootfs, then a file written through it
                "ln -sfn /tmp link && tar -cf sym.tar link && mkdir -p l2 && echo y > l2/" + viaSymlink.getFileName()
                        + " && tar -rf sym.tar l2/" + viaSymlink.getFileName() + " --transform 's,^l2,link,'");
        BerthDaemon.run(List.of("bash", "-c", script), Map.of(), null).ok();
        long imagesBefore = d.docker("images", "-q").ok().out().lines().count();
        for (String tar : List.of("dotdot.tar", "abs.tar", "sym.tar")) {
            BerthDaemon.Result r = d.docker("import", dir.resolve(tar).toString(), "hostile:" + tar.replace(".tar", ""));
            assertNotEquals(0, r.code(), tar + " was accepted: " + r.out());
            assertTrue(r.err().startsWith("Error response from daemon: "), tar + ": " + r.err());
            assertTrue(r.err().length() > "Error response from daemon: ".length() + 10, "a clear message: " + r.err());
        }
        assertFalse(Files.exists(outside), "nothing written outside the data root via .. or an absolute path");
        assertFalse(Files.exists(viaSymlink), "nothing written through a symlink");
        assertEquals(imagesBefore, d.docker("images", "-q").ok().out().lines().count(), "no image was created");
        // a symlink whose target is outside is harmless in itself if nothing is written through it; what
        // matters is the host: the files above do not exist. The daemon still serves.
        assertEquals("hi\n", d.docker("run", "--rm", "busybox", "echo", "hi").ok().out(), "the daemon still serves");
        Files.deleteIfExists(outside);
        Files.deleteIfExists(viaSymlink);
    }
}
