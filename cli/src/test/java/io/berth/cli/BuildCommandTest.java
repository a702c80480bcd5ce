package io.berth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuildCommandTest {

    @TempDir
    Path tmp;

    private String savedHome;

    @BeforeEach
    void noStoredLogins() {
        savedHome = System.getProperty("user.home");
        System.setProperty("user.home", tmp.resolve("home").toString()); // no ~/.docker/config.json
    }

    @AfterEach
    void restoreHome() {
        System.setProperty("user.home", savedHome);
    }

    /** The query for {@code args}, with {@code env} as the CLI's environment (for --build-arg NAME). */
    private static Map<String, List<String>> query(Function<String, String> env, String... args) throws Exception {
        return BuildCommand.query(BuildCommand.flags().parse(List.of(args)), env);
    }

    @Test
    void queryIsTheOneDocker28Sends() throws Exception {
        Map<String, List<String>> q = query(name -> null, "-t", "myapp:1", "--build-arg", "X=1", "--label", "l1=v1", ".");
        q.put("dockerfile", List.of("Dockerfile"));
        assertEquals("?buildargs=%7B%22X%22%3A%221%22%7D&dockerfile=Dockerfile&labels=%7B%22l1%22%3A%22v1%22%7D&t=myapp%3A1&version=1",
                ApiClient.multiQuery(q));
    }

    @Test
    void everyFlagReachesItsParameter() throws Exception {
        Map<String, List<String>> q = query(name -> name.equals("FROM_ENV") ? "env value" : null,
                "-t", "a:1", "--tag=localhost:5000/b", "--build-arg", "FROM_ENV", "--build-arg", "UNSET", "--build-arg", "E=",
                "--label", "z=1", "--label", "a", "-q", "--no-cache", "--rm=false", "--force-rm", "--pull", "--target", "test",
                "--network", "host", "--add-host", "db:10.0.0.2", "--add-host", "v6=[::1]", "--shm-size", "64m", "-m", "1g",
                "--cache-from", "c1,c2", "--cache-from", "c3", "--platform", "Linux/AMD64", "--iidfile", "id.txt", ".");
        assertEquals(List.of("a:1", "localhost:5000/b"), q.get("t"));
        assertEquals(List.of("{\"E\":\"\",\"FROM_ENV\":\"env value\",\"UNSET\":null}"), q.get("buildargs"),
                "a bare name takes the CLI's environment, and is null when unset (the Dockerfile's default), as docker sends it");
        assertEquals(List.of("{\"a\":\"\",\"z\":\"1\"}"), q.get("labels"));
        assertEquals(List.of("1"), q.get("q"));
        assertEquals(List.of("1"), q.get("nocache"));
        assertEquals(List.of("0"), q.get("rm"));
        assertEquals(List.of("1"), q.get("forcerm"));
        assertEquals(List.of("1"), q.get("pull"));
        assertEquals(List.of("test"), q.get("target"));
        assertEquals(List.of("host"), q.get("networkmode"));
        assertEquals(List.of("db:10.0.0.2", "v6:::1"), q.get("extrahosts"));
        assertEquals(List.of(Long.toString(64L << 20)), q.get("shmsize"));
        assertEquals(List.of(Long.toString(1L << 30)), q.get("memory"));
        assertEquals(List.of("[\"c1\",\"c2\",\"c3\"]"), q.get("cachefrom"));
        assertEquals(List.of("linux/amd64"), q.get("platform"));
        assertEquals(List.of("1"), q.get("version"));
        assertEquals(List.copyOf(new java.util.TreeSet<>(q.keySet())), List.copyOf(q.keySet()), "sorted, as Go encodes url.Values");

        Map<String, List<String>> defaults = query(name -> null, "--network", "default", "--rm", ".");
        assertEquals(Map.of("version", List.of("1")), defaults, "defaults are not sent");
    }

    @Test
    void badFlagValuesAreDockersUsageErrors() {
        assertEquals("invalid argument \"MyApp\" for \"-t, --tag\" flag: invalid reference format: repository name (library/MyApp) must be lowercase",
                assertThrows(Flags.UsageException.class, () -> query(n -> null, "-t", "MyApp", ".")).getMessage());
        assertEquals("invalid argument \"app:\" for \"-t, --tag\" flag: invalid reference format",
                assertThrows(Flags.UsageException.class, () -> query(n -> null, "-t", "app:", ".")).getMessage());
        assertEquals("invalid argument \"=1\" for \"--build-arg\" flag: invalid environment variable: =1",
                assertThrows(Flags.UsageException.class, () -> query(n -> null, "--build-arg", "=1", ".")).getMessage());
        assertEquals("invalid argument \"=v\" for \"--label\" flag: invalid label '=v': empty name",
                assertThrows(Flags.UsageException.class, () -> query(n -> null, "--label", "=v", ".")).getMessage());
        assertEquals("invalid argument \"db\" for \"--add-host\" flag: bad format for add-host: \"db\"",
                assertThrows(Flags.UsageException.class, () -> query(n -> null, "--add-host", "db", ".")).getMessage());
        assertEquals("invalid argument \"lots\" for \"-m, --memory\" flag: invalid size: 'lots'",
                assertThrows(Flags.UsageException.class, () -> query(n -> null, "-m", "lots", ".")).getMessage());
    }

    @Test
    void imageNamesAreCheckedAsDockerChecksThem() {
        for (String good : List.of("app", "app:1.0", "me/app", "localhost:5000/app:v1", "registry.example.com/a/b_c:x-y",
                "app@sha256:" + "a".repeat(64), "[::1]:5000/app")) {
            ImageReference.validate(good);
        }
        for (String bad : List.of("", "app:", "-app", "app:-1", "a/b//c", "app@sha256:abc", "a".repeat(64), "Upper:1", "app:" + "t".repeat(129))) {
            assertThrows(IllegalArgumentException.class, () -> ImageReference.validate(bad), bad);
        }
    }

    private Path contextDir() throws IOException {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\n");
        Files.writeString(ctx.resolve("hello.txt"), "hi\n");
        return ctx;
    }

    private static List<String> tarNames(byte[] tar) throws IOException {
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                names.add(e.getName());
            }
        }
        return names;
    }

    @Test
    void buildSendsTheContextAndPrintsTheDaemonsStream() throws Exception {
        Path ctx = contextDir();
        Path iidfile = tmp.resolve("iid");
        Files.writeString(iidfile, "stale");
        String answer = "{\"stream\":\"Step 1/2 : FROM busybox\\n\"}\r\n"
                + "{\"status\":\"Pulling from library/busybox\",\"id\":\"latest\"}\r\n"
                + "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":1,\"total\":2},\"progress\":\"[==>  ]\",\"id\":\"9ad63333ebc9\"}\r\n"
                + "{\"stream\":\" ---\\u003e 1c35c4412082\\n\"}"  // documents need no separator
                + "{\"aux\":{\"ID\":\"sha256:feed\"}}\n"
                + "{\"stream\":\"Successfully built feed\\n\"}\r\n";
        FakeDaemon.Run run;
        FakeDaemon daemon = new FakeDaemon(tmp.resolve("d.sock"), 200, "application/json", answer);
        try (daemon) {
            run = daemon.berth("build", "-t", "myapp:1", "--build-arg", "X=1", "--label", "l1=v1", "--iidfile", iidfile.toString(), ctx.toString());
        }
        assertEquals(0, run.code(), run.err());
        assertEquals("POST /v1.47/build?buildargs=%7B%22X%22%3A%221%22%7D&dockerfile=Dockerfile&labels=%7B%22l1%22%3A%22v1%22%7D"
                + "&t=myapp%3A1&version=1 HTTP/1.1", daemon.requests.get(0).line());
        assertEquals("chunked", daemon.requests.get(0).headers().get("transfer-encoding"));
        assertEquals("application/x-tar", daemon.requests.get(0).headers().get("content-type"));
        if (System.getenv("DOCKER_CONFIG") == null) {
            assertEquals("e30=", daemon.requests.get(0).headers().get("x-registry-config"), "no stored logins: {}");
        }
        assertEquals(List.of("Dockerfile", "hello.txt"), tarNames(daemon.requests.get(0).body()));
        assertEquals(BuildCommand.sentLine(daemon.requests.get(0).body().length)
                + "Step 1/2 : FROM busybox\nlatest: Pulling from library/busybox\n ---> 1c35c4412082\nSuccessfully built feed\n", run.out(),
                "the stream verbatim, statuses as id: status, no progress bars, no aux");
        assertEquals("", run.err());
        assertEquals("sha256:feed", Files.readString(iidfile));
    }

    @Test
    void aFailedStepExitsWithItsCode() throws Exception {
        Path ctx = contextDir();
        Path iidfile = tmp.resolve("iid");
        Files.writeString(iidfile, "stale");
        String answer = "{\"stream\":\"Step 2/2 : RUN exit 3\\n\"}\r\n"
                + "{\"errorDetail\":{\"code\":3,\"message\":\"The command '/bin/sh -c exit 3' returned a non-zero code: 3\"},"
                + "\"error\":\"The command '/bin/sh -c exit 3' returned a non-zero code: 3\"}\r\n";
        FakeDaemon.Run run;
        try (FakeDaemon daemon = new FakeDaemon(tmp.resolve("d.sock"), 200, "application/json", answer)) {
            run = daemon.berth("build", "--iidfile", iidfile.toString(), ctx.toString());
        }
        assertEquals(3, run.code());
        assertTrue(run.out().endsWith("Step 2/2 : RUN exit 3\n"), run.out());
        assertEquals("The command '/bin/sh -c exit 3' returned a non-zero code: 3\n", run.err());
        assertFalse(Files.exists(iidfile), "a failed build leaves no stale id behind");
    }

    @Test
    void anErrorWithoutACodeExitsOne() throws Exception {
        FakeDaemon.Run run;
        try (FakeDaemon daemon = new FakeDaemon(tmp.resolve("d.sock"), 200, "application/json",
                "{\"errorDetail\":{\"message\":\"dockerfile parse error line 1: unknown instruction: FORM\"},\"error\":\"x\"}\n")) {
            run = daemon.berth("image", "build", contextDir().toString());
        }
        assertEquals(1, run.code());
        assertEquals("dockerfile parse error line 1: unknown instruction: FORM\n", run.err());
    }

    @Test
    void quietPrintsOnlyTheIdAndOnFailureWhatItHeldBack() throws Exception {
        Path ctx = contextDir();
        Path iidfile = tmp.resolve("iid");
        FakeDaemon.Run ok;
        FakeDaemon daemon = new FakeDaemon(tmp.resolve("d.sock"), 200, "application/json",
                "{\"stream\":\"sha256:feed\\n\"}\r\n{\"aux\":{\"ID\":\"sha256:feed\"}}\r\n");
        try (daemon) {
            ok = daemon.berth("build", "-q", "--iidfile", iidfile.toString(), ctx.toString());
        }
        assertTrue(daemon.requests.get(0).line().contains("&q=1&"), daemon.requests.get(0).line());
        assertEquals(0, ok.code(), ok.err());
        assertEquals("sha256:feed\n", ok.out());
        assertEquals("sha256:feed\n", Files.readString(iidfile), "docker writes -q's output, newline and all");

        FakeDaemon.Run failed;
        try (FakeDaemon d = new FakeDaemon(tmp.resolve("d2.sock"), 200, "application/json",
                "{\"stream\":\"Step 1/1 : FROM nope\\n\"}\r\n{\"errorDetail\":{\"message\":\"pull access denied for nope\"},\"error\":\"e\"}\r\n")) {
            failed = d.berth("build", "--quiet", ctx.toString());
        }
        assertEquals(1, failed.code());
        assertEquals("", failed.out());
        assertTrue(failed.err().startsWith("Sending build context to Docker daemon "), failed.err());
        assertTrue(failed.err().endsWith("Step 1/1 : FROM nope\npull access denied for nope\n"), failed.err());
    }

    @Test
    void anHttpErrorIsAnErrorResponseFromTheDaemon() throws Exception {
        FakeDaemon.Run run;
        try (FakeDaemon daemon = new FakeDaemon(tmp.resolve("d.sock"), 400, "application/json",
                "{\"message\":\"invalid reference format\"}")) {
            run = daemon.berth("build", contextDir().toString());
        }
        assertEquals(1, run.code());
        assertEquals("Error response from daemon: invalid reference format\n", run.err());
    }

    @Test
    void usageAndContextErrorsStopBeforeTheDaemon() throws Exception {
        Path sock = tmp.resolve("none.sock");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals(125, Main.run(List.of("-H", "unix://" + sock, "build", "-t", "Bad", "."), o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("invalid argument \"Bad\" for \"-t, --tag\" flag"));
        assertEquals(125, Main.run(List.of("-H", "unix://" + sock, "build"), o, e));
        err.reset();
        assertEquals(1, Main.run(List.of("-H", "unix://" + sock, "build", tmp.resolve("missing").toString()), o, e));
        assertEquals("unable to prepare context: path \"" + tmp.resolve("missing") + "\" not found\n", err.toString(StandardCharsets.UTF_8));
        err.reset();
        assertEquals(1, Main.run(List.of("-H", "unix://" + sock, "build", "https://example.com/app.git"), o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("not implemented"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void storedLoginsTravelInXRegistryConfig() throws Exception {
        assumeTrue(System.getenv("DOCKER_CONFIG") == null, "the test controls ~/.docker through user.home");
        Path config = Files.createDirectories(tmp.resolve("home/.docker")).resolve("config.json");
        Files.writeString(config, "{\"auths\":{\"localhost:5000\":{\"auth\":\"dTpw\"},\"empty.example\":{}}}");
        String header = RegistryCommands.registryConfigHeader();
        String json = new String(java.util.Base64.getUrlDecoder().decode(header), StandardCharsets.UTF_8);
        assertEquals("{\"localhost:5000\":{\"username\":\"u\",\"password\":\"p\",\"serveraddress\":\"localhost:5000\"}}", json);
    }
}
