package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docker build} as a user runs it: the docker CLI 28 without buildx, so the classic builder
 * ({@code POST /build}, the daemon's own Dockerfile interpreter). Every expected text and behaviour here
 * was first observed on Debian's dockerd 20.10.24 (API 1.41) driven by the same CLI — the transcripts
 * ({@code Step N/M : ...}, {@code  ---> Running in <id>}, {@code Removing intermediate container <id>},
 * {@code  ---> Using cache}), the image configs, {@code docker history}'s CREATED BY column and the error
 * messages and exit codes; {@link #sameTranscriptConfigAndHistoryAsDockerd} and {@link #sameErrorsAsDockerd}
 * build the same Dockerfiles on a dockerd started for the class and compare.
 *
 * <p>Where berth differs from dockerd 20.10 on purpose, the tests expect berth's behaviour and say so:
 * <ul>
 * <li>dockerd commits every step but FROM, COPY and ADD through a container, so metadata steps (ENV, LABEL,
 *     ...) print {@code  ---> Running in <id>} and {@code Removing intermediate container <id>}; berth makes
 *     no container for them, and for RUN prints moby 23+'s {@code  ---> Removed intermediate container <id>}
 *     ({@link #masked} puts both in one form);
 * <li>stages the target does not need are skipped (as the issue asks, and as BuildKit does; dockerd runs
 *     every stage before the target);
 * <li>a failed RUN's container is removed unless {@code --rm=false} (the issue asks that a failing build
 *     leave no intermediate containers; dockerd keeps it unless {@code --force-rm});
 * <li>parse errors use moby 23+'s words (BuildKit's parser): "parse error on line N", with a suggestion;
 * <li>dockerd with {@code --bridge none} needs {@code --network none} on build and run, or it prints
 *     {@code  ---> [Warning] IPv4 forwarding is disabled. Networking will not work.}; berth's containers
 *     have no network by default, so the tests pass no {@code --network} to berth.
 * </ul>
 */
class BuildE2EIT extends E2E {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Pattern SHORT_ID_LINE = Pattern.compile("(?m)^ ---> ([0-9a-f]{12})$");
    static final Pattern RUNNING_IN = Pattern.compile(" ---> Running in ([0-9a-f]{12})");
    static final Pattern FULL_ID = Pattern.compile("sha256:[0-9a-f]{64}");
    static final String PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** dockerd for the comparisons, started by the first test that needs it. */
    private static Dockerd dockerd;

    @TempDir
    Path tmp;

    /** Tags this test made (removed after it). */
    private final List<String> made = new ArrayList<>();

    @AfterEach
    void removeWhatTheTestMade() throws Exception {
        String ids = d.docker("ps", "-aq").out().trim();
        if (!ids.isEmpty()) {
            List<String> rm = new ArrayList<>(List.of("rm", "-f"));
            rm.addAll(Arrays.asList(ids.split("\\s+")));
            d.docker(rm.toArray(String[]::new));
        }
        List<String> tags = new ArrayList<>(made);
        Collections.reverse(tags);
        for (String t : tags) {
            d.docker("rmi", "-f", t);
        }
    }

    @AfterAll
    static void stopDockerd() throws Exception {
        Dockerd dd = dockerd;
        dockerd = null;
        if (dd != null) {
            dd.close();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // helpers
    // ---------------------------------------------------------------------------------------------

    /** A unique tag, removed after the test. */
    private String tag(String prefix) {
        String t = name(prefix) + ":t";
        made.add(t);
        return t;
    }

    /** A new build context: the Dockerfile, then (path, content) pairs; a path ending in / is a directory. */
    private Path context(String dockerfile, String... files) throws Exception {
        Path dir = Files.createTempDirectory(tmp, "ctx");
        if (dockerfile != null) {
            Files.writeString(dir.resolve("Dockerfile"), dockerfile);
        }
        for (int i = 0; i < files.length; i += 2) {
            Path p = dir.resolve(files[i]);
            if (files[i].endsWith("/")) {
                Files.createDirectories(p);
            } else {
                Files.createDirectories(p.getParent());
                Files.writeString(p, files[i + 1]);
            }
        }
        return dir;
    }

    /** {@code docker build ARGS... CONTEXT} against berthd. */
    private static BerthDaemon.Result build(Path ctx, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("build"));
        cmd.addAll(Arrays.asList(args));
        cmd.add(ctx.toString());
        return d.docker(cmd.toArray(String[]::new));
    }

    /** {@code docker build} against the comparison dockerd (with {@code --network none}: see the class comment). */
    private static BerthDaemon.Result buildOnDockerd(Path ctx, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("docker", "build", "--network", "none"));
        cmd.addAll(Arrays.asList(args));
        cmd.add(ctx.toString());
        return BerthDaemon.run(cmd, dockerd().env(), null, 180);
    }

    /**
     * The CLI's stderr without its notice that the legacy builder is deprecated (printed by the CLI itself
     * before every build when buildx is missing, ending in an empty line).
     */
    static String message(BerthDaemon.Result r) {
        String err = r.err();
        if (err.startsWith("DEPRECATED:")) {
            int end = err.indexOf("\n\n");
            err = end < 0 ? "" : err.substring(end + 2);
        }
        return err;
    }

    /**
     * The transcript with the ids and the context size replaced by placeholders, and the intermediate
     * containers in one form: dockerd commits every step through a container, so even ENV prints
     * {@code  ---> Running in <id>} and {@code Removing intermediate container <id>}; berth makes no container
     * for a step that only changes the configuration, and prints moby 23+'s
     * {@code  ---> Removed intermediate container <id>} for a RUN's. A step's container lines with nothing
     * between them are dropped, and the removal line reads {@code Removed intermediate container <id>}. Applied
     * to both sides of a comparison.
     */
    static String masked(String out) {
        return out.replaceAll("(?m)^ ---> [0-9a-f]{12}$", " ---> <id>")
                .replaceAll(" ---> Running in [0-9a-f]{12}", " ---> Running in <id>")
                .replaceAll("(?m)^( ---> Removed|Removing) intermediate container [0-9a-f<>id]{4,12}$",
                        "Removed intermediate container <id>")
                .replace(" ---> Running in <id>\nRemoved intermediate container <id>\n", "")
                .replaceAll("Successfully built [0-9a-f]{12}", "Successfully built <id>")
                .replaceAll("^Sending build context to Docker daemon  [^\n]*\n", "Sending build context to Docker daemon  <size>\n");
    }

    /** The short ids of the ` ---> <id>` lines, in order (FROM's base included). */
    static List<String> stepIds(String out) {
        List<String> ids = new ArrayList<>();
        Matcher m = SHORT_ID_LINE.matcher(out);
        while (m.find()) {
            ids.add(m.group(1));
        }
        return ids;
    }

    static List<String> runningIn(String out) {
        List<String> ids = new ArrayList<>();
        Matcher m = RUNNING_IN.matcher(out);
        while (m.find()) {
            ids.add(m.group(1));
        }
        return ids;
    }

    static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }

    private static String imageId(String ref) throws Exception {
        return d.docker("image", "inspect", "-f", "{{.Id}}", ref).ok().out().trim();
    }

    private static String shortId(String ref) throws Exception {
        return imageId(ref).substring("sha256:".length(), "sha256:".length() + 12);
    }

    private static JsonNode config(BerthDaemon.Result r) throws Exception {
        return JSON.readTree(r.ok().out());
    }

    private static JsonNode configOf(String ref) throws Exception {
        return config(d.docker("image", "inspect", "-f", "{{json .Config}}", ref));
    }

    /** A config field, an absent field and JSON null being the same thing. */
    static JsonNode field(JsonNode config, String name) {
        JsonNode v = config.get(name);
        return v == null ? NullNode.getInstance() : v;
    }

    private static void assertField(String expectedJson, JsonNode config, String name) throws Exception {
        assertEquals(JSON.readTree(expectedJson), field(config, name), name + " of " + config);
    }

    private static long imageCount() throws Exception {
        return d.docker("images", "-a", "-q").ok().out().lines().count();
    }

    private static String containers() throws Exception {
        return d.docker("ps", "-a", "-q").ok().out().trim();
    }

    private static String run(String image, String... cmd) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--rm", image));
        args.addAll(Arrays.asList(cmd));
        return d.docker(args.toArray(String[]::new)).ok().out();
    }

    /** The CREATED BY column of {@code docker history --no-trunc}, newest first. */
    private static List<String> createdBy(BerthDaemon.Result history) {
        return history.ok().out().lines().toList();
    }

    private static final String HISTORY_FORMAT = "{{.CreatedBy}}";

    /** The FROM line of a transcript: the base image's short id. */
    private static String busyboxShort() throws Exception {
        return shortId("busybox:latest");
    }

    // ---------------------------------------------------------------------------------------------
    // 1. instructions
    // ---------------------------------------------------------------------------------------------

    /**
     * The transcript of a metadata step and a RUN, line by line; nothing left running. dockerd 20.10 prints
     * the same but for the metadata step's container (see the class comment) and its older removal line
     * ({@code Removing intermediate container <id>}).
     */
    @Test
    void transcriptOfAMetadataStepAndARun() throws Exception {
        String t = tag("transcript");
        Path ctx = context("FROM busybox\nENV A=1\nRUN echo hi\n");
        BerthDaemon.Result r = build(ctx, "--no-cache", "-t", t).ok();
        String id = shortId(t);
        List<String> running = runningIn(r.out());
        assertEquals(1, running.size(), r.out());
        assertEquals("Sending build context to Docker daemon  2.048kB\n"
                + "Step 1/3 : FROM busybox\n"
                + " ---> " + busyboxShort() + "\n"
                + "Step 2/3 : ENV A=1\n"
                + " ---> " + stepIds(r.out()).get(1) + "\n"
                + "Step 3/3 : RUN echo hi\n"
                + " ---> Running in " + running.get(0) + "\n"
                + "hi\n"
                + " ---> Removed intermediate container " + running.get(0) + "\n"
                + " ---> " + id + "\n"
                + "Successfully built " + id + "\n"
                + "Successfully tagged " + t + "\n", r.out().replace("\r", ""));
        assertEquals("", message(r), "nothing on stderr but the CLI's own notice");
        assertEquals("", containers(), "the intermediate containers are removed after a successful build");
        assertEquals("1\n", run(t, "sh", "-c", "echo $A"));
        // the image and every step's image: history lists them, newest first
        assertEquals(List.of("/bin/sh -c echo hi", "/bin/sh -c #(nop)  ENV A=1", ""),
                createdBy(d.docker("history", "--no-trunc", "--format", HISTORY_FORMAT, t)));
        assertTrue(FULL_ID.matcher(imageId(t)).matches(), imageId(t));
    }

    /** FROM scratch (` ---> ` with no id), COPY --from=image, SHELL used by the shell form of CMD, exec-form HEALTHCHECK. */
    @Test
    void fromScratchCopyFromAnImageAndShell() throws Exception {
        String t = tag("scratch");
        Path ctx = context("FROM scratch\n"
                + "COPY --from=busybox /bin/busybox /busybox\n"
                + "SHELL [\"/busybox\", \"sh\", \"-c\"]\n"
                + "CMD /busybox echo hi from $0\n"
                + "HEALTHCHECK CMD [\"/busybox\",\"true\"]\n");
        BerthDaemon.Result r = build(ctx, "-t", t).ok();
        // dockerd: "Step 1/5 : FROM scratch\n ---> \nStep 2/5 : COPY --from=busybox /bin/busybox /busybox\n ---> 01da006ac93a\n"
        assertTrue(r.out().contains("Step 1/5 : FROM scratch\n ---> \nStep 2/5 : COPY --from=busybox /bin/busybox /busybox\n ---> "),
                r.out());
        JsonNode c = configOf(t);
        assertField("[\"" + PATH_ENV + "\"]", c, "Env");
        assertField("[\"/busybox\",\"sh\",\"-c\",\"/busybox echo hi from $0\"]", c, "Cmd");
        assertField("[\"/busybox\",\"sh\",\"-c\"]", c, "Shell");
        assertField("{\"Test\":[\"CMD\",\"/busybox\",\"true\"]}", c, "Healthcheck");
        assertEquals("hi from sh\n", d.docker("run", "--rm", t).ok().out());
        assertEquals("1\n", d.docker("image", "inspect", "-f", "{{len .RootFS.Layers}}", t).ok().out(), "one layer: the COPY");
        List<String> history = createdBy(d.docker("history", "--no-trunc", "--format", HISTORY_FORMAT, t));
        assertEquals("/busybox sh -c #(nop)  CMD [\"/busybox\" \"sh\" \"-c\" \"/busybox echo hi from $0\"]", history.get(1));
        assertEquals("/busybox sh -c #(nop)  SHELL [/busybox sh -c]", history.get(2));
        assertTrue(history.get(3).matches("/bin/sh -c #\\(nop\\) COPY file:[0-9a-f]{64} in /busybox "), history.get(3));
        assertEquals(4, history.size(), "no row for scratch: " + history);
    }

    /**
     * ARG before FROM used in FROM; a global ARG is not seen in a stage until redeclared there; defaults,
     * --build-arg, build args seen by RUN as environment but not kept in the image; ENV expansion in WORKDIR;
     * an unused --build-arg warned about.
     */
    @Test
    void argScopingAndBuildArgs() throws Exception {
        String t = tag("args");
        Path ctx = context("ARG BASE=busybox\n"
                + "ARG GLOBAL=g\n"
                + "FROM ${BASE} AS first\n"
                + "RUN echo \"global-unset=[$GLOBAL]\"\n"
                + "ARG GLOBAL\n"
                + "RUN echo \"global-redeclared=[$GLOBAL]\"\n"
                + "ARG WITHDEF=def\n"
                + "ARG GIVEN\n"
                + "ENV E1=e1 E2=\"$WITHDEF-x\"\n"
                + "RUN echo \"withdef=[$WITHDEF] given=[$GIVEN] e2=[$E2]\" && env | sort | grep -E '^(WITHDEF|GIVEN|GLOBAL|E1|E2)='\n"
                + "WORKDIR /w/$E1\n"
                + "ENV E1=changed\n"
                + "RUN pwd\n");
        BerthDaemon.Result r = build(ctx, "--no-cache", "--build-arg", "GIVEN=yes", "--build-arg", "UNUSED=1", "-t", t).ok();
        // dockerd 20.10: global ARGs print their step and no " ---> " line
        assertEquals(masked("Sending build context to Docker daemon  <size>\n"
                + "Step 1/13 : ARG BASE=busybox\n"
                + "Step 2/13 : ARG GLOBAL=g\n"
                + "Step 3/13 : FROM ${BASE} AS first\n"
                + " ---> <id>\n"
                + "Step 4/13 : RUN echo \"global-unset=[$GLOBAL]\"\n"
                + " ---> Running in <id>\n"
                + "global-unset=[]\n"
                + "Removing intermediate container <id>\n"
                + " ---> <id>\n"
                + "Step 5/13 : ARG GLOBAL\n"
                + " ---> Running in <id>\n"
                + "Removing intermediate container <id>\n"
                + " ---> <id>\n"
                + "Step 6/13 : RUN echo \"global-redeclared=[$GLOBAL]\"\n"
                + " ---> Running in <id>\n"
                + "global-redeclared=[g]\n"
                + "Removing intermediate container <id>\n"
                + " ---> <id>\n"
                + "Step 7/13 : ARG WITHDEF=def\n"
                + " ---> Running in <id>\n"
                + "Removing intermediate container <id>\n"
                + " ---> <id>\n"
                + "Step 8/13 : ARG GIVEN\n"
                + " ---> Running in <id>\n"
                + "Removing intermediate container <id>\n"
                + " ---> <id>\n"
                + "Step 9/13 : ENV E1=e1 E2=\"$WITHDEF-x\"\n"
                + " ---> Running in <id>\n"
                + "Removing intermediate container <id>\n"
                + " ---> <id>\n"
                + "Step 10/13 : RUN echo \"withdef=[$WITHDEF] given=[$GIVEN] e2=[$E2]\" && env | sort | grep -E '^(WITHDEF|GIVEN|GLOBAL|E1|E2)='\n"
                + " ---> Running in <id>\n"
                + "withdef=[def] given=[yes] e2=[def-x]\n"
                + "E1=e1\n"
                + "E2=def-x\n"
                + "GIVEN=yes\n"
                + "GLOBAL=g\n"
                + "WITHDEF=def\n"
                + "Removing intermediate container <id>\n"
                + " ---> <id>\n"
                + "Step 11/13 : WORKDIR /w/$E1\n"
                + " ---> Running in <id>\n"
                + "Removing intermediate container <id>\n"
                + " ---> <id>\n"
                + "Step 12/13 : ENV E1=changed\n"
                + " ---> Running in <id>\n"
                + "Removing intermediate container <id>\n"
                + " ---> <id>\n"
                + "Step 13/13 : RUN pwd\n"
                + " ---> Running in <id>\n"
                + "/w/e1\n"
                + "Removing intermediate container <id>\n"
                + " ---> <id>\n"
                + "[Warning] One or more build-args [UNUSED] were not consumed\n"
                + "Successfully built <id>\n"
                + "Successfully tagged " + t + "\n"), masked(r.out()));
        JsonNode c = configOf(t);
        assertField("[\"" + PATH_ENV + "\",\"E1=changed\",\"E2=def-x\"]", c, "Env");
        assertField("\"/w/e1\"", c, "WorkingDir");
        assertEquals("[][][]\n", run(t, "sh", "-c", "echo \"[$GIVEN][$WITHDEF][$GLOBAL]\""), "build args are not in the image");
        // RUN's history row names the build args it saw (dockerd: "|N K=V ... cmd")
        List<String> history = createdBy(d.docker("history", "--no-trunc", "--format", HISTORY_FORMAT, t));
        assertEquals("|3 GIVEN=yes GLOBAL=g WITHDEF=def /bin/sh -c pwd", history.get(0));
    }

    /** RUN in shell form with a continuation, in exec form; SHELL changes the shell of later RUNs; RUN's stderr is shown. */
    @Test
    void runShellAndExecFormsAndShell() throws Exception {
        String t = tag("run");
        Path ctx = context("FROM busybox\n"
                + "RUN echo \"one\" && \\\n"
                + "    echo two\n"
                + "RUN [\"/bin/echo\", \"exec form\"]\n"
                + "RUN [\"/bin/sh\", \"-c\", \"echo $0\"]\n"
                + "SHELL [\"/bin/sh\", \"-xc\"]\n"
                + "RUN echo shelled\n");
        BerthDaemon.Result r = build(ctx, "--no-cache", "-t", t).ok();
        String out = masked(r.out());
        assertTrue(out.contains("Step 2/6 : RUN echo \"one\" &&     echo two\n ---> Running in <id>\none\ntwo\n"), out);
        assertTrue(out.contains("Step 3/6 : RUN [\"/bin/echo\", \"exec form\"]\n ---> Running in <id>\nexec form\n"), out);
        assertTrue(out.contains("Step 4/6 : RUN [\"/bin/sh\", \"-c\", \"echo $0\"]\n ---> Running in <id>\n/bin/sh\n"), out);
        assertTrue(out.contains("Step 5/6 : SHELL [\"/bin/sh\", \"-xc\"]\n"), out);
        // stderr of a RUN comes in the stream, each chunk in red (dockerd: "\e[91m+ echo shelled\n\e[0m", or
        // "\e[91m+ \e[0m\e[91mecho shelled\n\e[0m" when it came in two writes)
        assertTrue(out.contains("\u001b[91m") && out.contains("\u001b[0m"), out);
        String plain = out.replace("\u001b[91m", "").replace("\u001b[0m", "");
        assertTrue(plain.contains("+ echo shelled\n"), out);
        assertTrue(plain.contains("shelled\n"), out);
        assertField("[\"/bin/sh\",\"-xc\"]", configOf(t), "Shell");
        assertEquals(List.of("/bin/sh -xc echo shelled", "/bin/sh -xc #(nop)  SHELL [/bin/sh -xc]", "/bin/sh -c echo $0",
                "/bin/echo exec form", "/bin/sh -c echo \"one\" &&     echo two", ""),
                createdBy(d.docker("history", "--no-trunc", "--format", HISTORY_FORMAT, t)));
    }

    /** CMD and ENTRYPOINT in exec and shell forms, how they combine, and an inherited CMD reset by ENTRYPOINT. */
    @Test
    void cmdAndEntrypoint() throws Exception {
        String base = tag("cmd-base");
        build(context("FROM busybox\nCMD [\"echo\",\"from\",\"cmd\"]\n"), "-t", base).ok();
        // {Dockerfile, Entrypoint, Cmd, `docker run IMG`, `docker run IMG ARGS`}; dockerd 20.10 for each
        String[][] cases = {
            {"FROM busybox\nCMD echo shell $HOME\n", "null", "[\"/bin/sh\",\"-c\",\"echo shell $HOME\"]", "shell /root\n", "echo override"},
            {"FROM busybox\nENTRYPOINT [\"echo\",\"ep\"]\nCMD [\"a\",\"b\"]\n", "[\"echo\",\"ep\"]", "[\"a\",\"b\"]", "ep a b\n", "z"},
            // CMD before ENTRYPOINT in the same stage is kept
            {"FROM busybox\nCMD [\"a\",\"b\"]\nENTRYPOINT [\"echo\",\"ep\"]\n", "[\"echo\",\"ep\"]", "[\"a\",\"b\"]", "ep a b\n", "z"},
            // a shell-form ENTRYPOINT ignores CMD and run's arguments
            {"FROM busybox\nENTRYPOINT echo shell-ep\nCMD [\"ignored\"]\n", "[\"/bin/sh\",\"-c\",\"echo shell-ep\"]", "[\"ignored\"]",
                "shell-ep\n", "z"},
            {"FROM busybox\nENTRYPOINT [\"echo\",\"ep\"]\nCMD x y\n", "[\"echo\",\"ep\"]", "[\"/bin/sh\",\"-c\",\"x y\"]",
                "ep /bin/sh -c x y\n", "z"},
            // the base's CMD is dropped when ENTRYPOINT is set
            {"FROM " + base + "\nENTRYPOINT [\"echo\",\"ep\"]\n", "[\"echo\",\"ep\"]", "null", "ep\n", "z"},
            // and kept when it is not
            {"FROM " + base + "\nENV X=1\n", "null", "[\"echo\",\"from\",\"cmd\"]", "from cmd\n", "echo override"},
        };
        for (String[] c : cases) {
            String t = tag("cmd");
            build(context(c[0]), "-q", "-t", t).ok();
            String what = c[0].replace("\n", "; ");
            assertEquals(c[1] + " " + c[2] + "\n",
                    d.docker("image", "inspect", "-f", "{{json .Config.Entrypoint}} {{json .Config.Cmd}}", t).ok().out(), what);
            assertEquals(c[3], run(t), what);
            String expectedWithArgs = c[4].equals("z") ? (c[1].contains("shell-ep") ? "shell-ep\n" : "ep z\n") : "override\n";
            assertEquals(expectedWithArgs, run(t, c[4].split(" ")), what + " with arguments " + c[4]);
        }
    }

    /** ENV in both forms and its expansion in WORKDIR, COPY, LABEL ({@code \$} stays literal) and RUN; COPY --from=0; VOLUME; HEALTHCHECK NONE. */
    @Test
    void envExpansion() throws Exception {
        String t = tag("env");
        Path ctx = context("FROM busybox AS zero\n"
                + "RUN echo from-stage-zero > /z\n"
                + "FROM busybox\n"
                + "ENV A=1 B=\"two words\"\n"
                + "ENV C ${A}-c\n"
                + "ENV DIR=/opt/app\n"
                + "WORKDIR $DIR\n"
                + "COPY f.txt ${DIR}/copied/\n"
                + "COPY --from=0 /z /z\n"
                + "LABEL v=${A} lit=\\$A\n"
                + "VOLUME /v1 /v2\n"
                + "HEALTHCHECK NONE\n"
                + "RUN echo \"A=$A B=$B C=$C pwd=$(pwd)\" && cat copied/f.txt /z\n",
                "f.txt", "fff\n");
        BerthDaemon.Result r = build(ctx, "--no-cache", "-t", t).ok();
        assertTrue(r.out().contains("Step 10/13 : LABEL v=${A} lit=\\$A\n"), r.out());
        assertTrue(r.out().contains("\nA=1 B=two words C=1-c pwd=/opt/app\nfff\nfrom-stage-zero\n"), r.out());
        JsonNode c = configOf(t);
        assertField("[\"" + PATH_ENV + "\",\"A=1\",\"B=two words\",\"C=1-c\",\"DIR=/opt/app\"]", c, "Env");
        assertField("\"/opt/app\"", c, "WorkingDir");
        assertField("{\"lit\":\"$A\",\"v\":\"1\"}", c, "Labels");
        assertField("{\"/v1\":{},\"/v2\":{}}", c, "Volumes");
        assertField("{\"Test\":[\"NONE\"]}", c, "Healthcheck");
        assertEquals("1-c /opt/app\n", run(t, "sh", "-c", "echo $C $(pwd)"));
    }

    /**
     * Every metadata instruction, and --label: the image config as dockerd made it, the author, the
     * transcript's steps (the --label is one more LABEL step at the end), and the image runs its ENTRYPOINT + CMD.
     */
    @Test
    void metadataInstructionsMakeDockersConfig() throws Exception {
        String t = tag("meta");
        BerthDaemon.Result r = build(context(META), "--no-cache", "--label", "from=cli", "-t", t).ok();
        String out = masked(r.out());
        assertTrue(out.contains("Step 15/16 : CMD [\"c1\", \"c2\"]\n ---> <id>\n"
                + "Step 16/16 : LABEL from=cli\n ---> <id>\n"
                + "Successfully built <id>\nSuccessfully tagged " + t + "\n"), out);
        assertTrue(out.contains("Step 11/16 : HEALTHCHECK --interval=5s --timeout=2s --start-period=1s --retries=4 CMD test -e /tmp || exit 1\n"),
                out);
        JsonNode c = configOf(t);
        // dockerd 20.10, `docker image inspect -f '{{json .Config}}'`
        assertField("\"1000\"", c, "User");
        assertField("{\"443/udp\":{},\"80/tcp\":{}}", c, "ExposedPorts");
        assertField("[\"" + PATH_ENV + "\",\"A=1\",\"B=two words\",\"C=1-c\"]", c, "Env");
        assertField("[\"/bin/echo\",\"ep\"]", c, "Entrypoint");
        assertField("[\"c1\",\"c2\"]", c, "Cmd");
        assertField("{\"/data\":{},\"/logs\":{}}", c, "Volumes");
        assertField("\"/app/sub\"", c, "WorkingDir");
        assertField("{\"from\":\"cli\",\"org.example.one\":\"1\",\"two\":\"2\"}", c, "Labels");
        assertField("\"SIGUSR1\"", c, "StopSignal");
        assertField("{\"Test\":[\"CMD-SHELL\",\"test -e /tmp || exit 1\"],\"Interval\":5000000000,\"Timeout\":2000000000,"
                + "\"StartPeriod\":1000000000,\"Retries\":4}", c, "Healthcheck");
        assertField("[\"RUN echo triggered\"]", c, "OnBuild");
        assertEquals("Jane Doe <jane@example.com>\n", d.docker("image", "inspect", "-f", "{{.Author}}", t).ok().out());
        assertEquals("ep c1 c2\n", run(t));
        assertEquals("ep x\n", run(t, "x"));
        assertEquals("1000 /app/sub\n", d.docker("run", "--rm", "--entrypoint", "sh", t, "-c", "echo $(id -u) $(pwd)").ok().out());
        assertEquals("", containers());
    }

    /** {@code docker history}: one row per step, CREATED BY as dockerd writes it (#(nop) for metadata, the command for RUN). */
    @Test
    void historyListsEveryStep() throws Exception {
        String t = tag("history");
        Path ctx = context("FROM busybox\n"
                + "ARG V=dflt\n"
                + "ENV A=1 B=\"two words\"\n"
                + "RUN echo \"$V\" > /v\n"
                + "RUN [\"/bin/echo\", \"exec\"]\n"
                + "COPY f.txt /dst/\n"
                + "COPY d /dd\n"
                + "WORKDIR /app\n"
                + "EXPOSE 80 443/udp\n"
                + "VOLUME [\"/data\"]\n"
                + "USER user\n"
                + "STOPSIGNAL SIGUSR1\n"
                + "ONBUILD RUN echo x\n"
                + "MAINTAINER me\n"
                + "LABEL a=\"b c\"\n"
                + "CMD [\"c1\", \"c2\"]\n",
                "f.txt", "f\n", "d/x.txt", "x\n");
        build(ctx, "--build-arg", "V=given", "-t", t).ok();
        List<String> history = createdBy(d.docker("history", "--no-trunc", "--format", HISTORY_FORMAT, t));
        List<String> normalized = history.stream().map(h -> h.replaceAll("(file|dir|multi):[0-9a-f]{64}", "$1:<sha>")).toList();
        // dockerd 20.10 (note: two spaces after #(nop) but one before WORKDIR/COPY, and the trailing space after COPY's dest)
        assertEquals(List.of(
                "/bin/sh -c #(nop)  CMD [\"c1\" \"c2\"]",
                "/bin/sh -c #(nop)  LABEL a=b c",
                "/bin/sh -c #(nop)  MAINTAINER me",
                "/bin/sh -c #(nop)  ONBUILD RUN echo x",
                "/bin/sh -c #(nop)  STOPSIGNAL SIGUSR1",
                "/bin/sh -c #(nop)  USER user",
                "/bin/sh -c #(nop)  VOLUME [/data]",
                "/bin/sh -c #(nop)  EXPOSE 443/udp 80",
                "/bin/sh -c #(nop) WORKDIR /app",
                "/bin/sh -c #(nop) COPY dir:<sha> in /dd ",
                "/bin/sh -c #(nop) COPY file:<sha> in /dst/ ",
                "|1 V=given /bin/echo exec",
                "|1 V=given /bin/sh -c echo \"$V\" > /v",
                "/bin/sh -c #(nop)  ENV A=1 B=two words",
                "/bin/sh -c #(nop)  ARG V=dflt",
                ""), normalized);
        assertEquals(16, d.docker("history", "-q", t).ok().out().lines().count());
        assertEquals("given\n", run(t, "cat", "/v"));
    }

    /** USER: RUN runs as that user (by name or id); WORKDIR is created and a relative WORKDIR joins the previous one. */
    @Test
    void userAndWorkdir() throws Exception {
        String t = tag("user");
        Path ctx = context("FROM busybox\n"
                + "USER user\n"
                + "RUN id -u && id -un && id -g\n"
                + "USER 1000:1000\n"
                + "RUN id -u\n"
                + "USER root\n"
                + "WORKDIR /made/here\n"
                + "RUN pwd && stat -c '%u:%g %a' /made/here\n"
                + "WORKDIR rel\n"
                + "RUN pwd\n"
                + "USER user\n");
        BerthDaemon.Result r = build(ctx, "--no-cache", "-t", t).ok();
        String out = masked(r.out());
        assertTrue(out.contains("Step 3/11 : RUN id -u && id -un && id -g\n ---> Running in <id>\n1000\nuser\n1000\n"), out);
        assertTrue(out.contains("Step 5/11 : RUN id -u\n ---> Running in <id>\n1000\n"), out);
        assertTrue(out.contains("Step 8/11 : RUN pwd && stat -c '%u:%g %a' /made/here\n ---> Running in <id>\n/made/here\n0:0 755\n"), out);
        assertTrue(out.contains("Step 10/11 : RUN pwd\n ---> Running in <id>\n/made/here/rel\n"), out);
        assertEquals("1000 /made/here/rel\n", run(t, "sh", "-c", "echo $(id -u) $(pwd)"));
        assertField("\"user\"", configOf(t), "User");
    }

    /**
     * COPY: wildcards, a file to a name and into a directory (dest ending in /), a directory copies its
     * contents, --chown by id and by name; ADD of a local .tar.gz extracts it, COPY of it does not.
     */
    @Test
    void copyAndAddSemantics() throws Exception {
        String t = tag("copy");
        Path ctx = context("FROM busybox\n"
                + "COPY *.txt /wild/\n"
                + "COPY a.txt /asfile\n"
                + "COPY a.txt /newdir/\n"
                + "COPY dir /dircontents\n"
                + "COPY dir/ /dircontents2/\n"
                + "COPY a.txt dir /multi/\n"
                + "COPY --chown=1000:1000 a.txt /owned-num\n"
                + "COPY --chown=user:user dir /owned-name\n"
                + "ADD tree.tar.gz /untarred/\n"
                + "COPY tree.tar.gz /copied/\n",
                "a.txt", "a\n", "b.txt", "b\n", "c.md", "c\n", "dir/in.txt", "in\n", "dir/sub/deep.txt", "deep\n",
                "tree/x/t.txt", "t\n");
        BerthDaemon.sh("tar -czf '" + ctx.resolve("tree.tar.gz") + "' -C '" + ctx.resolve("tree") + "' .").ok();
        build(ctx, "-t", t).ok();
        String listing = run(t, "sh", "-c", "cd / && find wild asfile newdir dircontents dircontents2 multi owned-num owned-name "
                + "untarred copied | sort | while read f; do echo \"$(stat -c '%u:%g' $f) $f\"; done");
        // dockerd 20.10
        assertEquals("0:0 asfile\n"
                + "0:0 copied\n"
                + "0:0 copied/tree.tar.gz\n"
                + "0:0 dircontents\n"
                + "0:0 dircontents/in.txt\n"
                + "0:0 dircontents/sub\n"
                + "0:0 dircontents/sub/deep.txt\n"
                + "0:0 dircontents2\n"
                + "0:0 dircontents2/in.txt\n"
                + "0:0 dircontents2/sub\n"
                + "0:0 dircontents2/sub/deep.txt\n"
                + "0:0 multi\n"
                + "0:0 multi/a.txt\n"
                + "0:0 multi/in.txt\n"
                + "0:0 multi/sub\n"
                + "0:0 multi/sub/deep.txt\n"
                + "0:0 newdir\n"
                + "0:0 newdir/a.txt\n"
                + "1000:1000 owned-name\n"
                + "1000:1000 owned-name/in.txt\n"
                + "1000:1000 owned-name/sub\n"
                + "1000:1000 owned-name/sub/deep.txt\n"
                + "1000:1000 owned-num\n"
                + "0:0 untarred\n"
                + "0:0 untarred/x\n"
                + "0:0 untarred/x/t.txt\n"
                + "0:0 wild\n"
                + "0:0 wild/a.txt\n"
                + "0:0 wild/b.txt\n", listing);
        assertEquals("a\na\ndeep\nt\n", run(t, "cat", "/asfile", "/newdir/a.txt", "/owned-name/sub/deep.txt", "/untarred/x/t.txt"));
    }

    /** ADD of an http URL: the daemon fetches it (RUN has no network; the daemon does, on the host's loopback). */
    @Test
    void addFromAnHttpUrl() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        List<String> requests = Collections.synchronizedList(new ArrayList<>());
        server.createContext("/", exchange -> {
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
            boolean found = exchange.getRequestURI().getPath().equals("/remote.txt");
            byte[] body = (found ? "served-content\n" : "gone").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(found ? 200 : 404, body.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(body);
            }
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            String t = tag("url");
            Path ctx = context("FROM busybox\n"
                    + "ADD " + base + "/remote.txt /fetched/\n"
                    + "ADD " + base + "/remote.txt /renamed.txt\n");
            BerthDaemon.Result r = build(ctx, "-t", t).ok();
            assertTrue(r.out().contains("Step 2/3 : ADD " + base + "/remote.txt /fetched/\n"), r.out());
            assertTrue(requests.contains("GET /remote.txt"), "the daemon fetched it: " + requests);
            // dockerd 20.10: the file is named after the URL's last segment, mode 0600, owned by root
            assertEquals("served-content\nserved-content\n", run(t, "cat", "/fetched/remote.txt", "/renamed.txt"));
            assertEquals("600 0:0\n600 0:0\n", run(t, "stat", "-c", "%a %u:%g", "/fetched/remote.txt", "/renamed.txt"));

            BerthDaemon.Result missing = build(context("FROM busybox\nADD " + base + "/nothere.txt /x\n"));
            assertEquals(1, missing.code(), missing.all());
            // dockerd 20.10: "ADD failed: failed to GET <url> with status 404 Not Found: <body>"
            assertTrue(message(missing).startsWith("ADD failed: failed to GET " + base + "/nothere.txt with status 404 Not Found: gone"),
                    message(missing));
            assertEquals("", containers());
        } finally {
            server.stop(0);
        }
    }

    /** ONBUILD: the child's FROM runs the parent's triggers (`# Executing N build trigger(s)`); the child has no OnBuild. */
    @Test
    void onbuildTriggers() throws Exception {
        String parent = tag("onbuild-parent");
        build(context("FROM busybox\nONBUILD RUN echo trigger-ran > /trig\nONBUILD ENV FROM_TRIGGER=yes\n"), "-t", parent).ok();
        String child = tag("onbuild-child");
        BerthDaemon.Result r = build(context("FROM " + parent + "\nRUN cat /trig\n"), "--no-cache", "-t", child).ok();
        // dockerd 20.10, verbatim but for the ids
        assertEquals(masked("Sending build context to Docker daemon  <size>\n"
                + "Step 1/2 : FROM " + parent + "\n"
                + "# Executing 2 build triggers\n"
                + " ---> Running in <id>\n"
                + "Removing intermediate container <id>\n"
                + " ---> Running in <id>\n"
                + "Removing intermediate container <id>\n"
                + " ---> <id>\n"
                + "Step 2/2 : RUN cat /trig\n"
                + " ---> Running in <id>\n"
                + "trigger-ran\n"
                + "Removing intermediate container <id>\n"
                + " ---> <id>\n"
                + "Successfully built <id>\n"
                + "Successfully tagged " + child + "\n"), masked(r.out()));
        JsonNode c = configOf(child);
        assertField("null", c, "OnBuild");
        assertField("[\"" + PATH_ENV + "\",\"FROM_TRIGGER=yes\"]", c, "Env");

        String one = tag("onbuild-one");
        build(context("FROM busybox\nONBUILD RUN echo one\n"), "-t", one).ok();
        BerthDaemon.Result r1 = build(context("FROM " + one + "\n"), "--no-cache").ok();
        assertTrue(masked(r1.out()).contains(masked("Step 1/1 : FROM " + one + "\n# Executing 1 build trigger\n ---> Running in <id>\none\n"
                + "Removing intermediate container <id>\n ---> <id>\nSuccessfully built <id>\n")), r1.out());
        assertEquals("", containers());
    }

    /** Parser directives and comments: {@code # escape=`}, {@code # syntax=} ignored, comments inside a continuation. */
    @Test
    void escapeDirectiveCommentsAndContinuations() throws Exception {
        String t = tag("escape");
        Path ctx = context("# escape=`\n"
                + "# syntax=docker/dockerfile:1\n"
                + "\n"
                + "FROM busybox\n"
                + "# comment between\n"
                + "RUN echo one `\n"
                + "    two `\n"
                + "# comment inside continuation\n"
                + "    three\n"
                + "RUN echo 'back\\slash'\n");
        BerthDaemon.Result r = build(ctx, "--no-cache", "-t", t).ok();
        assertEquals(masked("Sending build context to Docker daemon  <size>\n"
                + "Step 1/3 : FROM busybox\n"
                + " ---> <id>\n"
                + "Step 2/3 : RUN echo one     two     three\n"
                + " ---> Running in <id>\n"
                + "one two three\n"
                + "Removing intermediate container <id>\n"
                + " ---> <id>\n"
                + "Step 3/3 : RUN echo 'back\\slash'\n"
                + " ---> Running in <id>\n"
                + "back\\slash\n"
                + "Removing intermediate container <id>\n"
                + " ---> <id>\n"
                + "Successfully built <id>\n"
                + "Successfully tagged " + t + "\n"), masked(r.out()));
    }

    // ---------------------------------------------------------------------------------------------
    // 2. cache
    // ---------------------------------------------------------------------------------------------

    /** A Dockerfile whose second step, ENV X=<unique>, keeps other tests' images out of its cache. */
    private static String cached(String unique) {
        return "FROM busybox\nENV X=" + unique + "\nRUN echo step > /s\nCOPY data.txt /data.txt\nRUN cat /data.txt\n"
                + "COPY other.txt /other.txt\n";
    }

    /** An unchanged rebuild: ` ---> Using cache` for every step, the same ids, no new images; touch keeps the cache. */
    @Test
    void unchangedRebuildUsesTheCache() throws Exception {
        String t = tag("cache");
        Path ctx = context(cached(t), "data.txt", "v1\n", "other.txt", "other\n");
        BerthDaemon.Result first = build(ctx, "-t", t).ok();
        long images = imageCount();
        String id = imageId(t);
        BerthDaemon.Result again = build(ctx, "-t", t).ok();
        // dockerd 20.10
        assertEquals(masked("Sending build context to Docker daemon  <size>\n"
                + "Step 1/6 : FROM busybox\n ---> <id>\n"
                + "Step 2/6 : ENV X=" + t + "\n ---> Using cache\n ---> <id>\n"
                + "Step 3/6 : RUN echo step > /s\n ---> Using cache\n ---> <id>\n"
                + "Step 4/6 : COPY data.txt /data.txt\n ---> Using cache\n ---> <id>\n"
                + "Step 5/6 : RUN cat /data.txt\n ---> Using cache\n ---> <id>\n"
                + "Step 6/6 : COPY other.txt /other.txt\n ---> Using cache\n ---> <id>\n"
                + "Successfully built <id>\n"
                + "Successfully tagged " + t + "\n"), masked(again.out()));
        assertEquals(stepIds(first.out()), stepIds(again.out()), "every step's image is the cached one");
        assertEquals(id, imageId(t));
        assertEquals(images, imageCount(), "no new images");
        assertEquals("", containers(), "a cached step makes no container");

        // a new mtime, the same content: still cached
        Files.setLastModifiedTime(ctx.resolve("data.txt"), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        BerthDaemon.Result touched = build(ctx, "-t", t).ok();
        assertEquals(5, count(touched.out(), " ---> Using cache\n"), touched.out());
        assertEquals(id, imageId(t));
        assertEquals(images, imageCount());
    }

    /** A COPY'd file's new content: that step and the following run again, the earlier ones come from the cache. */
    @Test
    void changedFileInvalidatesFromItsCopy() throws Exception {
        String t = tag("invalidate");
        Path ctx = context(cached(t), "data.txt", "v1\n", "other.txt", "other\n");
        BerthDaemon.Result first = build(ctx, "-t", t).ok();
        Files.writeString(ctx.resolve("data.txt"), "v2\n");
        BerthDaemon.Result changed = build(ctx, "-t", t).ok();
        // dockerd 20.10
        assertEquals(masked("Sending build context to Docker daemon  <size>\n"
                + "Step 1/6 : FROM busybox\n ---> <id>\n"
                + "Step 2/6 : ENV X=" + t + "\n ---> Using cache\n ---> <id>\n"
                + "Step 3/6 : RUN echo step > /s\n ---> Using cache\n ---> <id>\n"
                + "Step 4/6 : COPY data.txt /data.txt\n ---> <id>\n"
                + "Step 5/6 : RUN cat /data.txt\n ---> Running in <id>\nv2\nRemoving intermediate container <id>\n ---> <id>\n"
                + "Step 6/6 : COPY other.txt /other.txt\n ---> <id>\n"
                + "Successfully built <id>\n"
                + "Successfully tagged " + t + "\n"), masked(changed.out()));
        List<String> before = stepIds(first.out());
        List<String> after = stepIds(changed.out());
        assertEquals(before.subList(0, 3), after.subList(0, 3), "FROM, ENV, RUN: the same images");
        for (int i = 3; i < 6; i++) {
            assertNotEquals(before.get(i), after.get(i), "step " + (i + 1) + " is new");
        }
        assertEquals("v2\n", run(t, "cat", "/data.txt"));
        // back to v1: the first build's images again, from the cache
        Files.writeString(ctx.resolve("data.txt"), "v1\n");
        BerthDaemon.Result back = build(ctx, "-t", t).ok();
        assertEquals(before, stepIds(back.out()));
        assertEquals(5, count(back.out(), " ---> Using cache\n"), back.out());
    }

    /** --no-cache: every step runs again and makes a new image. */
    @Test
    void noCacheRebuildsEveryStep() throws Exception {
        String t = tag("nocache");
        Path ctx = context("FROM busybox\nENV X=1\nRUN echo step\n");
        BerthDaemon.Result first = build(ctx, "-t", t).ok();
        BerthDaemon.Result again = build(ctx, "--no-cache", "-t", t).ok();
        assertFalse(again.out().contains("Using cache"), again.out());
        assertTrue(masked(again.out()).contains(masked("Step 3/3 : RUN echo step\n ---> Running in <id>\nstep\n")), again.out());
        List<String> before = stepIds(first.out());
        List<String> after = stepIds(again.out());
        assertEquals(before.get(0), after.get(0), "the same base");
        assertNotEquals(before.get(1), after.get(1));
        assertNotEquals(before.get(2), after.get(2));
        assertEquals(after.get(2), shortId(t));
    }

    // ---------------------------------------------------------------------------------------------
    // 3. multi-stage
    // ---------------------------------------------------------------------------------------------

    private static final String STAGES = "FROM busybox AS builder\n"
            + "RUN echo built > /artifact\n"
            + "FROM busybox AS final\n"
            + "COPY --from=builder /artifact /got\n"
            + "COPY --from=busybox /etc/passwd /passwd-from-image\n"
            + "RUN cat /got\n"
            + "FROM final AS after\n"
            + "RUN echo after-stage-ran\n";

    /** COPY --from a stage and from an image; the last stage is the image. */
    @Test
    void multiStage() throws Exception {
        String t = tag("stages");
        BerthDaemon.Result r = build(context(STAGES), "-t", t).ok();
        assertTrue(r.out().contains("Step 8/8 : RUN echo after-stage-ran\n"), r.out());
        assertEquals("built\nroot:x:0:0:root:/root:/bin/sh\n", run(t, "sh", "-c", "cat /got && head -1 /passwd-from-image"));
        assertEquals("1\n", run(t, "sh", "-c", "test -e /artifact || echo 1"), "the builder's file is not in the final image");
        assertEquals("", containers());
    }

    /** --target stops after that stage (the steps counted up to it); a target that does not exist is refused. */
    @Test
    void targetStopsEarly() throws Exception {
        String t = tag("target");
        BerthDaemon.Result r = build(context(STAGES), "--no-cache", "--target", "final", "-t", t).ok();
        // dockerd 20.10
        assertEquals(masked("Sending build context to Docker daemon  <size>\n"
                + "Step 1/6 : FROM busybox AS builder\n ---> <id>\n"
                + "Step 2/6 : RUN echo built > /artifact\n ---> Running in <id>\nRemoving intermediate container <id>\n ---> <id>\n"
                + "Step 3/6 : FROM busybox AS final\n ---> <id>\n"
                + "Step 4/6 : COPY --from=builder /artifact /got\n ---> <id>\n"
                + "Step 5/6 : COPY --from=busybox /etc/passwd /passwd-from-image\n ---> <id>\n"
                + "Step 6/6 : RUN cat /got\n ---> Running in <id>\nbuilt\nRemoving intermediate container <id>\n ---> <id>\n"
                + "Successfully built <id>\n"
                + "Successfully tagged " + t + "\n"), masked(r.out()));
        assertFalse(r.out().contains("after-stage-ran"), r.out());

        BerthDaemon.Result nope = build(context(STAGES), "--target", "nope");
        assertEquals(1, nope.code(), nope.all());
        assertEquals("Error response from daemon: failed to reach build target nope in Dockerfile\n", message(nope));
        assertEquals(masked("Sending build context to Docker daemon  <size>\n"), masked(nope.out()));
    }

    /**
     * Stages the target does not need are skipped, as the issue asks (BuildKit's behaviour; dockerd 20.10's
     * classic builder runs every stage before the target, so there a failing unused stage fails the build).
     * The step count covers what runs.
     */
    @Test
    void unusedStagesAreSkipped() throws Exception {
        String withBroken = STAGES.replace("FROM busybox AS final\n", "FROM busybox AS broken\nRUN exit 1\nFROM busybox AS final\n");
        String t = tag("skip");
        BerthDaemon.Result r = build(context(withBroken), "--target", "final", "-t", t).ok();
        assertFalse(r.out().contains("exit 1"), r.out());
        assertFalse(r.out().contains("after-stage-ran"), r.out());
        assertTrue(r.out().contains("Step 6/6 : RUN cat /got\n"), r.out());
        assertEquals("built\n", run(t, "cat", "/got"));
    }

    // ---------------------------------------------------------------------------------------------
    // 4. options
    // ---------------------------------------------------------------------------------------------

    /** Two -t, -f a Dockerfile elsewhere in the context, --iidfile; -q prints only the id. */
    @Test
    void tagsFileIidfileAndQuiet() throws Exception {
        String a = tag("tag-a");
        String b = tag("tag-b");
        Path ctx = context("FROM busybox\nRUN echo wrong\n", "sub/Other.Dockerfile", "FROM busybox\nRUN echo other > /o\n");
        Path iid = tmp.resolve("iid");
        BerthDaemon.Result r = build(ctx, "-f", ctx.resolve("sub/Other.Dockerfile").toString(), "-t", a, "-t", b,
                "--iidfile", iid.toString()).ok();
        assertTrue(r.out().endsWith("Successfully tagged " + a + "\nSuccessfully tagged " + b + "\n"), r.out());
        assertTrue(r.out().contains("Step 2/2 : RUN echo other > /o\n"), r.out());
        String id = imageId(a);
        assertEquals(id, imageId(b));
        assertEquals(id, Files.readString(iid), "the iidfile holds the id, no newline");
        assertEquals("other\n", run(a, "cat", "/o"));

        String q = tag("quiet");
        BerthDaemon.Result quiet = build(ctx, "-q", "--no-cache", "-t", q).ok();
        assertTrue(quiet.out().matches("sha256:[0-9a-f]{64}\n"), "only the id: " + quiet.out());
        assertEquals(imageId(q), quiet.out().trim());
        assertEquals("", message(quiet));
        assertEquals("", containers());
    }

    /**
     * {@code -f} naming a file outside the context (the CLI adds it to the context under a random name, in a
     * tar that ends right after its data) and {@code -} (a Dockerfile on stdin, no context).
     */
    @Test
    void dockerfileOutsideTheContextAndOnStdin() throws Exception {
        String t = tag("outside");
        Path ctx = context(null, "hello.txt", "hello\n");
        Path dockerfile = tmp.resolve("Elsewhere.Dockerfile");
        Files.writeString(dockerfile, "FROM busybox\nCOPY . /ctx/\nRUN ls -a /ctx\n");
        BerthDaemon.Result r = build(ctx, "-f", dockerfile.toString(), "-t", t).ok();
        assertTrue(r.out().contains("Step 3/3 : RUN ls -a /ctx\n"), r.out());
        assertEquals(".\n..\nhello.txt\n", run(t, "ls", "-a", "/ctx"), "the added Dockerfile stays out of the image");

        String s = tag("stdin");
        BerthDaemon.Result fromStdin = d.dockerIn("FROM busybox\nRUN echo from-stdin > /s\n", "build", "-t", s, "-").ok();
        assertTrue(fromStdin.out().contains("Successfully tagged " + s + "\n"), fromStdin.out());
        assertEquals("from-stdin\n", run(s, "cat", "/s"));
    }

    /** --rm=false keeps every RUN step's container (dockerd's metadata steps' too; berth makes none for them). */
    @Test
    void rmFalseKeepsIntermediateContainers() throws Exception {
        BerthDaemon.Result r = build(context("FROM busybox\nENV A=1\nRUN echo x\n"), "--no-cache", "--rm=false").ok();
        assertEquals(masked("Sending build context to Docker daemon  <size>\n"
                + "Step 1/3 : FROM busybox\n ---> <id>\n"
                + "Step 2/3 : ENV A=1\n ---> <id>\n"
                + "Step 3/3 : RUN echo x\n ---> Running in <id>\nx\n ---> <id>\n"
                + "Successfully built <id>\n"), masked(r.out()));
        assertEquals(new TreeSet<>(runningIn(r.out())), new TreeSet<>(d.docker("ps", "-a", "--format", "{{.ID}}").ok().out().lines().toList()));
        made.add(stepIds(r.out()).get(2));
    }

    /**
     * A failed RUN's container is removed unless --rm=false: the issue asks that a failing build leave no
     * intermediate containers (dockerd keeps it unless --force-rm).
     */
    @Test
    void failedRunRemovesItsContainerUnlessRmFalse() throws Exception {
        Path ctx = context("FROM busybox\nRUN echo before && exit 3\n");
        BerthDaemon.Result kept = build(ctx, "--rm=false");
        assertEquals(3, kept.code(), kept.all());
        String id = runningIn(kept.out()).get(0);
        assertEquals(id + " Exited (3)\n", d.docker("ps", "-a", "--format", "{{.ID}} {{.Status}}").ok().out().replaceAll(" ago\n", "\n")
                .replaceAll("\\) .*\n", ")\n"));
        d.docker("rm", id).ok();

        for (String[] flags : new String[][] {{}, {"--force-rm"}}) {
            BerthDaemon.Result removed = build(ctx, flags);
            assertEquals(3, removed.code(), removed.all());
            String id2 = runningIn(removed.out()).get(0);
            assertEquals(masked("Sending build context to Docker daemon  <size>\n"
                    + "Step 1/2 : FROM busybox\n ---> <id>\n"
                    + "Step 2/2 : RUN echo before && exit 3\n ---> Running in <id>\nbefore\nRemoving intermediate container <id>\n"),
                    masked(removed.out()));
            assertTrue(removed.out().contains(" ---> Removed intermediate container " + id2 + "\n"), removed.out());
            assertEquals("The command '/bin/sh -c echo before && exit 3' returned a non-zero code: 3\n", message(removed));
            assertEquals("", containers());
        }
    }

    /** .dockerignore with a ! exception: the CLI leaves the ignored files out of the context. */
    @Test
    void dockerignoreWithExceptions() throws Exception {
        String t = tag("ignore");
        Path ctx = context("FROM busybox\nCOPY . /ctx\n",
                ".dockerignore", "*.log\n!important.log\ndrop\nsecret.txt\n",
                "keep/a", "a", "keep/b.log", "b", "drop/c", "c", "top.log", "t", "important.log", "i", "secret.txt", "s");
        build(ctx, "-t", t).ok();
        // dockerd 20.10 (*.log matches at the top only)
        assertEquals(".\n./.dockerignore\n./Dockerfile\n./important.log\n./keep\n./keep/a\n./keep/b.log\n",
                run(t, "sh", "-c", "cd /ctx && find . | sort"));
    }

    // ---------------------------------------------------------------------------------------------
    // 5. bad input
    // ---------------------------------------------------------------------------------------------

    /** Refused before any step (exit 1, only the context line on stdout); nothing made; the next build works. */
    @Test
    void dockerfilesRefusedBeforeAnyStep() throws Exception {
        long images = imageCount();
        // {Dockerfile, stderr} as dockerd 20.10 prints them
        String[][] cases = {
            // moby 23+ (BuildKit's parser, which berth follows); dockerd 20.10: "dockerfile parse error line 3: unknown instruction: FOO"
            {"FROM busybox\nRUN true\nFOO bar\n", "Error response from daemon: dockerfile parse error on line 3: unknown instruction: FOO (did you mean FROM?)\n"},
            {"", "Error response from daemon: the Dockerfile (Dockerfile) cannot be empty\n"},
            {"# just a comment\n\n", "Error response from daemon: failed to parse Dockerfile: file with no instructions\n"},
            {"RUN true\n", "Error response from daemon: no build stage in current context\n"},
            {"FROM busybox\nENV A\n", "Error response from daemon: failed to parse Dockerfile: ENV must have two arguments\n"},
        };
        for (String[] c : cases) {
            BerthDaemon.Result r = build(context(c[0]));
            assertEquals(1, r.code(), c[0] + ": " + r.all());
            assertEquals(c[1], message(r), c[0]);
            assertEquals(masked("Sending build context to Docker daemon  <size>\n"), masked(r.out()), c[0]);
        }
        assertEquals("", containers());
        assertEquals(images, imageCount());
        String t = tag("after-refused");
        build(context("FROM busybox\nRUN echo fine\n"), "-t", t).ok();
    }

    /**
     * A context tar that tries to write outside, sent as is with {@code docker build -}: a {@code ..} entry
     * is refused before any step; a symlink out followed by a file through it stays inside the context.
     * Nothing is written outside.
     */
    @Test
    void hostileContextsAreRefused() throws Exception {
        Path victim = Files.createDirectory(tmp.resolve("victim"));
        Path dotdot = tmp.resolve("dotdot.tar");
        BerthDaemon.sh("cd '" + tmp + "' && mkdir -p h1 && printf 'FROM busybox\\n' > h1/Dockerfile && echo pwned > h1/p"
                + " && tar -cf '" + dotdot + "' -C h1 Dockerfile --transform 's,^p$,../victim/pwned,' p").ok();
        Path throughLink = tmp.resolve("link.tar");
        BerthDaemon.sh("cd '" + tmp + "' && mkdir -p h2/out && printf 'FROM busybox\\n' > h2/Dockerfile && ln -s '" + victim
                + "' h2/out/escape && echo pwned > h2/x && tar -cf '" + throughLink + "' -C h2 Dockerfile out/escape"
                + " --transform 's,^x$,out/escape/pwned,' x").ok();
        BerthDaemon.Result refused = BerthDaemon.run(List.of("sh", "-c", "docker build - < '" + dotdot + "'"), d.dockerEnv(), null);
        assertEquals(1, refused.code(), refused.all());
        assertTrue(message(refused).startsWith("Error response from daemon: failed to read the build context: "), message(refused));
        assertFalse(refused.out().contains("Step 1/"), refused.out());
        // the link is followed inside the context, as if chrooted there: the file lands in the context
        BerthDaemon.Result contained = BerthDaemon.run(List.of("sh", "-c", "docker build - < '" + throughLink + "'"), d.dockerEnv(), null);
        assertEquals(0, contained.code(), contained.all());
        assertEquals(List.of(), Files.list(victim).toList(), "nothing was written outside the context");
        assertEquals("", containers());
    }

    /** COPY failures: a missing source, a source outside the context, several sources into a non-directory; EXPOSE of junk. */
    @Test
    void stepFailures() throws Exception {
        // {Dockerfile, the failing step, stderr} as dockerd 20.10 prints them
        String[][] cases = {
            {"FROM busybox\nCOPY missing.txt /x\n", "Step 2/2 : COPY missing.txt /x",
                "COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist\n"},
            {"FROM busybox\nCOPY ../x /x\n", "Step 2/2 : COPY ../x /x", "COPY failed: forbidden path outside the build context: ../x ()\n"},
            {"FROM busybox\nCOPY *.txt /notadir\n", "Step 2/2 : COPY *.txt /notadir",
                "When using COPY with more than one source file, the destination must be a directory and end with a /\n"},
            {"FROM busybox\nEXPOSE abc\n", "Step 2/2 : EXPOSE abc", "Invalid containerPort: abc\n"},
        };
        for (String[] c : cases) {
            BerthDaemon.Result r = build(context(c[0], "a.txt", "a", "b.txt", "b"));
            assertEquals(1, r.code(), c[0] + ": " + r.all());
            assertEquals(c[2], message(r), c[0]);
            assertEquals(masked("Sending build context to Docker daemon  <size>\nStep 1/2 : FROM busybox\n ---> <id>\n" + c[1] + "\n"),
                    masked(r.out()), c[0]);
        }
        assertEquals("", containers());
    }

    /** A failing RUN: its output shown, Docker's message, the command's exit code; the next build reuses the steps before it. */
    @Test
    void failingRun() throws Exception {
        Path ctx = context("FROM busybox\nRUN echo ok > /ok\nRUN echo before && exit 3\nRUN echo never\n");
        BerthDaemon.Result r = build(ctx, "--force-rm");
        assertEquals(3, r.code(), "docker build exits with the RUN's code: " + r.all());
        assertEquals("The command '/bin/sh -c echo before && exit 3' returned a non-zero code: 3\n", message(r));
        String out = masked(r.out());
        assertTrue(out.endsWith(masked("Step 3/4 : RUN echo before && exit 3\n ---> Running in <id>\nbefore\nRemoving intermediate container <id>\n")),
                out);
        assertFalse(out.contains("never"), out);
        assertEquals("", containers());
        String okStep = stepIds(r.out()).get(1);

        String t = tag("after-failure");
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN echo ok > /ok\nRUN echo fixed\n");
        BerthDaemon.Result fixed = build(ctx, "-t", t).ok();
        assertTrue(masked(fixed.out()).contains(masked("Step 2/3 : RUN echo ok > /ok\n ---> Using cache\n ---> <id>\n")), fixed.out());
        assertEquals(okStep, stepIds(fixed.out()).get(1), "the step before the failure comes from the cache");
        assertTrue(fixed.out().contains("\nfixed\n"), fixed.out());
        assertEquals("ok\n", run(t, "cat", "/ok"));
    }

    /** A base image that is not here and cannot be pulled: exit 1 at once, naming the registry; nothing made. */
    @Test
    void missingBaseImage() throws Exception {
        long images = imageCount();
        String dead = "127.0.0.1:" + DockerRegistry.freePort();
        long t0 = System.nanoTime();
        BerthDaemon.Result r = build(context("FROM " + dead + "/nosuch:1\nRUN true\n"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(1, r.code(), r.all());
        // dockerd 20.10: `Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused`
        assertEquals(masked("Sending build context to Docker daemon  <size>\nStep 1/2 : FROM " + dead + "/nosuch:1\n"), masked(r.out()));
        assertTrue(message(r).contains(dead), "the message names the registry: " + message(r));
        assertTrue(ms < 10_000, "took " + ms + " ms");

        // docker.io, unreachable from here; dockerd 20.10: `Get "https://registry-1.docker.io/v2/": dial tcp: lookup
        // registry-1.docker.io on 10.255.255.53:53: no such host`
        BerthDaemon.Result hub = build(context("FROM nosuch/image:1\nRUN true\n"));
        assertEquals(1, hub.code(), hub.all());
        assertEquals(masked("Sending build context to Docker daemon  <size>\nStep 1/2 : FROM nosuch/image:1\n"), masked(hub.out()));
        assertTrue(message(hub).contains("docker.io"), message(hub));
        assertEquals("", containers());
        assertEquals(images, imageCount());
    }

    // ---------------------------------------------------------------------------------------------
    // 6. the same as dockerd
    // ---------------------------------------------------------------------------------------------

    /** The Dockerfile with every metadata instruction (and RUN, COPY, ARG, SHELL) that both daemons build. */
    static final String META = "FROM busybox\n"
            + "MAINTAINER Jane Doe <jane@example.com>\n"
            + "ENV A=1 B=\"two words\"\n"
            + "ENV C ${A}-c\n"
            + "LABEL org.example.one=\"1\" two=2\n"
            + "EXPOSE 80 443/udp\n"
            + "VOLUME [\"/data\", \"/logs\"]\n"
            + "WORKDIR /app\n"
            + "WORKDIR sub\n"
            + "USER 1000\n"
            + "HEALTHCHECK --interval=5s --timeout=2s --start-period=1s --retries=4 CMD test -e /tmp || exit 1\n"
            + "ONBUILD RUN echo triggered\n"
            + "STOPSIGNAL SIGUSR1\n"
            + "ENTRYPOINT [\"/bin/echo\", \"ep\"]\n"
            + "CMD [\"c1\", \"c2\"]\n";

    static final String COMPARED = "FROM busybox\n"
            + "ARG V=dflt\n"
            + "RUN echo \"v=$V\" > /run.txt\n"
            + "COPY f.txt d /in/\n"
            + "ADD t.tar.gz /untarred/\n"
            + "SHELL [\"/bin/sh\", \"-ec\"]\n"
            + "RUN [\"/bin/echo\", \"exec\"]\n"
            + "RUN echo shelled\n"
            + META.substring("FROM busybox\n".length());

    static final List<String> CONFIG_FIELDS = List.of("Env", "Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts", "Volumes",
            "Labels", "Healthcheck", "OnBuild", "StopSignal", "Shell");

    /** dockerd on its own roots with berth's busybox:latest loaded, started once for the class. */
    private static synchronized Dockerd dockerd() throws Exception {
        if (dockerd == null) {
            assertTrue(Files.isExecutable(Dockerd.DOCKERD), Dockerd.DOCKERD + " is missing: scripts/packages.sh installs Debian's docker.io");
            Dockerd dd = Dockerd.start(d.root.resolve("dockerd"));
            dockerd = dd;
            Path tar = d.root.resolve("busybox-for-dockerd.tar");
            d.docker("save", "-o", tar.toString(), "busybox:latest").ok();
            assertEquals("Loaded image: busybox:latest\n", dd.docker("load", "-i", tar.toString()).ok().out());
            Files.delete(tar);
        }
        return dockerd;
    }

    /** Same Dockerfile on both daemons: the same transcript (ids aside), config fields, author, history and output. */
    @Test
    void sameTranscriptConfigAndHistoryAsDockerd() throws Exception {
        Dockerd dd = dockerd();
        String t = tag("compare");
        Path ctx = context(COMPARED, "f.txt", "f\n", "d/x.txt", "x\n", "tree/y.txt", "y\n");
        BerthDaemon.sh("tar -czf '" + ctx.resolve("t.tar.gz") + "' -C '" + ctx.resolve("tree") + "' .").ok();
        String[] args = {"--no-cache", "--build-arg", "V=given", "--label", "from=cli", "-t", t};
        BerthDaemon.Result theirs = buildOnDockerd(ctx, args).ok();
        BerthDaemon.Result ours = build(ctx, args).ok();
        assertEquals(masked(theirs.out()), masked(ours.out()), "the transcript");
        assertEquals(message(theirs), message(ours));

        JsonNode theirConfig = config(dd.docker("image", "inspect", "-f", "{{json .Config}}", t));
        JsonNode ourConfig = configOf(t);
        for (String f : CONFIG_FIELDS) {
            assertEquals(field(theirConfig, f), field(ourConfig, f), f + "; dockerd: " + theirConfig + "\nberth: " + ourConfig);
        }
        String author = "{{.Author}} {{.Os}} {{.Architecture}} {{len .RootFS.Layers}}";
        assertEquals(dd.docker("image", "inspect", "-f", author, t).ok().out(), d.docker("image", "inspect", "-f", author, t).ok().out());

        // history: CREATED BY row by row; the file hashes in COPY/ADD rows and HEALTHCHECK's row (Go's %q of a
        // struct, which grows a field in later Docker versions) compared by shape only
        List<String> theirHistory = createdBy(dd.docker("history", "--no-trunc", "--format", HISTORY_FORMAT, t));
        List<String> ourHistory = createdBy(d.docker("history", "--no-trunc", "--format", HISTORY_FORMAT, t));
        assertEquals(theirHistory.size(), ourHistory.size(), "rows; dockerd: " + theirHistory + "\nberth: " + ourHistory);
        for (int i = 0; i < theirHistory.size(); i++) {
            String theirs1 = theirHistory.get(i).replaceAll("(file|dir|multi):[0-9a-f]{64}", "$1:<sha>");
            String ours1 = ourHistory.get(i).replaceAll("(file|dir|multi):[0-9a-f]{64}", "$1:<sha>");
            if (theirs1.startsWith("/bin/sh -ec #(nop)  HEALTHCHECK ")) {
                assertTrue(ours1.startsWith("/bin/sh -ec #(nop)  HEALTHCHECK "), ours1);
            } else {
                assertEquals(theirs1, ours1, "history row " + i);
            }
        }
        // dockerd 20.10 printed, e.g., "/bin/sh -ec #(nop)  HEALTHCHECK &{[\"CMD-SHELL\" \"test -e /tmp || exit 1\"] \"5s\" \"2s\" \"1s\" '\\x04'}"
        // and "|1 V=given /bin/sh -c echo \"v=$V\" > /run.txt", "/bin/sh -c #(nop) COPY multi:<sha> in /in/ "

        String files = "cat /run.txt /in/f.txt /in/x.txt /untarred/y.txt; id -u; pwd";
        assertEquals(BerthDaemon.run(List.of("docker", "run", "--rm", "--network", "none", "--entrypoint", "sh", t, "-c", files), dd.env(), null)
                .ok().out(), d.docker("run", "--rm", "--entrypoint", "sh", t, "-c", files).ok().out());
        assertEquals("ep c1 c2\n", run(t));
        dd.docker("rmi", t).ok();
    }

    /**
     * A parse error in dockerd 20.10's words: berth writes moby 23+'s ("parse error on line N", with a
     * suggestion for a misspelt instruction).
     */
    static String olderParseError(String message) {
        return message.replaceAll("dockerfile parse error on line ([0-9]+)", "dockerfile parse error line $1")
                .replaceAll(" \\(did you mean [A-Z]+\\?\\)", "");
    }

    /** Refused and failing builds on both daemons: the same exit code, stdout (ids aside) and message. */
    @Test
    void sameErrorsAsDockerd() throws Exception {
        dockerd();
        String[] dockerfiles = {
            "FROM busybox\nRUN true\nFOO bar\n",
            "",
            "# only a comment\n",
            "RUN true\n",
            "FROM busybox\nENV A\n",
            "FROM busybox\nCOPY missing.txt /x\n",
            "FROM busybox\nCOPY ../x /x\n",
            "FROM busybox\nCOPY *.txt /notadir\n",
            "FROM busybox\nEXPOSE abc\n",
            "FROM busybox\nRUN echo before && exit 3\nRUN echo never\n",
            "FROM busybox\nCOPY --chown=nosuchuser:1 a.txt /x\n",
        };
        for (String df : dockerfiles) {
            Path ctx = context(df, "a.txt", "a", "b.txt", "b");
            BerthDaemon.Result theirs = buildOnDockerd(ctx, "--force-rm");
            BerthDaemon.Result ours = build(ctx, "--force-rm");
            assertNotEquals(0, theirs.code(), df);
            assertEquals(theirs.code(), ours.code(), df + "\nberth: " + ours.all());
            assertEquals(olderParseError(message(theirs)), olderParseError(message(ours)), df);
            assertEquals(masked(theirs.out()), masked(ours.out()), df);
        }
        BerthDaemon.Result target = buildOnDockerd(context(STAGES), "--target", "nope");
        BerthDaemon.Result ourTarget = build(context(STAGES), "--target", "nope");
        assertEquals(target.code(), ourTarget.code());
        assertEquals(message(target), message(ourTarget));
        assertEquals("", containers());
        assertEquals("", BerthDaemon.run(List.of("docker", "ps", "-aq"), dockerd().env(), null).ok().out(), "dockerd kept nothing with --force-rm");
    }
}
