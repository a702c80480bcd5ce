package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docker save / load / history as a user runs them, through the docker CLI and bin/berth: the archive's
 * shape (an OCI layout that is also a docker-archive, every blob named by its sha256), loading it into a
 * second berthd (vfs) that then shows the same image and runs it, history, hostile archives (refused with
 * a clear message, nothing written outside, nothing left in tmp/, the daemon unharmed), round trips with
 * Debian's dockerd, and skopeo and umoci reading berth's archives.
 */
class ImageArchiveE2EIT extends E2E {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final Path DOCKERD = Dockerd.DOCKERD;
    /** Names that a hostile archive tries to create outside the data root start with this. */
    static final String ESCAPE = "berth-escape-" + HexFormat.of().formatHex(randomBytes(6));

    /** A second daemon, on the vfs driver, that archives are loaded into. */
    static BerthDaemon second;
    private static final AtomicInteger WORK_SEQ = new AtomicInteger();
    /** The current test's scratch directory (removed after the test). */
    private Path work;

    @RegisterExtension
    static final TestWatcher PRINT_SECOND_LOG = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            BerthDaemon s = second;
            if (s != null) {
                System.err.println("==== " + context.getDisplayName() + " failed; second berthd (vfs) log, last 60 lines, of "
                        + s.root + ":\n" + s.logTail(60) + "\n==== end of the second berthd's log");
            }
        }
    };

    @BeforeAll
    static void startSecondDaemon() throws Exception {
        second = BerthDaemon.launch("--storage-driver", "vfs");
    }

    @AfterAll
    static void stopSecondDaemon() throws Exception {
        BerthDaemon s = second;
        second = null;
        if (s != null) {
            s.close();
        }
    }

    @BeforeEach
    void scratch() throws IOException {
        work = Files.createDirectories(d.root.resolve("work-" + WORK_SEQ.incrementAndGet()));
    }

    /** Whatever a test left in the second daemon (it loads images there) and its scratch files go. */
    @AfterEach
    void cleanUp() throws Exception {
        try {
            String containers = second.docker("ps", "-aq").ok().out().trim();
            if (!containers.isEmpty()) {
                List<String> rm = new ArrayList<>(List.of("rm", "-f"));
                rm.addAll(Arrays.asList(containers.split("\\s+")));
                second.docker(rm.toArray(String[]::new)).ok();
            }
            for (String id : new TreeSet<>(second.docker("images", "-aq", "--no-trunc").ok().out().lines().toList())) {
                second.docker("rmi", "-f", id).ok();
            }
            assertEquals("", second.docker("images", "-aq").ok().out(), "the second daemon's images were all removed");
        } finally {
            BerthDaemon.run(List.of("rm", "-rf", "--one-file-system", work.toString()), Map.of(), null, 60).ok();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 1. save: the archive's shape
    // ---------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void saveOneImageWithTwoTagsToAFileAndToStdout(String c) throws Exception {
        String repo = c + "save";
        String token = token();
        String id = uniqueImage(d, repo + ":latest", token);
        d.docker("tag", repo + ":latest", repo + ":v2").ok();
        try {
            Path file = work.resolve("to-file.tar");
            assertEquals("", d.client(c, "save", "-o", file.toString(), repo).ok().out(), "save -o prints nothing");
            Archive a = Archive.read(file);
            a.assertWellFormed();
            List<String> diffIds = jsonList(d.docker("image", "inspect", "-f", "{{json .RootFS.Layers}}", repo).ok().out());
            a.assertImage(0, id, diffIds, List.of(repo + ":latest", repo + ":v2"));
            assertEquals(1, a.manifest().size(), "one image: " + a.manifest());
            // index.json: one manifest per reference, named as containerd and OCI tools expect
            JsonNode index = a.json("index.json");
            assertEquals(2, index.path("manifests").size(), index.toString());
            Set<String> names = new TreeSet<>();
            Set<String> refNames = new TreeSet<>();
            for (JsonNode m : index.path("manifests")) {
                assertEquals(OCI_MANIFEST, m.path("mediaType").asText(), m.toString());
                a.assertDescriptor(m);
                names.add(m.path("annotations").path("io.containerd.image.name").asText());
                refNames.add(m.path("annotations").path("org.opencontainers.image.ref.name").asText());
                JsonNode manifest = a.json(blobName(m.path("digest").asText()));
                assertEquals(id, manifest.path("config").path("digest").asText());
                a.assertDescriptor(manifest.path("config"));
                List<String> layerDigests = new ArrayList<>();
                for (JsonNode l : manifest.path("layers")) {
                    a.assertDescriptor(l);
                    layerDigests.add(l.path("digest").asText());
                }
                assertEquals(diffIds, layerDigests, "the OCI manifest's layers are the uncompressed diff ids");
            }
            assertEquals(Set.of("docker.io/library/" + repo + ":latest", "docker.io/library/" + repo + ":v2"), names);
            assertEquals(Set.of("latest", "v2"), refNames);
            assertEquals(Map.of(repo, Map.of("latest", hex(last(diffIds)), "v2", hex(last(diffIds)))),
                    JSON.convertValue(a.json("repositories"), Map.class), "the legacy repositories file");

            // to stdout: the same archive
            Path piped = work.resolve("to-stdout.tar");
            BerthDaemon.Result r = shell(d, c, "> " + quote(piped.toString()), "save", repo).ok();
            assertEquals("", r.err());
            Archive b = Archive.read(piped);
            b.assertWellFormed();
            assertEquals(a.entries.keySet(), b.entries.keySet());
            assertEquals(a.json("manifest.json"), b.json("manifest.json"));
            assertEquals(a.json("index.json"), b.json("index.json"));

            // saving writes nothing under the daemon's tmp/ that stays
            assertTmpEmpty(d);
        } finally {
            d.docker("rmi", "-f", repo + ":latest", repo + ":v2").ok();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void saveSeveralImagesInOneArchiveAndById(String c) throws Exception {
        String one = c + "multi-a:1";
        String two = c + "multi-b:2";
        String idOne = uniqueImage(d, one, token());
        String idTwo = d.docker("import", "-c", "CMD [\"echo\", \"two\"]", BerthDaemon.busyboxTar().toString(), two).ok().out().trim();
        try {
            Path file = work.resolve("several.tar");
            d.client(c, "save", "-o", file.toString(), one, two, "busybox").ok();
            Archive a = Archive.read(file);
            a.assertWellFormed();
            assertEquals(3, a.manifest().size(), a.manifest().toString());
            a.assertImage(0, idOne, layersOf(d, one), List.of(one));
            a.assertImage(1, idTwo, layersOf(d, two), List.of(two));
            a.assertImage(2, d.inspect("busybox", "{{.Id}}"), layersOf(d, "busybox"), List.of("busybox:latest"));
            // busybox and the second image share their layer: it is in the archive once
            assertEquals(layersOf(d, "busybox"), layersOf(d, two));
            Set<String> layerBlobs = new TreeSet<>();
            layerBlobs.addAll(layersOf(d, one));
            layerBlobs.addAll(layersOf(d, two));
            long blobs = a.entries.keySet().stream().filter(n -> n.startsWith("blobs/sha256/") && !n.endsWith("/")).count();
            // 3 configs + 2 distinct layers + 3 OCI manifests
            assertEquals(3 + layerBlobs.size() + 3, blobs, a.entries.keySet().toString());

            // by id: the image without a name
            Path byId = work.resolve("by-id.tar");
            d.client(c, "save", "-o", byId.toString(), idOne.substring(7, 19)).ok();
            Archive b = Archive.read(byId);
            b.assertWellFormed();
            assertEquals(1, b.manifest().size(), b.manifest().toString());
            b.assertImage(0, idOne, layersOf(d, one), List.of());
            for (JsonNode m : b.json("index.json").path("manifests")) {
                assertFalse(m.path("annotations").has("io.containerd.image.name"), "an image saved by id has no name: " + m);
            }

            // and it loads as an untagged image
            BerthDaemon.Result loaded = second.client(c, "load", "-i", byId.toString()).ok();
            assertEquals("Loaded image ID: " + idOne + "\n", loaded.out());
            assertEquals(idOne + " []", second.docker("image", "inspect", "-f", "{{.Id}} {{json .RepoTags}}", idOne).ok().out().trim());

            // a name that is not there: an error and no file
            Path missing = work.resolve("missing.tar");
            BerthDaemon.Result r = d.client(c, "save", "-o", missing.toString(), "nosuchimage:1");
            r.fails();
            assertTrue(r.err().contains("No such image: nosuchimage:1"), r.err());
            assertFalse(Files.exists(missing), "no archive is written for a missing image");
        } finally {
            d.docker("rmi", "-f", one, two).ok();
        }
    }

    /**
     * docker save REPOSITORY saves every tag of the repository, on whichever images they are, whether or
     * not one of them is "latest" (moby's tarexport: a name without tag or digest selects the repository).
     */
    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void saveByRepositoryNameSavesEveryTagOfIt(String c) throws Exception {
        String repo = c + "repo";
        String one = uniqueImage(d, repo + ":a", token());
        d.docker("tag", repo + ":a", repo + ":b").ok();
        String two = uniqueImage(d, repo + ":c", token());
        try {
            Path file = work.resolve("repo.tar");
            d.client(c, "save", "-o", file.toString(), repo).ok();
            Archive a = Archive.read(file);
            a.assertWellFormed();
            assertEquals(2, a.manifest().size(), "one entry per image: " + a.manifest());
            a.assertImage(a.indexOf(one), one, layersOf(d, repo + ":a"), List.of(repo + ":a", repo + ":b"));
            a.assertImage(a.indexOf(two), two, layersOf(d, repo + ":c"), List.of(repo + ":c"));
        } finally {
            d.docker("rmi", "-f", repo + ":a", repo + ":b", repo + ":c").ok();
        }
    }

    /** Several names of one image: one manifest.json entry with all of them as RepoTags, as dockerd writes. */
    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void saveNamesOfOneImageOnce(String c) throws Exception {
        String one = c + "same:1";
        String id = uniqueImage(d, one, token());
        String other = c + "other:2";
        d.docker("tag", one, other).ok();
        try {
            Path file = work.resolve("same.tar");
            d.client(c, "save", "-o", file.toString(), one, other, id.substring(7, 19)).ok();
            Archive a = Archive.read(file);
            a.assertWellFormed();
            assertEquals(1, a.manifest().size(), "one entry for the one image: " + a.manifest());
            a.assertImage(0, id, layersOf(d, one), List.of(one, other));
        } finally {
            d.docker("rmi", "-f", one, other).ok();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 2. load into a second daemon
    // ---------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void loadIntoASecondDaemonFromAFileAndFromStdin(String c) throws Exception {
        String repo = c + "load";
        String token = token();
        String id = uniqueImage(d, repo + ":latest", token);
        d.docker("tag", repo + ":latest", repo + ":v2").ok();
        try {
            Path file = work.resolve("load.tar");
            d.docker("save", "-o", file.toString(), repo).ok();
            String expected = "Loaded image: " + repo + ":latest\nLoaded image: " + repo + ":v2\n";

            assertEquals(expected, second.client(c, "load", "-i", file.toString()).ok().out());
            String f = "{{.Id}} {{json .RepoTags}} {{json .RootFS.Layers}} {{.RootFS.Type}} {{.Created}} {{json .Config}} "
                    + "{{.Os}}/{{.Architecture}} {{.Size}}";
            String original = d.docker("image", "inspect", "-f", f, repo).ok().out();
            assertTrue(original.startsWith(id + " [\"" + repo + ":latest\",\"" + repo + ":v2\"] [\"sha256:"), original);
            assertEquals(original, second.docker("image", "inspect", "-f", f, repo).ok().out(), "the same image in both daemons");
            String images = "{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}";
            assertEquals(d.docker("images", "--format", images, repo).ok().out(),
                    second.docker("images", "--format", images, repo).ok().out());
            String history = "{{.ID}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}";
            assertEquals(d.docker("history", "--no-trunc", "--format", history, repo).ok().out(),
                    second.docker("history", "--no-trunc", "--format", history, repo).ok().out());

            // the layer was really applied by the vfs driver: a container sees the file only this image has
            assertEquals("ok\n", second.client(c, "run", "--rm", repo, "echo", "ok").ok().out());
            assertEquals(token + "\n", second.client(c, "run", "--rm", repo + ":v2", "cat", "/unique").ok().out());

            // again, from stdin, and quietly: loading the same archive twice is fine
            assertEquals(expected, shell(second, c, "< " + quote(file.toString()), "load").ok().out());
            assertEquals(expected, second.client(c, "load", "-q", "-i", file.toString()).ok().out());
            assertEquals(original, second.docker("image", "inspect", "-f", f, repo).ok().out());
            assertEquals(2, second.docker("images", "-q", repo).ok().out().lines().count());
            assertTmpEmpty(second);

            // a load from a file that is not there
            BerthDaemon.Result missing = second.client(c, "load", "-i", work.resolve("nope.tar").toString());
            missing.fails();
            assertTrue(missing.err().contains("no such file or directory"), missing.err());
        } finally {
            d.docker("rmi", "-f", repo + ":latest", repo + ":v2").ok();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 3. history
    // ---------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void historyShowsTheImportAndItsLayer(String c) throws Exception {
        String id = d.inspect("busybox", "{{.Id}}");
        String bytes = d.inspect("busybox", "{{.Size}}");
        String human = d.docker("images", "--format", "{{.Size}}", "busybox:latest").ok().out().trim();
        assertTrue(human.matches("[0-9.]+[kMG]B"), human);

        String table = d.client(c, "history", "busybox").ok().out();
        List<String> lines = table.lines().toList();
        assertEquals(2, lines.size(), "a header and one row for the one imported layer:\n" + table);
        assertTrue(lines.get(0).matches("IMAGE\\s+CREATED\\s+CREATED BY\\s+SIZE\\s+COMMENT"), lines.get(0));
        assertTrue(lines.get(1).matches(id.substring(7, 19) + "\\s+(Less than a second|\\d+ seconds?|About a minute|\\d+ minutes) ago\\s+"
                + java.util.regex.Pattern.quote(human) + "\\s+Imported from -"), "the newest row is the image: " + lines.get(1));

        String noTrunc = d.client(c, "history", "--no-trunc", "busybox").ok().out();
        assertTrue(noTrunc.lines().skip(1).findFirst().orElse("").startsWith(id + " "), noTrunc);

        assertEquals(id.substring(7, 19) + "||" + human + "|Imported from -\n",
                d.client(c, "history", "--format", "{{.ID}}|{{.CreatedBy}}|{{.Size}}|{{.Comment}}", "busybox").ok().out());
        assertEquals(" " + human + "\n", d.client(c, "history", "--format", "{{.CreatedBy}} {{.Size}}", "busybox").ok().out());
        assertEquals(bytes + "\n", d.client(c, "history", "--human=false", "--format", "{{.Size}}", "busybox").ok().out(),
                "the layer's size in bytes, as image inspect gives it");
        assertEquals(id.substring(7, 19) + "\n", d.client(c, "history", "-q", "busybox").ok().out());
        assertEquals(id + "\n", d.client(c, "history", "-q", "--no-trunc", "busybox").ok().out());

        // a commit message given to import is the comment
        String tag = c + "hist:1";
        d.docker("import", "-m", "made by the e2e test", BerthDaemon.busyboxTar().toString(), tag).ok();
        try {
            assertEquals("made by the e2e test\n", d.client(c, "history", "--format", "{{.Comment}}", tag).ok().out());
        } finally {
            d.docker("rmi", tag).ok();
        }

        BerthDaemon.Result missing = d.client(c, "history", "nosuchimage:1");
        missing.fails();
        assertTrue(missing.err().contains("No such image: nosuchimage:1"), missing.err());
    }

    @Test
    void berthHistoryPrintsWhatDockerPrints() throws Exception {
        List<org.junit.jupiter.api.function.Executable> checks = new ArrayList<>();
        for (String[] args : new String[][] {{"history", "busybox"}, {"history", "--no-trunc", "busybox"},
                {"history", "-q", "busybox"}, {"history", "--human=false", "busybox"}, {"history", "-H=false", "busybox"},
                {"history", "--format", "{{.ID}} {{.CreatedSince}} {{.Size}}", "busybox"},
                {"history", "--human=false", "--format", "{{.CreatedSince}}|{{.CreatedAt}}|{{.Size}}", "busybox"},
                {"history", "--format", "table", "busybox"}, {"history", "--format", "table {{.ID}}\t{{.Size}}", "busybox"}}) {
            String docker = BerthCliE2EIT.untimed(d.docker(args).ok().out());
            BerthDaemon.Result berth = d.berth(args);
            checks.add(() -> assertEquals(docker, BerthCliE2EIT.untimed(berth.out()) + berth.err(), String.join(" ", args)));
        }
        org.junit.jupiter.api.Assertions.assertAll("berth history as docker prints it", checks);
    }

    // ---------------------------------------------------------------------------------------------
    // 4. hostile archives
    // ---------------------------------------------------------------------------------------------

    static Stream<Arguments> hostileArchives() {
        List<String> cases = List.of("config-dotdot", "entry-dotdot", "layer-symlink-dotdot", "layer-symlink-absolute",
                "layer-not-its-diff-id", "oci-manifest-digest", "oci-layer-digest", "truncated-gzip", "layer-entry-dotdot",
                "layer-entry-absolute", "layer-write-through-symlink", "not-an-archive");
        List<Arguments> out = new ArrayList<>();
        for (String c : List.of("docker", "berth")) {
            for (String h : cases) {
                out.add(Arguments.of(c, h));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} load: {1}")
    @MethodSource("hostileArchives")
    void hostileArchivesAreRefused(String c, String hostile) throws Exception {
        Path archive = work.resolve(hostile + ".tar");
        String expectedWord = buildHostile(hostile, archive);
        String imagesFormat = "{{.ID}} {{.Repository}}:{{.Tag}}";
        String imagesBefore = d.docker("images", "-a", "--no-trunc", "--format", imagesFormat).ok().out();

        BerthDaemon.Result r = d.client(c, "load", "-i", archive.toString());
        System.out.println(c + " load " + hostile + " → exit " + r.code() + ": " + r.err().trim());
        r.fails();
        assertFalse(r.out().contains("Loaded image"), r.out());
        assertTrue(r.err().contains(expectedWord), hostile + ": the message says '" + expectedWord + "': " + r.err());

        assertEquals(0, d.docker("version").code(), "berthd still serves");
        assertTrue(d.process().isAlive(), "berthd is still running");
        assertEquals(imagesBefore, d.docker("images", "-a", "--no-trunc", "--format", imagesFormat).ok().out(),
                "no image was created or changed");
        assertNothingEscaped();
        assertTmpEmpty(d);
    }

    /** Writes the hostile archive {@code name}; returns a word its refusal must contain. */
    private String buildHostile(String name, Path archive) throws Exception {
        byte[] layer = new Tar().file("hello.txt", randomBytes(64)).bytes();
        String sentinel = "tmp/" + ESCAPE + "-" + name;
        String up = "../".repeat(16);
        switch (name) {
            case "config-dotdot": {
                // manifest.json names a config outside the archive
                ArrayNode manifest = JSON.createArrayNode();
                manifest.addObject().put("Config", "../../x").putArray("RepoTags").add("hostile:config");
                Files.write(archive, new Tar().file("manifest.json", JSON.writeValueAsBytes(manifest)).bytes());
                return "../../x";
            }
            case "entry-dotdot": {
                // an archive entry that climbs out of the directory it is unpacked in
                byte[] config = config(List.of(layer));
                Files.write(archive, new Tar().file(up + sentinel, config).file("blobs/sha256/" + sha256(config), config)
                        .file("blobs/sha256/" + sha256(layer), layer)
                        .file("manifest.json", manifestJson(config, List.of("blobs/sha256/" + sha256(layer)), "hostile:entry")).bytes());
                return "..";
            }
            case "layer-symlink-dotdot":
            case "layer-symlink-absolute": {
                // an old-style archive whose layer.tar is a symlink to a file outside the archive
                byte[] config = config(List.of(layer));
                String target = name.endsWith("dotdot") ? "../../../../../../../../../../etc/passwd" : "/etc/passwd";
                Files.write(archive, new Tar().file(sha256(config) + ".json", config).dir("abc/").symlink("abc/layer.tar", target)
                        .file("manifest.json", manifestJson(sha256(config) + ".json", List.of("abc/layer.tar"), "hostile:symlink"))
                        .bytes());
                return name.endsWith("dotdot") ? "outside the archive" : "no file";
            }
            case "layer-not-its-diff-id": {
                // the config names the layer's diff id; one byte of a file inside the layer is then flipped
                byte[] config = config(List.of(layer));
                byte[] changed = layer.clone();
                changed[512 + 10] ^= 0x01; // the first entry's data starts after its 512-byte header
                Files.write(archive, new Tar().file("blobs/sha256/" + sha256(config), config)
                        .file("blobs/sha256/" + sha256(layer), changed)
                        .file("manifest.json", manifestJson(config, List.of("blobs/sha256/" + sha256(layer)), "hostile:diffid")).bytes());
                return "diff id";
            }
            case "oci-manifest-digest":
            case "oci-layer-digest": {
                // an OCI layout whose index names a manifest (or whose manifest names a layer) by a digest
                // that its blob does not have
                byte[] config = config(List.of(layer));
                byte[] storedLayer = name.equals("oci-layer-digest") ? gzip(layer) : layer;
                String layerDigest = "sha256:" + sha256(name.equals("oci-layer-digest") ? gzip(randomBytes(100)) : layer);
                ObjectNode manifest = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", OCI_MANIFEST);
                manifest.set("config", descriptor(OCI_CONFIG, "sha256:" + sha256(config), config.length));
                manifest.putArray("layers").add(descriptor(name.equals("oci-layer-digest") ? OCI_LAYER + "+gzip" : OCI_LAYER,
                        layerDigest, storedLayer.length));
                byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
                byte[] storedManifest = name.equals("oci-manifest-digest")
                        ? (new String(manifestBytes, StandardCharsets.UTF_8) + " ").getBytes(StandardCharsets.UTF_8) : manifestBytes;
                ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", OCI_INDEX);
                ObjectNode d0 = descriptor(OCI_MANIFEST, "sha256:" + sha256(manifestBytes), manifestBytes.length);
                d0.putObject("annotations").put("io.containerd.image.name", "docker.io/library/hostile:oci");
                index.putArray("manifests").add(d0);
                Files.write(archive, new Tar().file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8))
                        .file("index.json", JSON.writeValueAsBytes(index))
                        .file("blobs/sha256/" + sha256(manifestBytes), storedManifest)
                        .file("blobs/sha256/" + sha256(config), config)
                        .file("blobs/sha256/" + hex(layerDigest), storedLayer).bytes());
                return name.equals("oci-manifest-digest") ? "sha256:" + sha256(manifestBytes) : layerDigest;
            }
            case "truncated-gzip": {
                // a valid archive (its layer incompressible), gzipped, cut in the middle
                byte[] big = new Tar().file("random.bin", randomBytes(256 * 1024)).bytes();
                byte[] config = config(List.of(big));
                byte[] whole = gzip(new Tar().file("blobs/sha256/" + sha256(config), config).file("blobs/sha256/" + sha256(big), big)
                        .file("manifest.json", manifestJson(config, List.of("blobs/sha256/" + sha256(big)), "hostile:gzip")).bytes());
                Files.write(archive, Arrays.copyOf(whole, whole.length / 2));
                return "unexpected end of the archive";
            }
            case "layer-entry-dotdot":
            case "layer-entry-absolute":
            case "layer-write-through-symlink": {
                // a well-formed archive whose layer tar writes outside the layer: ../, an absolute name, or
                // a symlink to /tmp and then a file through it
                Tar t = new Tar().file("ok.txt", "fine\n".getBytes(StandardCharsets.UTF_8));
                if (name.equals("layer-entry-dotdot")) {
                    t.file(up + sentinel, randomBytes(10));
                } else if (name.equals("layer-entry-absolute")) {
                    t.file("/" + sentinel, randomBytes(10));
                } else {
                    t.symlink("link", "/tmp").file("link/" + ESCAPE + "-" + name, randomBytes(10));
                }
                byte[] evil = t.bytes();
                byte[] config = config(List.of(evil));
                Files.write(archive, new Tar().file("blobs/sha256/" + sha256(config), config).file("blobs/sha256/" + sha256(evil), evil)
                        .file("manifest.json", manifestJson(config, List.of("blobs/sha256/" + sha256(evil)), "hostile:layer")).bytes());
                return name.equals("layer-entry-dotdot") ? "'..' in path"
                        : name.equals("layer-entry-absolute") ? "absolute path" : "through symlink";
            }
            case "not-an-archive":
                Files.write(archive, "this is not a tar file at all\n".repeat(40).getBytes(StandardCharsets.UTF_8));
                return "invalid image archive: unreadable tar";
            default:
                throw new IllegalArgumentException(name);
        }
    }

    /** No file named after {@link #ESCAPE} exists in /tmp or anywhere under the daemons' temp dirs. */
    private static void assertNothingEscaped() throws IOException {
        List<Path> found = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/tmp"))) {
            s.filter(p -> p.getFileName().toString().startsWith(ESCAPE)).forEach(found::add);
        }
        for (BerthDaemon daemon : new BerthDaemon[] {d, second}) {
            // a walk that shrugs at files the daemon removes meanwhile (its tmp/)
            Files.walkFileTree(daemon.root, new java.nio.file.SimpleFileVisitor<>() {
                @Override
                public java.nio.file.FileVisitResult preVisitDirectory(Path dir, java.nio.file.attribute.BasicFileAttributes attrs) {
                    check(dir);
                    return java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attrs) {
                    check(file);
                    return java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) {
                    return java.nio.file.FileVisitResult.CONTINUE;
                }

                private void check(Path p) {
                    if (p.getFileName() != null && p.getFileName().toString().startsWith(ESCAPE)) {
                        found.add(p);
                    }
                }
            });
        }
        for (Path p : found) {
            Files.deleteIfExists(p);
        }
        assertEquals(List.of(), found, "files a hostile archive created");
    }

    /** The daemon's tmp/ (uploads, unpacked archives, layers being saved) is empty again, soon after a request. */
    private static void assertTmpEmpty(BerthDaemon daemon) throws Exception {
        Path tmp = daemon.dataRoot().resolve("tmp");
        List<String> left = List.of();
        for (int i = 0; i < 100; i++) {
            try (Stream<Path> s = Files.list(tmp)) {
                left = s.map(p -> p.getFileName().toString()).sorted().toList();
            }
            if (left.isEmpty()) {
                return;
            }
            Thread.sleep(50);
        }
        fail("left in " + tmp + " 5 s after the request: " + left);
    }

    // ---------------------------------------------------------------------------------------------
    // 5. Debian's dockerd
    // ---------------------------------------------------------------------------------------------

    @Test
    void roundTripsWithDockerd() throws Exception {
        assertTrue(Files.isExecutable(DOCKERD), DOCKERD + " is missing: scripts/packages.sh installs Debian's docker.io");
        String token = token();
        String berthImage = "tobedockerd:1";
        String id = uniqueImage(d, berthImage, token);
        try (Dockerd dockerd = Dockerd.start(d.root.resolve("dockerd"))) {
            // berth → dockerd
            Path fromBerth = work.resolve("from-berth.tar");
            d.docker("save", "-o", fromBerth.toString(), berthImage).ok();
            assertEquals("Loaded image: " + berthImage + "\n", dockerd.docker("load", "-i", fromBerth.toString()).ok().out());
            String f = "{{.Id}} {{json .RepoTags}} {{json .RootFS.Layers}}";
            assertEquals(d.docker("image", "inspect", "-f", f, berthImage).ok().out(),
                    dockerd.docker("image", "inspect", "-f", f, berthImage).ok().out(), "dockerd has the same image");
            assertEquals(id, dockerd.docker("image", "inspect", "-f", "{{.Id}}", berthImage).ok().out().trim());
            assertEquals("ok\n", dockerd.docker("run", "--rm", "--network", "none", berthImage, "echo", "ok").ok().out());
            assertEquals(token + "\n", dockerd.docker("run", "--rm", "--network", "none", berthImage, "cat", "/unique").ok().out());

            // dockerd → berth: a layer made by dockerd (a new file and a deleted one: a whiteout), in the
            // old archive format dockerd 20.10 writes (<id>/layer.tar, shared layers as symlinks)
            dockerd.docker("run", "--network", "none", "--name", "mk", berthImage, "sh", "-c",
                    "echo from-dockerd > /hello && rm /bin/vi").ok();
            dockerd.docker("commit", "mk", "fromdocker:1").ok();
            dockerd.docker("rm", "mk").ok();
            dockerd.docker("tag", berthImage, "fromdocker:base").ok();
            Path fromDockerd = work.resolve("from-dockerd.tar");
            dockerd.docker("save", "-o", fromDockerd.toString(), "fromdocker:1", "fromdocker:base").ok();
            Archive a = Archive.read(fromDockerd);
            assertTrue(a.entries.values().stream().anyMatch(e -> e.symlink != null),
                    "dockerd linked the shared layer: " + a.entries.keySet());
            String dockerdView = dockerd.docker("image", "inspect", "-f", f, "fromdocker:1").ok().out();
            for (BerthDaemon target : new BerthDaemon[] {d, second}) {
                String client = target == d ? "docker" : "berth";
                String out = target.client(client, "load", "-i", fromDockerd.toString()).ok().out();
                assertTrue(out.contains("Loaded image: fromdocker:1\n") && out.contains("Loaded image: fromdocker:base\n"), out);
                assertEquals(dockerdView, target.docker("image", "inspect", "-f", f, "fromdocker:1").ok().out());
                assertEquals("from-dockerd\ngone\n", target.client(client, "run", "--rm", "fromdocker:1", "sh", "-c",
                        "cat /hello && test ! -e /bin/vi && echo gone").ok().out());
                assertEquals(token + "\n", target.client(client, "run", "--rm", "fromdocker:1", "cat", "/unique").ok().out());
                assertTmpEmpty(target);
            }
        } finally {
            d.docker("rmi", "-f", berthImage).ok();
            BerthDaemon.Result r = d.docker("rmi", "-f", "fromdocker:1", "fromdocker:base");
            assertTrue(r.code() == 0 || r.err().contains("No such image"), r.all());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // 6. skopeo and umoci
    // ---------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void skopeoAndUmociReadBerthsArchive(String c) throws Exception {
        assertTrue(BerthDaemon.onPath("skopeo"), "skopeo is missing: scripts/packages.sh installs it");
        assertTrue(BerthDaemon.onPath("umoci"), "umoci is missing: scripts/packages.sh installs it");
        String repo = c + "oci";
        String token = token();
        String id = uniqueImage(d, repo + ":latest", token);
        d.docker("tag", repo + ":latest", repo + ":v2").ok();
        try {
            Path file = work.resolve("berth.tar");
            d.client(c, "save", "-o", file.toString(), repo).ok();
            List<String> diffIds = layersOf(d, repo);

            JsonNode inspect = JSON.readTree(tool("skopeo", "inspect", "docker-archive:" + file).ok().out());
            assertEquals(diffIds, jsonList(inspect.path("Layers").toString()), inspect.toString());
            assertEquals("linux", inspect.path("Os").asText(), inspect.toString());
            assertEquals("amd64", inspect.path("Architecture").asText(), inspect.toString());
            JsonNode v2 = JSON.readTree(tool("skopeo", "inspect", "docker-archive:" + file + ":" + repo + ":v2").ok().out());
            assertEquals(diffIds, jsonList(v2.path("Layers").toString()), v2.toString());

            // skopeo copies it into an OCI layout; umoci reads that and the archive itself (an OCI layout too)
            Path ociDir = work.resolve("oci");
            tool("skopeo", "--insecure-policy", "copy", "docker-archive:" + file, "oci:" + ociDir + ":t").ok();
            assertEquals("t\n", tool("umoci", "ls", "--layout", ociDir.toString()).ok().out());
            Path extracted = Files.createDirectories(work.resolve("extracted"));
            tool("tar", "-xf", file.toString(), "-C", extracted.toString()).ok();
            assertEquals(Set.of("latest", "v2"), Set.copyOf(tool("umoci", "ls", "--layout", extracted.toString()).ok().out().lines().toList()));
            tool("umoci", "stat", "--image", extracted + ":v2").ok();

            // an OCI archive written by skopeo (gzip layers, an OCI config) loads into the second daemon
            Path ociArchive = work.resolve("skopeo-oci.tar");
            tool("skopeo", "--insecure-policy", "copy", "docker-archive:" + file, "oci-archive:" + ociArchive + ":sk:1").ok();
            String loaded = second.client(c, "load", "-i", ociArchive.toString()).ok().out();
            assertTrue(loaded.matches("Loaded image ID: sha256:[0-9a-f]{64}\n"), loaded);
            String loadedId = loaded.trim().substring("Loaded image ID: ".length());
            assertEquals(json(diffIds), second.docker("image", "inspect", "-f", "{{json .RootFS.Layers}}", loadedId).ok().out().trim(),
                    "the gzip layer, decompressed, is the same diff id");
            assertEquals(token + "\n", second.client(c, "run", "--rm", loadedId.substring(7, 19), "cat", "/unique").ok().out());

            // and so does the docker-archive skopeo writes (<digest>.tar layers, <digest>.json config)
            Path skopeoArchive = work.resolve("skopeo-docker.tar");
            tool("skopeo", "--insecure-policy", "copy", "oci:" + ociDir + ":t", "docker-archive:" + skopeoArchive + ":skdocker:2").ok();
            assertEquals("Loaded image: skdocker:2\n", second.client(c, "load", "-i", skopeoArchive.toString()).ok().out());
            assertEquals(token + "\n", second.client(c, "run", "--rm", "skdocker:2", "cat", "/unique").ok().out());
            assertEquals(id, d.inspect(repo, "{{.Id}}"), "the source image is unchanged");
            assertTmpEmpty(second);
        } finally {
            d.docker("rmi", "-f", repo + ":latest", repo + ":v2").ok();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // helpers
    // ---------------------------------------------------------------------------------------------

    /**
     * Imports the busybox rootfs plus a file /unique holding {@code token} as {@code tag}: an image whose
     * layer no daemon has yet, so a load really applies it. Returns the image id.
     */
    private String uniqueImage(BerthDaemon daemon, String tag, String token) throws Exception {
        Path dir = Files.createDirectories(work.resolve("unique-" + token));
        Path tar = dir.resolve("rootfs.tar");
        Files.copy(BerthDaemon.busyboxTar(), tar, StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve("unique"), token + "\n");
        BerthDaemon.run(List.of("tar", "-rf", tar.toString(), "-C", dir.toString(), "unique"), Map.of(), null).ok();
        String id = daemon.docker("import", tar.toString(), tag).ok().out().trim();
        assertTrue(id.matches("sha256:[0-9a-f]{64}"), id);
        return id;
    }

    static String token() {
        return HexFormat.of().formatHex(randomBytes(8));
    }

    static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new java.security.SecureRandom().nextBytes(b);
        return b;
    }

    /** A tool (skopeo, umoci, tar) run with the host's environment. */
    static BerthDaemon.Result tool(String... cmd) throws Exception {
        return BerthDaemon.run(List.of(cmd), Map.of(), null, 120);
    }

    /** A client command with a shell redirection ("> file", "< file"). */
    static BerthDaemon.Result shell(BerthDaemon daemon, String client, String redirect, String... args) throws Exception {
        String script = daemon.cmd(client, args).stream().map(ImageArchiveE2EIT::quote).collect(Collectors.joining(" ")) + " " + redirect;
        return BerthDaemon.run(List.of("sh", "-c", script), daemon.dockerEnv(), null);
    }

    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    static List<String> layersOf(BerthDaemon daemon, String image) throws Exception {
        return jsonList(daemon.docker("image", "inspect", "-f", "{{json .RootFS.Layers}}", image).ok().out());
    }

    static List<String> jsonList(String json) throws IOException {
        List<String> out = new ArrayList<>();
        JsonNode n = JSON.readTree(json);
        if (n != null) {
            n.forEach(e -> out.add(e.asText()));
        }
        return out;
    }

    static String json(Object o) throws IOException {
        return JSON.writeValueAsString(o);
    }

    static String last(List<String> l) {
        return l.get(l.size() - 1);
    }

    static String hex(String digest) {
        return digest.startsWith("sha256:") ? digest.substring(7) : digest;
    }

    static String blobName(String digest) {
        return "blobs/sha256/" + hex(digest);
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }

    static ObjectNode descriptor(String mediaType, String digest, long size) {
        return JSON.createObjectNode().put("mediaType", mediaType).put("digest", digest).put("size", size);
    }

    /** An image config naming {@code layers} (uncompressed tars) as its diff ids. */
    static byte[] config(List<byte[]> layers) throws IOException {
        ObjectNode c = JSON.createObjectNode().put("architecture", "amd64").put("os", "linux").put("created", "2026-01-02T03:04:05Z");
        c.putObject("config").putArray("Cmd").add("/bin/sh");
        ObjectNode rootfs = c.putObject("rootfs").put("type", "layers");
        ArrayNode diffIds = rootfs.putArray("diff_ids");
        for (byte[] l : layers) {
            diffIds.add("sha256:" + sha256(l));
        }
        c.putArray("history").addObject().put("created", "2026-01-02T03:04:05Z").put("created_by", "the e2e test");
        return JSON.writeValueAsBytes(c);
    }

    /** A docker-archive manifest.json with one image whose config is at blobs/sha256/. */
    static byte[] manifestJson(byte[] config, List<String> layerPaths, String tag) throws IOException {
        return manifestJson("blobs/sha256/" + sha256(config), layerPaths, tag);
    }

    /** A docker-archive manifest.json with one image. */
    static byte[] manifestJson(String configPath, List<String> layerPaths, String tag) throws IOException {
        ArrayNode manifest = JSON.createArrayNode();
        ObjectNode item = manifest.addObject();
        item.put("Config", configPath);
        item.putArray("RepoTags").add(tag);
        ArrayNode layers = item.putArray("Layers");
        layerPaths.forEach(layers::add);
        return JSON.writeValueAsBytes(manifest);
    }

    /** A tar built in memory; names are kept as given (absolute and ".." included). */
    static final class Tar {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final TarArchiveOutputStream out;

        Tar() {
            out = new TarArchiveOutputStream(bytes, StandardCharsets.UTF_8.name());
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        }

        Tar file(String name, byte[] content) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name, true);
            e.setSize(content.length);
            e.setMode(0644);
            e.setModTime(0);
            out.putArchiveEntry(e);
            out.write(content);
            out.closeArchiveEntry();
            return this;
        }

        Tar dir(String name) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name, true);
            e.setMode(040755);
            e.setModTime(0);
            out.putArchiveEntry(e);
            out.closeArchiveEntry();
            return this;
        }

        Tar symlink(String name, String target) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
            e.setLinkName(target);
            e.setMode(0777);
            e.setModTime(0);
            out.putArchiveEntry(e);
            out.closeArchiveEntry();
            return this;
        }

        byte[] bytes() throws IOException {
            out.finish();
            out.close();
            return bytes.toByteArray();
        }
    }

    /** An entry of a read archive: its bytes, or the target of a symlink. */
    record Entry(byte[] content, String symlink, boolean directory) {}

    /** A saved archive read into memory, with the checks every archive berth writes must pass. */
    static final class Archive {
        final Map<String, Entry> entries = new LinkedHashMap<>();

        static Archive read(Path file) throws IOException {
            Archive a = new Archive();
            try (InputStream in = Files.newInputStream(file); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
                TarArchiveEntry e;
                while ((e = tar.getNextEntry()) != null) {
                    String name = e.getName();
                    if (e.isDirectory()) {
                        a.entries.put(name, new Entry(new byte[0], null, true));
                    } else if (e.isSymbolicLink()) {
                        a.entries.put(name, new Entry(new byte[0], e.getLinkName(), false));
                    } else {
                        assertNotNull(name);
                        assertFalse(a.entries.containsKey(name), "duplicate entry " + name);
                        a.entries.put(name, new Entry(tar.readAllBytes(), null, false));
                    }
                }
            }
            return a;
        }

        byte[] bytes(String name) {
            Entry e = entries.get(name);
            assertNotNull(e, "the archive has " + name + ": " + entries.keySet());
            return e.content();
        }

        JsonNode json(String name) throws IOException {
            return JSON.readTree(bytes(name));
        }

        List<JsonNode> manifest() throws IOException {
            List<JsonNode> items = new ArrayList<>();
            json("manifest.json").forEach(items::add);
            return items;
        }

        /** manifest.json, index.json, oci-layout, and blobs/sha256/&lt;hex&gt; each hashing to its name. */
        void assertWellFormed() throws IOException {
            for (String required : List.of("manifest.json", "index.json", "oci-layout")) {
                assertTrue(entries.containsKey(required), "the archive lists " + required + ": " + entries.keySet());
            }
            assertEquals("1.0.0", json("oci-layout").path("imageLayoutVersion").asText());
            assertEquals(2, json("index.json").path("schemaVersion").asInt());
            int blobs = 0;
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                String name = e.getKey();
                if (e.getValue().directory()) {
                    assertTrue(Set.of("blobs/", "blobs/sha256/").contains(name), "unexpected directory " + name);
                    continue;
                }
                assertTrue(name.matches("blobs/sha256/[0-9a-f]{64}|manifest\\.json|index\\.json|oci-layout|repositories"),
                        "unexpected entry " + name);
                assertEquals(null, e.getValue().symlink(), name + " is a file");
                if (name.startsWith("blobs/")) {
                    blobs++;
                    assertEquals(name.substring("blobs/sha256/".length()), sha256(e.getValue().content()),
                            name + " hashes to its name");
                }
            }
            assertTrue(blobs >= 3, "a config, a layer and an OCI manifest at least: " + entries.keySet());
        }

        /** The position in manifest.json of the image {@code imageId}. */
        int indexOf(String imageId) throws IOException {
            List<JsonNode> items = manifest();
            for (int i = 0; i < items.size(); i++) {
                if (items.get(i).path("Config").asText().equals(blobName(imageId))) {
                    return i;
                }
            }
            throw new AssertionError(imageId + " is not in manifest.json: " + items);
        }

        /** A descriptor's blob is in the archive with the descriptor's size. */
        void assertDescriptor(JsonNode descriptor) {
            byte[] blob = bytes(blobName(descriptor.path("digest").asText()));
            assertEquals(blob.length, descriptor.path("size").asLong(), "size of " + descriptor);
        }

        /** manifest.json's item {@code i}: its config is the image, its layers the diff ids, its RepoTags these. */
        void assertImage(int i, String imageId, List<String> diffIds, List<String> repoTags) throws IOException {
            JsonNode item = manifest().get(i);
            assertEquals(blobName(imageId), item.path("Config").asText(), item.toString());
            List<String> layers = new ArrayList<>();
            item.path("Layers").forEach(l -> layers.add(l.asText()));
            assertEquals(diffIds.stream().map(ImageArchiveE2EIT::blobName).toList(), layers, item.toString());
            JsonNode config = json(item.path("Config").asText());
            List<String> configDiffIds = new ArrayList<>();
            config.path("rootfs").path("diff_ids").forEach(dd -> configDiffIds.add(dd.asText()));
            assertEquals(diffIds, configDiffIds, "the config's diff ids");
            List<String> tags = new ArrayList<>();
            item.path("RepoTags").forEach(t -> tags.add(t.asText()));
            assertEquals(new TreeSet<>(repoTags), new TreeSet<>(tags), item.toString());
            assertEquals(repoTags.size(), tags.size(), item.toString());
        }
    }
}
