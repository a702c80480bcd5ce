package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docker pull, push, login and logout through both clients against a real registry (Debian's
 * docker-registry on 127.0.0.1, started by the class; one with htpasswd Basic auth started by the test
 * that needs it): push (Pushed, then Layer already exists, the same digest as the registry serves,
 * RepoDigests, images --digests), pull into a second berthd on vfs (by tag and by digest, the same image
 * Id, up to date the second time, run's auto-pull, only the missing layer of a two-layer image), errors
 * (missing tag, a port nothing listens on, docker.io without a route, pushing what is not there: exit 1,
 * quickly, Docker's words), login (401, Login Succeeded, the stored credentials used by both clients and
 * by a second daemon, logout; the password in no event and no log line) and --registry-mirror (a
 * docker.io name pulled from the mirror).
 */
class RegistryE2EIT extends E2E {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DIGEST_LINE = Pattern.compile("(?m)^(\\S+): digest: (sha256:[0-9a-f]{64}) size: (\\d+)$");

    /** The registry anyone can push to and pull from. */
    static DockerRegistry registry;
    /** A second daemon, on the vfs driver, that pulls what the first one pushed. */
    static BerthDaemon second;
    /** A daemon started with --registry-mirror (by the first test that needs it; stopped after the class). */
    static BerthDaemon mirrored;
    /** busybox:latest of the first daemon: never pushed, never removed. */
    static String busyboxId;

    @RegisterExtension
    static final TestWatcher PRINT_LOGS = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            BerthDaemon s = second;
            if (s != null) {
                System.err.println("==== " + context.getDisplayName() + " failed; second berthd (vfs) log, last 60 lines, of "
                        + s.root + ":\n" + s.logTail(60) + "\n==== end of the second berthd's log");
            }
            BerthDaemon x = mirrored;
            if (x != null) {
                System.err.println("==== the mirrored berthd's log, last 60 lines, of " + x.root + ":\n" + x.logTail(60)
                        + "\n==== end of the mirrored berthd's log");
            }
            DockerRegistry r = registry;
            if (r != null) {
                List<String> lines = r.log().lines().toList();
                System.err.println("==== docker-registry log, last 40 lines:\n"
                        + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()))
                        + "\n==== end of the registry's log");
            }
        }
    };

    @BeforeAll
    static void startRegistryAndSecondDaemon() throws Exception {
        busyboxId = d.docker("image", "inspect", "-f", "{{.Id}}", "busybox:latest").ok().out().trim();
        registry = DockerRegistry.open();
        second = BerthDaemon.launch("--storage-driver", "vfs");
    }

    @AfterAll
    static void stopRegistryAndSecondDaemon() throws Exception {
        BerthDaemon s = second;
        BerthDaemon m = mirrored;
        DockerRegistry r = registry;
        second = null;
        mirrored = null;
        registry = null;
        try {
            try {
                if (m != null) {
                    m.close();
                }
            } finally {
                if (s != null) {
                    s.close();
                }
            }
        } finally {
            if (r != null) {
                r.close();
            }
        }
    }

    /** Whatever a test made goes, even when it failed: containers, images, stored credentials. */
    @AfterEach
    void cleanUp() throws Exception {
        removeContainers(d);
        for (String id : d.docker("images", "-aq", "--no-trunc").ok().out().split("\\s+")) {
            if (!id.isBlank() && !id.equals(busyboxId)) {
                d.docker("rmi", "-f", id).ok();
            }
        }
        for (JsonNode tag : JSON.readTree(d.docker("image", "inspect", "-f", "{{json .RepoTags}}", busyboxId).ok().out())) {
            if (!tag.asText().equals("busybox:latest")) {
                d.docker("rmi", tag.asText()).ok();
            }
        }
        assertEquals("[]", d.docker("image", "inspect", "-f", "{{json .RepoDigests}}", busyboxId).ok().out().trim(),
                "busybox:latest of the first daemon was never pushed");
        for (BerthDaemon s : new BerthDaemon[] {second, mirrored}) {
            if (s == null) {
                continue;
            }
            removeContainers(s);
            for (String id : s.docker("images", "-aq", "--no-trunc").ok().out().split("\\s+")) {
                if (!id.isBlank()) {
                    s.docker("rmi", "-f", id).ok();
                }
            }
            assertEquals("", s.docker("images", "-aq").ok().out().trim());
            Files.deleteIfExists(s.root.resolve("dockercfg/config.json"));
        }
        Files.deleteIfExists(d.root.resolve("dockercfg/config.json"));
    }

    private static void removeContainers(BerthDaemon daemon) throws Exception {
        String ids = daemon.docker("ps", "-aq").ok().out().trim();
        if (!ids.isEmpty()) {
            List<String> rm = new ArrayList<>(List.of("rm", "-f"));
            rm.addAll(List.of(ids.split("\\s+")));
            daemon.docker(rm.toArray(String[]::new)).ok();
        }
    }

    // ---- push ----

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void pushTwiceThenRepoDigests(String c) throws Exception {
        String repo = registry.address() + "/bb-" + c;
        String ref = repo + ":v1";
        String id = localImage("src-" + c + ":1");
        assertEquals("", d.client(c, "tag", "src-" + c + ":1", ref).ok().out());
        List<String> diffIds = diffIds(d, ref);
        assertEquals(1, diffIds.size());

        String first = d.client(c, "push", ref).ok().out();
        assertTrue(first.startsWith("The push refers to repository [" + repo + "]\n"), first);
        for (String diffId : diffIds) {
            assertTrue(first.contains(shortId(diffId) + ": Pushed\n"), "every layer is pushed: " + first);
        }
        Matcher m = DIGEST_LINE.matcher(first);
        assertTrue(m.find(), first);
        assertEquals("v1", m.group(1), first);
        String digest = m.group(2);
        int size = Integer.parseInt(m.group(3));

        // the registry serves exactly that manifest under the tag: a Docker schema2 naming the image's config
        DockerRegistry.Served served = registry.manifest("bb-" + c, "v1");
        assertEquals(200, served.status(), served.text());
        assertEquals(digest, served.digest());
        assertEquals(digest, sha256(served.body()));
        assertEquals(size, served.body().length);
        JsonNode manifest = JSON.readTree(served.body());
        assertEquals(DockerRegistry.MANIFEST_V2, manifest.path("mediaType").asText());
        assertEquals(id, manifest.path("config").path("digest").asText());
        assertEquals(diffIds.size(), manifest.path("layers").size());

        // again: every layer is there already, the same manifest
        String again = d.client(c, "push", ref).ok().out();
        for (String diffId : diffIds) {
            assertTrue(again.contains(shortId(diffId) + ": Layer already exists\n"), again);
        }
        assertFalse(again.contains("Pushed"), again);
        assertTrue(again.contains("v1: digest: " + digest + " size: " + size + "\n"), again);

        // where the image is in the registry is known: RepoDigests, images --digests
        assertEquals("[\"" + repo + "@" + digest + "\"]",
                d.client(c, "image", "inspect", "-f", "{{json .RepoDigests}}", ref).ok().out().trim());
        String images = d.client(c, "images", "--digests").ok().out();
        assertTrue(images.matches("(?s)REPOSITORY\\s+TAG\\s+DIGEST\\s+IMAGE ID\\s+CREATED\\s+SIZE\\n.*"), images);
        assertTrue(images.matches("(?s).*\\n" + Pattern.quote(repo) + "\\s+v1\\s+" + digest + "\\s+" + id.substring(7, 19) + "\\s.*"),
                images);
        assertTrue(images.matches("(?s).*\\nsrc-" + c + "\\s+1\\s+<none>\\s+" + id.substring(7, 19) + "\\s.*"), images);
        assertTrue(images.matches("(?s).*\\nbusybox\\s+latest\\s+<none>\\s+" + busyboxId.substring(7, 19) + "\\s.*"), images);

        String untag = d.client(c, "rmi", ref).ok().out();
        assertEquals("Untagged: " + ref + "\n", untag, "another tag keeps the image");
        String delete = d.client(c, "rmi", "src-" + c + ":1").ok().out();
        assertTrue(delete.contains("Deleted: " + id), delete);
        assertEquals(1, d.docker("image", "inspect", id).code());
    }

    // ---- pull ----

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void pullByTagAndByDigestIntoASecondDaemon(String c) throws Exception {
        String repo = registry.address() + "/pull-" + c;
        String ref = repo + ":v1";
        String id = localImage(ref);
        String digest = pushFromFirst(ref);
        String byDigest = repo + "@" + digest;

        String pulled = second.client(c, "pull", ref).ok().out();
        assertTrue(pulled.startsWith("v1: Pulling from " + repo + "\n"), pulled);
        assertTrue(pulled.matches("(?s).*\\n[0-9a-f]{12}: Pull complete\\n.*"), pulled);
        assertTrue(pulled.contains("\nDigest: " + digest + "\n"), pulled);
        assertTrue(pulled.endsWith("\nStatus: Downloaded newer image for " + ref + "\n" + ref + "\n"), pulled);
        assertEquals(id + " [\"" + ref + "\"] [\"" + byDigest + "\"]", inspectImage(second, c, ref,
                "{{.Id}} {{json .RepoTags}} {{json .RepoDigests}}"), "the same image as the first daemon's");
        assertEquals(rootFs(d, ref), rootFs(second, ref));
        assertEquals("pulled\n", second.client(c, "run", "--rm", ref, "echo", "pulled").ok().out());

        String again = second.client(c, "pull", ref).ok().out();
        assertTrue(again.matches("(?s).*\\n[0-9a-f]{12}: Already exists\\n.*"), again);
        assertFalse(again.contains("Pull complete"), again);
        assertTrue(again.contains("\nDigest: " + digest + "\nStatus: Image is up to date for " + ref + "\n"), again);

        // by digest, into a daemon that no longer has the image
        String removed = second.client(c, "rmi", ref).ok().out();
        assertTrue(removed.contains("Deleted: " + id), removed);
        assertEquals(1, second.docker("image", "inspect", id).code());
        String viaDigest = second.client(c, "pull", byDigest).ok().out();
        assertTrue(viaDigest.startsWith(digest + ": Pulling from " + repo + "\n"), viaDigest);
        assertTrue(viaDigest.contains(": Pull complete\n"), viaDigest);
        assertTrue(viaDigest.endsWith("\nDigest: " + digest + "\nStatus: Downloaded newer image for " + byDigest + "\n"
                + byDigest + "\n"), viaDigest);
        assertEquals(id + " [] [\"" + byDigest + "\"]", inspectImage(second, c, byDigest,
                "{{.Id}} {{json .RepoTags}} {{json .RepoDigests}}"), "a pull by digest tags nothing");
        assertEquals("by digest\n", second.client(c, "run", "--rm", byDigest, "echo", "by", "digest").ok().out());
        String listed = second.client(c, "images", "--digests").ok().out();
        assertTrue(listed.matches("(?s).*\\n" + Pattern.quote(repo) + "\\s+<none>\\s+" + digest + "\\s+" + id.substring(7, 19) + "\\s.*"),
                "a row for the repository known by digest only: " + listed);
        String plain = second.client(c, "images").ok().out();
        assertTrue(plain.matches("(?s)REPOSITORY\\s+TAG\\s+IMAGE ID\\s+CREATED\\s+SIZE\\n" + Pattern.quote(repo) + "\\s+<none>\\s+"
                + id.substring(7, 19) + "\\s.*"), plain);
        String upToDate = second.client(c, "pull", byDigest).ok().out();
        assertTrue(upToDate.contains("Status: Image is up to date for " + byDigest + "\n"), upToDate);
        assertNoTransfersLeft(second);
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void runPullsAnImageThatIsNotPresent(String c) throws Exception {
        String ref = registry.address() + "/auto-" + c + ":v1";
        String id = localImage(ref);
        pushFromFirst(ref);
        assertEquals(1, second.docker("image", "inspect", ref).code(), "the second daemon lacks " + ref);

        BerthDaemon.Result run = second.client(c, "run", "--rm", ref, "echo", "ok").ok();
        assertEquals("ok\n", run.out(), "the pull's progress goes to stderr, the container's output to stdout");
        assertTrue(run.err().startsWith("Unable to find image '" + ref + "' locally\n"), run.err());
        assertTrue(run.err().contains("v1: Pulling from " + registry.address() + "/auto-" + c + "\n"), run.err());
        assertTrue(run.err().contains("Status: Downloaded newer image for " + ref + "\n"), run.err());
        assertEquals(id, second.docker("image", "inspect", "-f", "{{.Id}}", ref).ok().out().trim());

        BerthDaemon.Result present = second.client(c, "run", "--rm", ref, "echo", "ok").ok();
        assertEquals("ok\n", present.out());
        assertFalse(present.err().contains("Unable to find image"), "the image is there now: " + present.err());
        assertEquals("", second.docker("ps", "-aq").ok().out().trim(), "--rm removed both containers");
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void aTwoLayerImagePullsOnlyTheMissingLayer(String c) throws Exception {
        String base = registry.address() + "/mlbase-" + c + ":v1";
        String top = registry.address() + "/ml-" + c + ":v1";
        localImage(base);
        pushFromFirst(base);
        String container = name("commit");
        d.docker("run", "--name", container, base, "sh", "-c", "echo layer2 > /marker").ok();
        String id = d.docker("commit", container, top).ok().out().trim();
        d.docker("rm", container).ok();
        List<String> diffIds = diffIds(d, top);
        assertEquals(2, diffIds.size(), "busybox's layer and the committed one");

        String pushed = d.client(c, "push", top).ok().out();
        assertTrue(pushed.contains(shortId(diffIds.get(1)) + ": Pushed\n"), pushed);
        assertTrue(pushed.matches("(?s).*\\n" + shortId(diffIds.get(0)) + ": (Pushed|Layer already exists|Mounted from \\S+)\\n.*"),
                pushed);
        DockerRegistry.Served served = registry.manifest("ml-" + c, "v1");
        assertEquals(200, served.status(), served.text());
        List<String> blobs = new ArrayList<>();
        JSON.readTree(served.body()).path("layers").forEach(l -> blobs.add(l.path("digest").asText()));
        assertEquals(2, blobs.size(), served.text());

        // the second daemon has the base; only the committed layer travels
        second.client(c, "pull", base).ok();
        String pulled = second.client(c, "pull", top).ok().out();
        assertTrue(pulled.contains(shortId(blobs.get(0)) + ": Already exists\n"), pulled);
        assertFalse(pulled.contains(shortId(blobs.get(0)) + ": Pulling fs layer"), pulled);
        assertTrue(pulled.contains(shortId(blobs.get(1)) + ": Pull complete\n"), pulled);
        assertEquals(1, pulled.split("Pull complete", -1).length - 1, pulled);
        assertFalse(registry.log().contains("GET /v2/ml-" + c + "/blobs/" + blobs.get(0)),
                "the base layer's blob was not downloaded again");
        assertTrue(registry.log().contains("GET /v2/ml-" + c + "/blobs/" + blobs.get(1)), "the top layer's blob was");
        assertEquals(id, second.docker("image", "inspect", "-f", "{{.Id}}", top).ok().out().trim());
        assertEquals(rootFs(d, top), rootFs(second, top));
        assertEquals("layer2\n", second.client(c, "run", "--rm", top, "cat", "/marker").ok().out());
        assertEquals(1, second.client(c, "run", "--rm", base, "cat", "/marker").code(), "the base has no /marker");
        assertNoTransfersLeft(second);
        assertNoTransfersLeft(d);
    }

    // ---- errors ----

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void failuresSayWhatAndDoNotHang(String c) throws Exception {
        String repo = registry.address() + "/err-" + c;
        localImage(repo + ":v1");
        pushFromFirst(repo + ":v1");

        // a tag the registry does not have
        BerthDaemon.Result missing = second.client(c, "pull", repo + ":nope");
        assertEquals(1, missing.code(), missing.all());
        assertTrue(missing.err().contains("manifest for " + repo + ":nope not found"), missing.err());
        BerthDaemon.Result runMissing = second.client(c, "run", "--rm", repo + ":nope", "true");
        assertEquals(125, runMissing.code(), runMissing.all());
        assertTrue(runMissing.err().contains("Unable to find image '" + repo + ":nope' locally"), runMissing.err());
        assertTrue(runMissing.err().contains("manifest for " + repo + ":nope not found"), runMissing.err());

        // a port nothing listens on: at once, naming the registry
        String dead = "127.0.0.1:" + DockerRegistry.freePort();
        long t0 = System.nanoTime();
        BerthDaemon.Result refused = second.client(c, "pull", dead + "/bb:v1");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(1, refused.code(), refused.all());
        assertTrue(ms < 5000, "took " + ms + " ms");
        assertTrue(refused.err().contains(dead), "the message names the registry: " + refused.err());

        // docker.io, with no route out of this machine: at once, naming docker.io
        t0 = System.nanoTime();
        BerthDaemon.Result hub = second.client(c, "pull", "alpine");
        ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(1, hub.code(), hub.all());
        assertTrue(ms < 5000, "took " + ms + " ms: " + hub.all());
        assertTrue(hub.err().contains("docker.io"), "the message names docker.io: " + hub.err());
        t0 = System.nanoTime();
        BerthDaemon.Result runHub = second.client(c, "run", "--rm", "alpine", "true");
        ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(125, runHub.code(), runHub.all());
        assertTrue(ms < 5000, "took " + ms + " ms: " + runHub.all());
        assertTrue(runHub.err().contains("Unable to find image 'alpine:latest' locally"), runHub.err());
        assertTrue(runHub.err().contains("docker.io"), runHub.err());

        // pushing what is not there, and to where nothing listens
        BerthDaemon.Result absent = d.client(c, "push", repo + "-absent:v1");
        assertEquals(1, absent.code(), absent.all());
        assertTrue(absent.err().contains("An image does not exist locally with the tag: " + repo + "-absent"), absent.err());
        d.docker("tag", repo + ":v1", dead + "/bb:v1").ok();
        t0 = System.nanoTime();
        BerthDaemon.Result pushRefused = d.client(c, "push", dead + "/bb:v1");
        ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(1, pushRefused.code(), pushRefused.all());
        assertTrue(ms < 5000, "took " + ms + " ms");
        assertTrue(pushRefused.err().contains(dead), pushRefused.err());

        // nothing half-made; both daemons still serve
        assertEquals("", second.docker("images", "-aq").ok().out().trim(), "no image appeared on the second daemon");
        assertFalse(d.docker("image", "inspect", "-f", "{{json .RepoDigests}}", dead + "/bb:v1").ok().out().contains(dead),
                "a failed push records no digest");
        assertNoTransfersLeft(second);
        assertNoTransfersLeft(d);
        assertEquals("alive\n", d.client(c, "run", "--rm", "busybox", "echo", "alive").ok().out());
        second.client(c, "pull", repo + ":v1").ok();
    }

    // ---- login ----

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void loginStoresCredentialsThatPushAndPullUse(String c) throws Exception {
        String user = "e2e-" + c;
        byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        String password = "pw-" + HexFormat.of().formatHex(random);
        Path config = d.root.resolve("dockercfg/config.json");
        try (DockerRegistry secure = DockerRegistry.withUser(user, password)) {
            String server = secure.address();
            String repo = server + "/secret-" + c;
            String ref = repo + ":v1";
            String id = localImage(ref);

            BerthDaemon.Result anonymous = d.client(c, "push", ref);
            assertEquals(1, anonymous.code(), anonymous.all());
            assertTrue(anonymous.err().matches("(?s).*(unauthorized|authentication required).*"), anonymous.err());

            BerthDaemon.Result wrong = d.clientIn(c, "not-" + password + "\n", "login", "-u", user, "--password-stdin", server);
            assertEquals(1, wrong.code(), wrong.all());
            assertTrue(wrong.err().contains("401 Unauthorized"), wrong.err());
            assertFalse(wrong.out().contains("Login Succeeded"), wrong.out());
            assertFalse(Files.exists(config) && Files.readString(config).contains(server), "a failed login stores nothing");

            BerthDaemon.Result login = d.clientIn(c, password + "\n", "login", "-u", user, "--password-stdin", server).ok();
            assertTrue(login.out().contains("Login Succeeded"), login.all());
            JsonNode stored = JSON.readTree(Files.readString(config));
            assertEquals(Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)),
                    stored.path("auths").path(server).path("auth").asText(), stored.toString());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(config)));

            String pushed = d.client(c, "push", ref).ok().out();
            assertTrue(pushed.contains(": Pushed\n"), pushed);
            Matcher m = DIGEST_LINE.matcher(pushed);
            assertTrue(m.find(), pushed);
            assertEquals(m.group(2), secure.manifest("secret-" + c, "v1").digest(), "the registry has it");

            // another daemon: anonymous is refused; with the stored credentials both clients pull
            BerthDaemon.Result denied = second.client(c, "pull", ref);
            assertEquals(1, denied.code(), denied.all());
            assertTrue(denied.err().contains("pull access denied for " + repo), denied.err());
            Map<String, String> loggedIn = Map.of("DOCKER_HOST", "unix://" + second.socket(),
                    "DOCKER_CONFIG", config.getParent().toString());
            String pulled = BerthDaemon.run(second.cmd(c, "pull", ref), loggedIn, null).ok().out();
            assertTrue(pulled.contains("Status: Downloaded newer image for " + ref + "\n"), pulled);
            assertEquals(id, second.docker("image", "inspect", "-f", "{{.Id}}", ref).ok().out().trim());
            String other = c.equals("docker") ? "berth" : "docker";
            String otherPull = BerthDaemon.run(second.cmd(other, "pull", ref), loggedIn, null).ok().out();
            assertTrue(otherPull.contains("Status: Image is up to date for " + ref + "\n"), "the other client reads the same config.json: " + otherPull);
            assertEquals("authed\n", second.client(c, "run", "--rm", ref, "echo", "authed").ok().out());

            // logout forgets them: the next push is anonymous again
            String logout = d.client(c, "logout", server).ok().out();
            assertTrue(logout.contains("Removing login credentials for " + server), logout);
            assertFalse(JSON.readTree(Files.readString(config)).path("auths").has(server), Files.readString(config));
            BerthDaemon.Result afterLogout = d.client(c, "push", ref);
            assertEquals(1, afterLogout.code(), afterLogout.all());
            assertTrue(afterLogout.err().matches("(?s).*(unauthorized|authentication required).*"), afterLogout.err());

            // the password never reached an event or a log line of either daemon
            List<byte[]> secrets = List.of(password.getBytes(StandardCharsets.UTF_8),
                    Base64.getEncoder().encode((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
            for (BerthDaemon daemon : List.of(d, second)) {
                List<Path> files = new ArrayList<>();
                try (Stream<Path> s = Files.walk(daemon.dataRoot().resolve("events"))) {
                    s.filter(Files::isRegularFile).forEach(files::add);
                }
                assertFalse(files.isEmpty(), "the event log of " + daemon.root);
                files.add(daemon.logFile());
                for (Path file : files) {
                    for (byte[] secret : secrets) {
                        assertFalse(contains(file, secret), file + " holds the password");
                    }
                }
            }
        }
    }

    // ---- --registry-mirror ----

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void aMirrorServesDockerHubNames(String c) throws Exception {
        String tag = "mirror-" + c;
        // the repository a pull of docker.io's busybox:TAG asks a mirror for
        String inMirror = registry.address() + "/library/busybox:" + tag;
        String id = localImage(inMirror);
        String digest = pushFromFirst(inMirror);
        if (mirrored == null) {
            mirrored = BerthDaemon.launch("--registry-mirror", "http://" + registry.address());
        }
        String pulled = mirrored.client(c, "pull", "busybox:" + tag).ok().out();
        assertTrue(pulled.startsWith(tag + ": Pulling from "), pulled);
        assertTrue(pulled.contains(": Pull complete\n"), pulled);
        assertTrue(pulled.endsWith("Digest: " + digest + "\nStatus: Downloaded newer image for busybox:" + tag + "\n"
                + "docker.io/library/busybox:" + tag + "\n"), pulled);
        assertTrue(registry.log().contains("\"GET /v2/library/busybox/manifests/" + tag + " HTTP/1.1\" 200"),
                "the mirror was asked for library/busybox:" + tag);
        assertEquals(id + " [\"busybox:" + tag + "\"] [\"busybox@" + digest + "\"]", inspectImage(mirrored, c,
                "busybox:" + tag, "{{.Id}} {{json .RepoTags}} {{json .RepoDigests}}"));
        assertEquals("via mirror\n", mirrored.client(c, "run", "--rm", "busybox:" + tag, "echo", "via", "mirror").ok().out());

        // run's auto-pull goes through the mirror too
        mirrored.client(c, "rmi", "busybox:" + tag).ok();
        BerthDaemon.Result run = mirrored.client(c, "run", "--rm", "busybox:" + tag, "echo", "auto").ok();
        assertEquals("auto\n", run.out());
        assertTrue(run.err().contains("Unable to find image 'busybox:" + tag + "' locally"), run.err());

        // a tag the mirror lacks: a clear failure, at once
        long t0 = System.nanoTime();
        BerthDaemon.Result absent = mirrored.client(c, "pull", "busybox:absent-" + c);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(1, absent.code(), absent.all());
        assertTrue(ms < 5000, "took " + ms + " ms");
        assertTrue(absent.err().contains("busybox"), absent.err());
        assertTrue(registry.log().contains("\"GET /v2/library/busybox/manifests/absent-" + c + " HTTP/1.1\" 404"),
                "the mirror was asked");
        mirrored.client(c, "rmi", "busybox:" + tag).ok();
    }

    // ---- helpers ----

    /**
     * A new image of the first daemon, tagged {@code ref}: busybox's layer under a config of its own (an
     * ENV naming it), so removing it never touches busybox:latest.
     */
    private static String localImage(String ref) throws Exception {
        String id = d.docker("import", "-c", "ENV BERTH_IT_IMAGE=" + ref, BerthDaemon.busyboxTar().toString(), ref).ok().out().trim();
        assertTrue(id.matches("sha256:[0-9a-f]{64}"), id);
        assertNotEquals(busyboxId, id);
        return id;
    }

    /** Pushes {@code ref} from the first daemon with the docker CLI (a test's setup); returns the manifest digest. */
    private static String pushFromFirst(String ref) throws Exception {
        String out = d.docker("push", ref).ok().out();
        Matcher m = DIGEST_LINE.matcher(out);
        assertTrue(m.find(), out);
        return m.group(2);
    }

    private static List<String> diffIds(BerthDaemon daemon, String ref) throws Exception {
        List<String> ids = new ArrayList<>();
        JSON.readTree(daemon.docker("image", "inspect", "-f", "{{json .RootFS.Layers}}", ref).ok().out()).forEach(n -> ids.add(n.asText()));
        return ids;
    }

    private static String rootFs(BerthDaemon daemon, String ref) throws Exception {
        return daemon.docker("image", "inspect", "-f", "{{json .RootFS}}", ref).ok().out().trim();
    }

    private static String inspectImage(BerthDaemon daemon, String c, String ref, String format) throws Exception {
        return daemon.client(c, "image", "inspect", "-f", format, ref).ok().out().trim();
    }

    /** "sha256:0123456789abcdef…" → "0123456789ab", the id progress lines carry. */
    private static String shortId(String digest) {
        return digest.substring(digest.indexOf(':') + 1, digest.indexOf(':') + 13);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** No download or upload is left in the data root's tmp. */
    private static void assertNoTransfersLeft(BerthDaemon daemon) throws IOException {
        Path tmp = daemon.dataRoot().resolve("tmp");
        if (Files.isDirectory(tmp)) {
            try (Stream<Path> s = Files.list(tmp)) {
                List<String> left = s.map(p -> p.getFileName().toString())
                        .filter(n -> n.startsWith("pull-") || n.startsWith("push-")).toList();
                assertEquals(List.of(), left, "left in " + tmp);
            }
        }
    }

    /** Whether the file's bytes contain {@code needle} (read in chunks: the event log's files are large). */
    static boolean contains(Path file, byte[] needle) throws IOException {
        if (!Files.exists(file)) {
            return false;
        }
        byte[] buf = new byte[(1 << 20) + needle.length];
        int kept = 0;
        try (InputStream in = Files.newInputStream(file)) {
            while (true) {
                int n = in.read(buf, kept, buf.length - kept);
                if (n < 0) {
                    return false;
                }
                int end = kept + n;
                outer:
                for (int i = 0; i + needle.length <= end; i++) {
                    for (int j = 0; j < needle.length; j++) {
                        if (buf[i + j] != needle[j]) {
                            continue outer;
                        }
                    }
                    return true;
                }
                kept = Math.min(needle.length - 1, end);
                System.arraycopy(buf, end - kept, buf, 0, kept);
            }
        }
    }
}
