package io.berth.daemon.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.api.ApiException;
import io.berth.daemon.api.ContainerLifecycle;
import io.berth.daemon.api.Engine;
import io.berth.daemon.command.Command;
import io.berth.daemon.command.EventWaiters;
import io.berth.daemon.command.Journal;
import io.berth.daemon.events.Event;
import io.berth.daemon.image.ImageCommitter;
import io.berth.daemon.image.ImagePuller;
import io.berth.daemon.image.LayerIds;
import io.berth.daemon.logs.JsonFileLog;
import io.berth.daemon.registry.Credentials;
import io.berth.daemon.registry.Digests;
import io.berth.daemon.runtime.Signals;
import io.berth.daemon.state.EngineState;
import io.berth.daemon.state.Image;
import io.berth.daemon.state.ImageReference;
import io.berth.daemon.util.Files2;
import io.berth.daemon.util.HostMounts;
import io.berth.eventlog.Actor;
import io.berth.storage.common.TreeTar;
import io.vertx.core.Future;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One {@code docker build}, with the legacy builder's semantics and output: the Dockerfile's stages run
 * in order (only those the target needs), each instruction makes an image whose parent is the previous
 * step's, and a step whose parent and inputs were seen before reuses that image ({@code Using cache}).
 *
 * <ul>
 *   <li>RUN runs in an ordinary container, created, started, waited for and removed through
 *       {@link ContainerLifecycle}, so the same isolation backend and network drivers as {@code docker run}
 *       apply; its read-write layer becomes the step's layer.</li>
 *   <li>COPY and ADD copy into a scratch container's root filesystem, mounted on the host under the
 *       build's work directory for the copy (the daemon unmounts leftovers at its next start); its
 *       read-write layer becomes the step's layer.</li>
 *   <li>Every other instruction changes the configuration only: a config-only image.</li>
 * </ul>
 *
 * <p>The cache key of a step is a digest of what the step did (the command with the build args it saw,
 * the copied content's checksum, the instruction) and of the configuration it left; with the parent's id
 * it finds the image an earlier build made (kept in the event log, see {@link EngineState#buildCache}).
 *
 * <p>Runs on a build thread of its own and blocks it; never on an event loop.
 */
public final class Builder {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> DEFAULT_SHELL = List.of("/bin/sh", "-c");
    /** Build args Docker knows without an ARG: they reach RUN and are never reported as unused. */
    private static final Set<String> PREDEFINED_ARGS = Set.of("HTTP_PROXY", "http_proxy", "HTTPS_PROXY",
            "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy");
    /** Flags of COPY and ADD that only BuildKit implements; the legacy builder refuses them the same way. */
    private static final List<String> BUILDKIT_COPY_FLAGS = List.of("chmod", "link", "parents", "exclude",
            "checksum", "keep-git-dir");

    /**
     * What the client asked for.
     *
     * @param buildArgs {@code --build-arg} values (a null value: declared by the client but unset)
     * @param labels    {@code --label}s, added to the built image's config
     * @param remove    remove each step's container once the step succeeded ({@code --rm}, the default)
     * @param forceRemove remove them also when the build fails ({@code --force-rm})
     * @param registryCredentials for pulls of base images, by registry name ("docker.io", "localhost:5000");
     *                    never logged or recorded
     */
    public record Request(String dockerfile, List<String> tags, Map<String, String> buildArgs,
                          Map<String, String> labels, boolean noCache, boolean remove, boolean forceRemove,
                          boolean pull, String target, String networkMode, List<String> extraHosts, long memory,
                          long shmSize, Map<String, Credentials> registryCredentials) {}

    private final Engine engine;
    private final ContainerLifecycle containers;
    private final ImageCommitter committer;
    private final ExecutorService downloads;
    private final Request request;
    private final BuildContext context;
    private final BuildOutput out;
    private final Actor caller;
    private final Path work;
    private final Set<String> consumedArgs = new java.util.HashSet<>();
    private final Map<String, Image> stageResults = new LinkedHashMap<>();
    private final Map<String, String> globalArgs = new LinkedHashMap<>();
    private ShellLexer lexer;
    /** The plan {@link #prepare} makes: global ARGs, stages (FROM first), their names, the target, what it needs. */
    private final List<Instruction> metaArgs = new ArrayList<>();
    private final List<List<Instruction>> stages = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private int target;
    private boolean[] needed;
    private char escape = '\\';
    private int step;
    private int totalSteps;
    private volatile boolean cancelled;
    private volatile String runningContainer;

    /** {@code work} is an empty directory of the build's own (under the data root's tmp), removed by the caller. */
    public Builder(Engine engine, ExecutorService downloads, Request request, BuildContext context, BuildOutput out,
                   Actor caller, Path work) {
        this.engine = engine;
        this.containers = new ContainerLifecycle(engine);
        this.committer = new ImageCommitter(engine.state(), engine.drivers().storage(), engine.images(),
                engine.paths().tmp());
        this.downloads = downloads;
        this.request = request;
        this.context = context;
        this.out = out;
        this.caller = caller;
        this.work = work;
    }

    /** Stops the build at the next step; a running RUN step's container is killed. */
    public void cancel() {
        cancelled = true;
        String running = runningContainer;
        if (running != null) {
            engine.send(new Command.KillContainer(running, Signals.SIGKILL, -1, false), caller,
                    Journal.newCorrelationId());
        }
    }

    /**
     * Reads and checks the Dockerfile and the target: what can fail before the first step (dockerd answers
     * these with an HTTP error rather than in the build's stream).
     */
    public void prepare() throws BuildException {
        Dockerfile dockerfile = DockerfileParser.parse(context.readDockerfile(request.dockerfile()), request.dockerfile());
        escape = dockerfile.escape();
        lexer = new ShellLexer(escape);
        for (Instruction i : dockerfile.instructions()) {
            if (i.keyword().equals("FROM")) {
                stages.add(new ArrayList<>(List.of(i)));
            } else if (stages.isEmpty()) {
                if (!i.keyword().equals("ARG")) {
                    throw new BuildException("no build stage in current context");
                }
                metaArgs.add(i);
            } else {
                stages.get(stages.size() - 1).add(i);
            }
        }
        if (stages.isEmpty()) {
            throw new BuildException("no build stage in current context");
        }
        for (Instruction arg : metaArgs) {
            for (Map.Entry<String, String> a : lexer.pairs("ARG", arg.text(), globalArgs)) {
                String value = request.buildArgs().containsKey(a.getKey()) && request.buildArgs().get(a.getKey()) != null
                        ? request.buildArgs().get(a.getKey()) : a.getValue();
                globalArgs.put(a.getKey(), value == null ? "" : value);
                if (request.buildArgs().containsKey(a.getKey())) {
                    consumedArgs.add(a.getKey());
                }
            }
        }
        for (List<Instruction> stage : stages) {
            names.add(stageName(stage.get(0)));
        }
        target = stages.size() - 1;
        if (request.target() != null && !request.target().isEmpty()) {
            target = names.indexOf(request.target().toLowerCase(Locale.ROOT));
            if (target < 0) {
                throw new BuildException("failed to reach build target " + request.target() + " in Dockerfile");
            }
        }
        needed = neededStages(stages, names, target);
        totalSteps = metaArgs.size();
        if (!request.labels().isEmpty()) {
            // --label is a LABEL step at the end of the target stage, as dockerd adds it
            StringBuilder line = new StringBuilder("LABEL");
            new TreeMap<>(request.labels()).forEach((k, v) -> line.append(' ').append(labelWord(k)).append('=')
                    .append(labelWord(v == null ? "" : v)));
            stages.get(target).add(DockerfileParser.parseInstruction(line.toString(), '\\', 0));
        }
        for (int s = 0; s <= target; s++) {
            totalSteps += needed[s] ? stages.get(s).size() : 0;
        }
    }

    /** Runs the build {@link #prepare}d; returns the built image (untagged: see {@link #tag}). */
    public Image build() throws BuildException {
        if (needed == null) {
            prepare();
        }
        for (Instruction arg : metaArgs) {
            printStep(arg);
        }
        Image result = null;
        for (int s = 0; s <= target; s++) {
            if (!needed[s]) {
                continue;
            }
            result = buildStage(stages.get(s), s, names.get(s));
            stageResults.put(String.valueOf(s), result);
            if (!names.get(s).isEmpty()) {
                stageResults.put(names.get(s), result);
            }
        }
        List<String> unused = request.buildArgs().keySet().stream()
                .filter(a -> !consumedArgs.contains(a) && !PREDEFINED_ARGS.contains(a)).sorted().toList();
        if (!unused.isEmpty()) {
            out.stream("[Warning] One or more build-args [" + String.join(" ", unused) + "] were not consumed\n");
        }
        return result;
    }

    /** The stage's name from {@code FROM image AS name}, lower-case; "" when unnamed. */
    private String stageName(Instruction from) throws BuildException {
        List<String> words = expandFields(from, globalArgs);
        if (words.size() == 3 && words.get(1).equalsIgnoreCase("as")) {
            return words.get(2).toLowerCase(Locale.ROOT);
        }
        if (words.size() != 1) {
            throw new BuildException("dockerfile parse error on line " + from.line()
                    + ": FROM requires either one or three arguments");
        }
        return "";
    }

    /** The stages the target depends on through {@code FROM <stage>} and {@code COPY --from=<stage>}. */
    private boolean[] neededStages(List<List<Instruction>> stages, List<String> names, int target) throws BuildException {
        boolean[] needed = new boolean[stages.size()];
        java.util.Deque<Integer> todo = new java.util.ArrayDeque<>(List.of(target));
        while (!todo.isEmpty()) {
            int s = todo.pop();
            if (needed[s]) {
                continue;
            }
            needed[s] = true;
            List<String> refs = new ArrayList<>();
            refs.add(expandFields(stages.get(s).get(0), globalArgs).get(0).toLowerCase(Locale.ROOT));
            for (Instruction i : stages.get(s)) {
                if ((i.keyword().equals("COPY") || i.keyword().equals("ADD")) && i.flag("from").isPresent()) {
                    refs.add(lexer.expand(i.flag("from").get(), globalArgs).toLowerCase(Locale.ROOT));
                }
            }
            for (String ref : refs) {
                int dep = names.indexOf(ref);
                if (dep < 0 && ref.matches("[0-9]+")) {
                    dep = Integer.parseInt(ref);
                }
                if (dep >= 0 && dep < s) {
                    todo.push(dep);
                }
            }
        }
        return needed;
    }

    // ---- stages -----------------------------------------------------------------------------------

    /** The state of the stage being built. */
    private static final class Stage {
        final int index;
        final String name;
        Image image;
        ObjectNode runConfig;
        final Map<String, String> args = new LinkedHashMap<>();
        boolean cmdSet;
        String author = "";
        /** Running the base image's ONBUILD triggers: their steps print no " ---> <id>" of their own. */
        boolean inTriggers;

        Stage(int index, String name) {
            this.index = index;
            this.name = name;
        }
    }

    private Image buildStage(List<Instruction> instructions, int index, String name) throws BuildException {
        Stage st = new Stage(index, name);
        Instruction from = instructions.get(0);
        printStep(from);
        from(st, from);
        for (Instruction i : instructions.subList(1, instructions.size())) {
            printStep(i);
            dispatch(st, i);
        }
        return st.image;
    }

    private void printStep(Instruction i) throws BuildException {
        if (cancelled) {
            throw new BuildException("build cancelled");
        }
        step++;
        out.stream("Step " + step + "/" + totalSteps + " : " + i.original());
        out.stream("\n");
    }

    private void from(Stage st, Instruction from) throws BuildException {
        String platform = from.flag("platform").map(p -> {
            try {
                return lexer.expand(p, globalArgs);
            } catch (BuildException e) {
                return p;
            }
        }).orElse("");
        if (!platform.isEmpty() && !platform.equals("linux/amd64") && !platform.equals("linux")) {
            throw new BuildException("not implemented: building for platform " + platform + " (berth runs linux/amd64)");
        }
        String base = expandFields(from, globalArgs).get(0);
        Image image;
        if (base.equalsIgnoreCase("scratch")) {
            image = scratch();
        } else if (stageResults.containsKey(base.toLowerCase(Locale.ROOT)) && !base.matches("[0-9]+")) {
            image = stageResults.get(base.toLowerCase(Locale.ROOT));
        } else {
            image = baseImage(base);
        }
        st.image = image;
        st.runConfig = image.runConfig().deepCopy();
        if (!runConfigHasEnv(st, "PATH")) {
            // dockerd gives a stage whose base has no PATH the default one
            ArrayNode env = st.runConfig.get("Env") instanceof ArrayNode a ? a : st.runConfig.putArray("Env");
            env.add("PATH=" + io.berth.daemon.runtime.ContainerSpecs.DEFAULT_PATH);
        }
        List<String> triggers = new ArrayList<>();
        st.runConfig.path("OnBuild").forEach(t -> triggers.add(t.asText()));
        if (triggers.isEmpty()) {
            out.stream(" ---> " + Digests.shortId(image.id()) + "\n"); // scratch has no id: " ---> " alone, as dockerd prints
        } else {
            // the base's triggers run as part of FROM, which then shows the image they made
            out.stream("# Executing " + triggers.size() + " build trigger" + (triggers.size() == 1 ? "" : "s") + "\n");
            st.runConfig.putNull("OnBuild");
            st.inTriggers = true;
            for (String trigger : triggers) {
                // Docker parses a trigger with the default escape, whatever the Dockerfile's was
                Instruction t = DockerfileParser.parseInstruction(trigger, '\\', from.line());
                if (t.keyword().equals("ONBUILD") || t.keyword().equals("FROM") || t.keyword().equals("MAINTAINER")) {
                    throw new BuildException(t.keyword() + " isn't allowed as an ONBUILD trigger");
                }
                dispatch(st, t);
            }
            st.inTriggers = false;
            out.stream(" ---> " + Digests.shortId(st.image.id()) + "\n");
        }
    }

    /** An empty stage: no layers, no config, no id. */
    private static Image scratch() {
        ObjectNode config = JSON.createObjectNode();
        config.put("architecture", "amd64");
        config.put("os", "linux");
        config.putObject("config");
        config.putObject("rootfs").put("type", "layers").putArray("diff_ids");
        config.putArray("history");
        return new Image("", List.of(), 0, 0, "", Set.of(), config, "", "");
    }

    /** The image FROM names: local, else pulled (also when {@code --pull} asks for a fresh copy). */
    private Image baseImage(String name) throws BuildException {
        Image local;
        try {
            local = engine.state().findImage(name).orElse(null);
        } catch (EngineState.AmbiguousException e) {
            throw new BuildException(e.getMessage());
        }
        if (local != null && !request.pull()) {
            return local;
        }
        if (local != null && !name.contains("/") && !name.contains(".") && local.tags().isEmpty()) {
            return local; // an id
        }
        io.berth.daemon.registry.Reference ref;
        try {
            ref = engine.registry().resolve(name);
        } catch (IllegalArgumentException e) {
            throw new BuildException("invalid reference format: " + name);
        }
        ImagePuller puller = new ImagePuller(engine.state(), engine.drivers().storage(), engine.images(),
                engine.registry(), downloads, engine.paths().tmp());
        ImagePuller.Pulled pulled;
        try {
            Credentials credentials = request.registryCredentials().getOrDefault(ref.registry(), Credentials.anonymous());
            pulled = puller.pull(ref, credentials, out, System.currentTimeMillis() * 1_000_000L);
        } catch (IOException | RuntimeException e) {
            // also with --pull and a local copy: dockerd fails the build when it cannot pull
            throw new BuildException(e.getMessage() == null ? e.toString() : e.getMessage());
        }
        if (pulled.register() != null) {
            send(pulled.register());
        }
        for (Command record : pulled.records()) {
            send(record);
        }
        return engine.state().image(pulled.imageId())
                .orElseThrow(() -> new BuildException("pulled image " + pulled.imageId() + " is gone"));
    }

    // ---- instructions -----------------------------------------------------------------------------

    private void dispatch(Stage st, Instruction i) throws BuildException {
        switch (i.keyword()) {
            case "ENV" -> env(st, i);
            case "LABEL" -> label(st, i);
            case "MAINTAINER" -> {
                st.author = i.text();
                commitConfig(st, "MAINTAINER " + st.author);
            }
            case "EXPOSE" -> expose(st, i);
            case "VOLUME" -> volume(st, i);
            case "WORKDIR" -> workdir(st, i);
            case "USER" -> {
                String user = lexer.expand(i.text(), env(st));
                if (user.isEmpty()) {
                    throw new BuildException("USER requires exactly one argument");
                }
                st.runConfig.put("User", user);
                commitConfig(st, "USER " + user);
            }
            case "CMD" -> {
                ArrayNode cmd = command(st, i);
                st.runConfig.set("Cmd", cmd);
                st.cmdSet = true;
                commitConfig(st, "CMD " + goQuoted(cmd));
            }
            case "ENTRYPOINT" -> {
                ArrayNode entrypoint = command(st, i);
                st.runConfig.set("Entrypoint", entrypoint);
                if (!st.cmdSet) {
                    st.runConfig.putNull("Cmd");
                }
                commitConfig(st, "ENTRYPOINT " + goQuoted(entrypoint));
            }
            case "SHELL" -> {
                if (!i.json() || i.args().isEmpty()) {
                    throw new BuildException("SHELL requires the arguments to be in JSON form");
                }
                ArrayNode shell = JSON.createArrayNode();
                i.args().forEach(shell::add);
                st.runConfig.set("Shell", shell);
                commitConfig(st, "SHELL [" + String.join(" ", i.args()) + "]");
            }
            case "STOPSIGNAL" -> {
                String signal = lexer.expand(i.text(), env(st));
                try {
                    Signals.parse(signal, -1);
                } catch (ApiException e) {
                    throw new BuildException(e.getMessage());
                }
                st.runConfig.put("StopSignal", signal);
                commitConfig(st, "STOPSIGNAL " + signal);
            }
            case "HEALTHCHECK" -> healthcheck(st, i);
            case "ONBUILD" -> onbuild(st, i);
            case "ARG" -> arg(st, i);
            case "RUN" -> run(st, i);
            case "COPY" -> copy(st, i, false);
            case "ADD" -> copy(st, i, true);
            case "FROM" -> throw new BuildException("FROM may only start a stage");
            default -> throw new BuildException("dockerfile parse error line " + i.line() + ": unknown instruction: "
                    + i.keyword());
        }
    }

    /** Variables for expansion: the stage's ARGs, overridden by its ENV. */
    private Map<String, String> env(Stage st) {
        Map<String, String> env = new LinkedHashMap<>();
        st.args.forEach((k, v) -> {
            if (v != null) {
                env.put(k, v);
            }
        });
        for (JsonNode e : st.runConfig.path("Env")) {
            String entry = e.asText();
            int eq = entry.indexOf('=');
            if (eq > 0) {
                env.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return env;
    }

    private void env(Stage st, Instruction i) throws BuildException {
        List<Map.Entry<String, String>> pairs = lexer.pairs("ENV", i.text(), env(st));
        ArrayNode env = st.runConfig.get("Env") instanceof ArrayNode a ? a : st.runConfig.putArray("Env");
        StringBuilder comment = new StringBuilder("ENV");
        for (Map.Entry<String, String> p : pairs) {
            String entry = p.getKey() + "=" + p.getValue();
            boolean replaced = false;
            for (int k = 0; k < env.size(); k++) {
                if (env.get(k).asText().startsWith(p.getKey() + "=") || env.get(k).asText().equals(p.getKey())) {
                    env.set(k, JSON.getNodeFactory().textNode(entry));
                    replaced = true;
                }
            }
            if (!replaced) {
                env.add(entry);
            }
            comment.append(' ').append(entry);
        }
        commitConfig(st, comment.toString());
    }

    private void label(Stage st, Instruction i) throws BuildException {
        List<Map.Entry<String, String>> pairs = lexer.pairs("LABEL", i.text(), env(st));
        ObjectNode labels = st.runConfig.get("Labels") instanceof ObjectNode l ? l : st.runConfig.putObject("Labels");
        StringBuilder comment = new StringBuilder("LABEL");
        for (Map.Entry<String, String> p : pairs) {
            labels.put(p.getKey(), p.getValue());
            comment.append(' ').append(p.getKey()).append('=').append(p.getValue());
        }
        commitConfig(st, comment.toString());
    }

    private void expose(Stage st, Instruction i) throws BuildException {
        List<String> ports = new ArrayList<>();
        for (String field : i.fields()) {
            ports.addAll(lexer.words(field, env(st)));
        }
        if (ports.isEmpty()) {
            throw new BuildException("EXPOSE requires at least one argument");
        }
        ObjectNode exposed = st.runConfig.get("ExposedPorts") instanceof ObjectNode e ? e : st.runConfig.putObject("ExposedPorts");
        List<String> written = new ArrayList<>();
        for (String port : ports) {
            String proto = "tcp";
            String range = port;
            int slash = port.indexOf('/');
            if (slash >= 0) {
                proto = port.substring(slash + 1).toLowerCase(Locale.ROOT);
                range = port.substring(0, slash);
            }
            if (!List.of("tcp", "udp", "sctp").contains(proto)) {
                throw new BuildException("invalid proto: " + proto);
            }
            String[] ends = range.split("-", 2);
            int first;
            int lastPort;
            try {
                first = Integer.parseInt(ends[0]);
                lastPort = ends.length == 2 ? Integer.parseInt(ends[1]) : first;
            } catch (NumberFormatException e) {
                throw new BuildException("Invalid containerPort: " + range);
            }
            if (first < 1 || lastPort > 65535 || lastPort < first) {
                throw new BuildException("Invalid containerPort: " + range);
            }
            for (int p = first; p <= lastPort; p++) {
                exposed.putObject(p + "/" + proto);
            }
            written.add(port);
        }
        written.sort(null); // dockerd's history shows the ports as written, sorted
        commitConfig(st, "EXPOSE " + String.join(" ", written));
    }

    private void volume(Stage st, Instruction i) throws BuildException {
        List<String> paths = expandFields(i, env(st));
        if (paths.isEmpty()) {
            throw new BuildException("VOLUME requires at least one argument");
        }
        ObjectNode volumes = st.runConfig.get("Volumes") instanceof ObjectNode v ? v : st.runConfig.putObject("Volumes");
        for (String p : paths) {
            if (p.trim().isEmpty()) {
                throw new BuildException("VOLUME specified can not be an empty string");
            }
            volumes.putObject(p.trim());
        }
        commitConfig(st, "VOLUME [" + String.join(" ", paths) + "]");
    }

    private void workdir(Stage st, Instruction i) throws BuildException {
        String dir = lexer.expand(i.text(), env(st));
        if (dir.isEmpty()) {
            throw new BuildException("WORKDIR requires exactly one argument");
        }
        String current = st.runConfig.path("WorkingDir").asText("");
        String joined = dir.startsWith("/") ? dir : (current.isEmpty() ? "/" : current) + "/" + dir;
        String clean = java.nio.file.Path.of("/").resolve(joined).normalize().toString();
        st.runConfig.put("WorkingDir", clean);
        commitConfig(st, "WORKDIR " + clean, "#(nop) ");
    }

    private void healthcheck(Stage st, Instruction i) throws BuildException {
        ObjectNode check = JSON.createObjectNode();
        ArrayNode test = check.putArray("Test");
        String type = i.args().isEmpty() ? "" : i.args().get(0);
        if (type.equals("NONE")) {
            test.add("NONE");
        } else {
            List<String> command = i.args().subList(1, i.args().size());
            if (i.json()) {
                test.add("CMD");
                command.forEach(test::add);
            } else {
                test.add("CMD-SHELL");
                test.add(String.join(" ", command));
            }
            for (Instruction.Flag f : i.flags()) {
                switch (f.name()) {
                    case "interval" -> check.put("Interval", duration(f));
                    case "timeout" -> check.put("Timeout", duration(f));
                    case "start-period" -> check.put("StartPeriod", duration(f));
                    case "start-interval" -> check.put("StartInterval", duration(f));
                    case "retries" -> {
                        try {
                            int retries = Integer.parseInt(f.value());
                            if (retries < 0) {
                                throw new BuildException("--retries cannot be negative (" + retries + ")");
                            }
                            check.put("Retries", retries);
                        } catch (NumberFormatException e) {
                            throw new BuildException("strconv.ParseInt: parsing \"" + f.value() + "\": invalid syntax");
                        }
                    }
                    default -> throw new BuildException("Unknown flag: " + f.name());
                }
            }
        }
        st.runConfig.set("Healthcheck", check);
        commitConfig(st, "HEALTHCHECK " + check);
    }

    private static long duration(Instruction.Flag f) throws BuildException {
        if (f.value().isEmpty()) {
            return 0;
        }
        long nanos = GoDuration.parse(f.value()).toNanos();
        if (nanos != 0 && nanos < 1_000_000L) {
            throw new BuildException("Interval \"" + f.name() + "\" cannot be less than 1ms");
        }
        return nanos;
    }

    private void onbuild(Stage st, Instruction i) throws BuildException {
        Instruction trigger = DockerfileParser.parseInstruction(i.text(), '\\', i.line());
        if (trigger.keyword().equals("ONBUILD")) {
            throw new BuildException("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
        }
        if (trigger.keyword().equals("FROM") || trigger.keyword().equals("MAINTAINER")) {
            throw new BuildException(trigger.keyword() + " isn't allowed as an ONBUILD trigger");
        }
        String text = i.text().trim();
        String stored = trigger.keyword() + text.substring(Math.min(text.length(), trigger.keyword().length()));
        ArrayNode onbuild = st.runConfig.get("OnBuild") instanceof ArrayNode a ? a : st.runConfig.putArray("OnBuild");
        onbuild.add(stored);
        commitConfig(st, "ONBUILD " + stored);
    }

    private void arg(Stage st, Instruction i) throws BuildException {
        StringBuilder comment = new StringBuilder("ARG");
        for (Map.Entry<String, String> a : lexer.pairs("ARG", i.text(), env(st))) {
            String name = a.getKey();
            String value = a.getValue();
            if (value == null && globalArgs.containsKey(name)) {
                value = globalArgs.get(name);
            }
            if (request.buildArgs().containsKey(name)) {
                consumedArgs.add(name);
                if (request.buildArgs().get(name) != null) {
                    value = request.buildArgs().get(name);
                }
            }
            st.args.put(name, value);
            comment.append(' ').append(a.getValue() == null ? name : name + "=" + a.getValue());
        }
        commitConfig(st, comment.toString());
    }

    /** CMD / ENTRYPOINT arguments: the exec form as written, the shell form wrapped in the stage's shell. */
    private ArrayNode command(Stage st, Instruction i) {
        ArrayNode cmd = JSON.createArrayNode();
        if (i.json()) {
            i.args().forEach(cmd::add);
        } else {
            shell(st).forEach(cmd::add);
            cmd.add(i.text());
        }
        return cmd;
    }

    private static List<String> shell(Stage st) {
        JsonNode shell = st.runConfig.path("Shell");
        if (shell.isArray() && shell.size() > 0) {
            List<String> out = new ArrayList<>();
            shell.forEach(s -> out.add(s.asText()));
            return out;
        }
        return DEFAULT_SHELL;
    }

    // ---- RUN --------------------------------------------------------------------------------------

    private void run(Stage st, Instruction i) throws BuildException {
        if (i.flags().stream().anyMatch(f -> !f.name().equals("network") || !f.value().equals("default"))) {
            throw new BuildException("the --" + i.flags().get(0).name()
                    + " option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build"
                    + " images with BuildKit enabled");
        }
        List<String> cmd = new ArrayList<>();
        if (i.json()) {
            cmd.addAll(i.args());
        } else {
            cmd.addAll(shell(st));
            cmd.add(i.text());
        }
        // build args in scope reach the command as environment (ENV wins), and are part of its identity
        Map<String, String> argEnv = new TreeMap<>();
        Set<String> envNames = env(st).keySet();
        st.args.forEach((k, v) -> {
            if (v != null && !runConfigHasEnv(st, k)) {
                argEnv.put(k, v);
            }
        });
        request.buildArgs().forEach((k, v) -> {
            if (PREDEFINED_ARGS.contains(k) && v != null && !envNames.contains(k)) {
                argEnv.put(k, v);
            }
        });
        StringBuilder createdBy = new StringBuilder();
        if (!argEnv.isEmpty()) {
            createdBy.append('|').append(argEnv.size());
            argEnv.forEach((k, v) -> createdBy.append(' ').append(k).append('=').append(v));
            createdBy.append(' ');
        }
        createdBy.append(String.join(" ", cmd));
        String key = cacheKey(st, "RUN", createdBy.toString());
        if (usedCache(st, key)) {
            return;
        }
        if (st.image.id().isEmpty()) {
            throw new BuildException("failed to run " + String.join(" ", cmd) + ": the stage has no files yet (FROM scratch)");
        }
        ObjectNode create = JSON.createObjectNode();
        create.put("Image", st.image.id());
        ArrayNode cmdNode = create.putArray("Cmd");
        cmd.forEach(cmdNode::add);
        create.putArray("Entrypoint");
        ArrayNode envNode = create.putArray("Env");
        argEnv.forEach((k, v) -> envNode.add(k + "=" + v));
        create.put("WorkingDir", st.runConfig.path("WorkingDir").asText(""));
        create.put("User", st.runConfig.path("User").asText(""));
        create.put("AttachStdout", true);
        create.put("AttachStderr", true);
        ObjectNode host = create.putObject("HostConfig");
        host.put("NetworkMode", request.networkMode());
        if (request.memory() > 0) {
            host.put("Memory", request.memory());
        }
        if (request.shmSize() > 0) {
            host.put("ShmSize", request.shmSize());
        }
        ArrayNode extraHosts = host.putArray("ExtraHosts");
        request.extraHosts().forEach(extraHosts::add);
        String id = await(containers.create(create, "", caller));
        out.stream(" ---> Running in " + id.substring(0, 12) + "\n");
        int exitCode;
        try {
            exitCode = runToExit(id);
        } catch (BuildException e) {
            removeContainer(id, request.remove() || request.forceRemove());
            throw e;
        }
        if (exitCode != 0) {
            removeContainer(id, request.remove() || request.forceRemove());
            throw new BuildException("The command '" + String.join(" ", cmd) + "' returned a non-zero code: "
                    + exitCode, exitCode);
        }
        Command.RegisterImage registered;
        try {
            registered = committer.commit(new ImageCommitter.Request(id, st.image, st.runConfig.deepCopy(), List.of(),
                    "", st.author, createdBy.toString(), List.of()), System.currentTimeMillis() * 1_000_000L)
                    .withBuildKey(key);
        } catch (IOException e) {
            removeContainer(id, request.remove() || request.forceRemove());
            throw new BuildException("failed to commit the RUN step: " + e.getMessage(), e);
        }
        send(registered);
        removeContainer(id, request.remove());
        advance(st, registered.imageId());
    }

    private static boolean runConfigHasEnv(Stage st, String name) {
        for (JsonNode e : st.runConfig.path("Env")) {
            if (e.asText().startsWith(name + "=")) {
                return true;
            }
        }
        return false;
    }

    /** Starts the step's container, relays its output as it comes, and returns its exit code. */
    private int runToExit(String id) throws BuildException {
        Future<Event> exited = engine.waiters().await(engine.vertx().getOrCreateContext(),
                (env, ev) -> id.equals(ev.aggregateId()) && ev instanceof Event.ContainerExited);
        runningContainer = id;
        try {
            try {
                await(containers.start(id, caller));
            } catch (BuildException e) {
                EventWaiters.cancel(exited);
                throw e;
            }
            JsonFileLog log = new JsonFileLog(engine.paths().containerLog(id));
            JsonFileLog.Query everything = new JsonFileLog.Query(true, true, 0, 0, -1);
            JsonFileLog.Follower follower = null;
            java.util.concurrent.CompletableFuture<Event> exit = exited.toCompletionStage().toCompletableFuture();
            try {
                while (true) {
                    boolean done = exit.isDone();
                    if (follower == null && Files.exists(engine.paths().containerLog(id))) {
                        follower = log.follow(0);
                    }
                    if (follower != null) {
                        // the legacy builder shows a step's stderr in red
                        follower.read(everything, e -> out.stream("stderr".equals(e.stream())
                                ? "\u001b[91m" + new String(e.data(), StandardCharsets.UTF_8) + "\u001b[0m"
                                : new String(e.data(), StandardCharsets.UTF_8)));
                    }
                    if (done) {
                        break;
                    }
                    try {
                        exit.get(50, TimeUnit.MILLISECONDS);
                    } catch (TimeoutException notYet) {
                        // read what came meanwhile
                    }
                }
                return ((Event.ContainerExited) exit.get()).exitCode();
            } finally {
                if (follower != null) {
                    follower.close();
                }
            }
        } catch (IOException e) {
            throw new BuildException("reading the output of " + id.substring(0, 12) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BuildException("build interrupted");
        } catch (ExecutionException e) {
            throw new BuildException(String.valueOf(e.getCause().getMessage()));
        } finally {
            runningContainer = null;
            if (cancelled) {
                EventWaiters.cancel(exited);
            }
        }
    }

    /** Removes a step's container (when {@code remove}) and says so, as the legacy builder does. */
    private void removeContainer(String id, boolean remove) {
        if (!remove) {
            return;
        }
        try {
            await(containers.remove(id, true, caller));
            out.stream(" ---> Removed intermediate container " + id.substring(0, 12) + "\n");
        } catch (BuildException e) {
            out.stream("[Warning] could not remove intermediate container " + id.substring(0, 12) + ": " + e.getMessage() + "\n");
        }
    }

    // ---- COPY and ADD -----------------------------------------------------------------------------

    private void copy(Stage st, Instruction i, boolean add) throws BuildException {
        String keyword = add ? "ADD" : "COPY";
        for (String flag : BUILDKIT_COPY_FLAGS) {
            if (i.flag(flag).isPresent()) {
                throw new BuildException("the --" + flag + " option requires BuildKit. Refer to"
                        + " https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled");
            }
        }
        for (Instruction.Flag f : i.flags()) {
            if (!f.name().equals("from") && !f.name().equals("chown")) {
                throw new BuildException("Unknown flag: " + f.name());
            }
        }
        if (add && i.flag("from").isPresent()) {
            throw new BuildException("ADD does not support the --from flag");
        }
        Map<String, String> env = env(st);
        List<String> words = expandFields(i, env);
        if (words.size() < 2) {
            throw new BuildException(keyword + " requires at least two arguments, but only one was provided."
                    + " Destination could not be determined");
        }
        String dest = words.get(words.size() - 1);
        List<String> patterns = words.subList(0, words.size() - 1);
        String chown = i.flag("chown").isPresent() ? lexer.expand(i.flag("chown").get(), env) : "";
        String workdir = st.runConfig.path("WorkingDir").asText("");
        boolean fromContext = i.flag("from").isEmpty();
        List<AutoCloseable> cleanups = new ArrayList<>();
        try {
            List<FileCopier.Source> sources = new ArrayList<>();
            if (!fromContext) {
                String from = lexer.expand(i.flag("from").get(), env);
                Image source = stageResults.get(from.toLowerCase(Locale.ROOT));
                if (source == null) {
                    source = baseImage(from);
                }
                Path root = mountImage(source, cleanups);
                sources.addAll(FileCopier.match(keyword, root, patterns, false));
            } else {
                List<String> local = new ArrayList<>();
                for (String src : patterns) {
                    if (add && (src.startsWith("http://") || src.startsWith("https://"))) {
                        Path dir = Files.createDirectory(work.resolve("url-" + ContainerLifecycle.newId().substring(0, 12)));
                        sources.add(UrlFetcher.fetch(src, dir).source(dest));
                    } else {
                        local.add(src);
                    }
                }
                if (!local.isEmpty()) {
                    sources.addAll(0, FileCopier.match(keyword, context.root(), local, true));
                }
            }
            String kind = sources.size() > 1 ? "multi" : Files.isDirectory(ScopedPaths.resolve(sources.get(0).root(),
                    sources.get(0).path())) ? "dir" : "file";
            String contentId = kind + ":" + FileCopier.checksum(sources).substring("sha256:".length());
            String comment = keyword + (chown.isEmpty() ? "" : " --chown=" + chown) + " " + contentId + " in " + dest + " ";
            String key = cacheKey(st, "COPY", comment + "\n" + workdir);
            if (usedCache(st, key)) {
                return;
            }
            String createdBy = String.join(" ", shell(st)) + " #(nop) " + comment;
            ImageCommitter.Request commit = new ImageCommitter.Request("", st.image, st.runConfig.deepCopy(), List.of(),
                    "", st.author, createdBy, List.of());
            Command.RegisterImage registered;
            long now = System.currentTimeMillis() * 1_000_000L;
            if (st.image.layers().isEmpty()) {
                Path root = Files.createDirectory(work.resolve("rootfs-" + ContainerLifecycle.newId().substring(0, 12)));
                copyInto(keyword, sources, root, dest, workdir, chown, fromContext, add);
                registered = committer.commitLayer(commit, tar -> TreeTar.writeTree(root, tar), now);
            } else {
                String scratchId = ContainerLifecycle.newId();
                Path root = mountScratch(st.image, scratchId, cleanups);
                copyInto(keyword, sources, root, dest, workdir, chown, fromContext, add);
                HostMounts.unmount(root);
                registered = committer.commitLayer(commit,
                        tar -> engine.drivers().storage().exportContainerChanges(scratchId, tar), now);
            }
            send(registered.withBuildKey(key));
            advance(st, registered.imageId());
        } catch (IOException e) {
            throw new BuildException(keyword + " failed: " + e.getMessage(), e);
        } finally {
            closeAll(cleanups);
        }
    }

    /**
     * Copies into the root filesystem {@code root}. Files from the context belong to root unless
     * {@code --chown} says otherwise; files from another stage or image keep their owners.
     */
    private static void copyInto(String keyword, List<FileCopier.Source> sources, Path root, String dest, String workdir,
                                 String chown, boolean fromContext, boolean add) throws BuildException {
        FileCopier.Owner owner = !chown.isEmpty() ? FileCopier.Owner.resolve(chown, root)
                : fromContext ? FileCopier.Owner.ROOT : null;
        FileCopier.copy(keyword, sources, root, dest, workdir.isEmpty() ? "/" : workdir, owner, add);
    }

    /** A scratch container's root filesystem on {@code image}, mounted on the host until {@code cleanups} run. */
    private Path mountScratch(Image image, String scratchId, List<AutoCloseable> cleanups) throws IOException {
        var storage = engine.drivers().storage();
        storage.createContainerLayers(scratchId, image.layers().stream().map(LayerIds::storageId).toList(), List.of());
        cleanups.add(() -> storage.removeContainerLayers(scratchId));
        Path mountpoint = Files.createDirectory(work.resolve("mnt-" + scratchId.substring(0, 12)));
        HostMounts.mount(storage.rootfs(scratchId), mountpoint);
        cleanups.add(() -> {
            if (HostMounts.isMountPoint(mountpoint)) {
                HostMounts.unmount(mountpoint);
            }
        });
        return mountpoint;
    }

    /** The files of {@code image} (COPY --from), readable until {@code cleanups} run. */
    private Path mountImage(Image image, List<AutoCloseable> cleanups) throws IOException {
        if (image.layers().isEmpty()) {
            return Files.createDirectory(work.resolve("empty-" + ContainerLifecycle.newId().substring(0, 12)));
        }
        return mountScratch(image, ContainerLifecycle.newId(), cleanups);
    }

    private static void closeAll(List<AutoCloseable> cleanups) throws BuildException {
        Exception first = null;
        for (int k = cleanups.size() - 1; k >= 0; k--) {
            try {
                cleanups.get(k).close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw new BuildException("cleaning up after a COPY step: " + first.getMessage(), first);
        }
    }

    // ---- commits and the cache --------------------------------------------------------------------

    /** A step that changes the configuration only. */
    private void commitConfig(Stage st, String comment) throws BuildException {
        commitConfig(st, comment, "#(nop)  ");
    }

    /**
     * A config-only step whose history reads {@code <shell> <marker><comment>}: dockerd writes "#(nop)  "
     * (two spaces) for most instructions and "#(nop) " for WORKDIR.
     */
    private void commitConfig(Stage st, String comment, String marker) throws BuildException {
        String createdBy = String.join(" ", shell(st)) + " " + marker + comment;
        String key = cacheKey(st, "NOP", createdBy);
        if (usedCache(st, key)) {
            return;
        }
        try {
            Command.RegisterImage registered = committer.commitConfig(new ImageCommitter.Request("", st.image,
                    st.runConfig.deepCopy(), List.of(), "", st.author, createdBy, List.of()),
                    System.currentTimeMillis() * 1_000_000L).withBuildKey(key);
            send(registered);
            advance(st, registered.imageId());
        } catch (IOException e) {
            throw new BuildException("failed to commit: " + e.getMessage(), e);
        }
    }

    /** What a step did and the configuration it leaves: with the parent's id, the step's identity. */
    private static String cacheKey(Stage st, String kind, String what) {
        MessageDigest sha = Digests.newSha256();
        for (String part : List.of(kind, what, st.runConfig.toString(), st.author)) {
            sha.update(part.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
        }
        return Digests.format(sha.digest());
    }

    /** Moves the stage onto the image an earlier build made for this step, unless {@code --no-cache}. */
    private boolean usedCache(Stage st, String key) {
        if (request.noCache()) {
            return false;
        }
        Image cached = engine.state().buildCache(st.image.id(), key).orElse(null);
        if (cached == null) {
            return false;
        }
        out.stream(" ---> Using cache\n");
        st.image = cached;
        st.runConfig = cached.runConfig().deepCopy();
        if (!st.inTriggers) {
            out.stream(" ---> " + Digests.shortId(cached.id()) + "\n");
        }
        return true;
    }

    private void advance(Stage st, String imageId) throws BuildException {
        st.image = engine.state().image(imageId)
                .orElseThrow(() -> new BuildException("image " + imageId + " vanished during the build"));
        if (!st.inTriggers) {
            out.stream(" ---> " + Digests.shortId(imageId) + "\n");
        }
    }

    private void send(Command command) throws BuildException {
        await(engine.send(command, caller, Journal.newCorrelationId()));
    }

    /** Waits for a future on this (build) thread; an API error becomes the build's error. */
    private static <T> T await(Future<T> future) throws BuildException {
        try {
            return future.toCompletionStage().toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BuildException("build interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ApiException a) {
                throw new BuildException(a.getMessage());
            }
            throw new BuildException(cause.getMessage() == null ? cause.toString() : cause.getMessage(), cause);
        }
    }

    // ---- small things -----------------------------------------------------------------------------

    /** A --label name or value as a word of a LABEL line: quoted when it holds anything the lexer would split. */
    private static String labelWord(String s) {
        if (!s.isEmpty() && s.chars().allMatch(c -> Character.isLetterOrDigit(c) || "._-/:@,+".indexOf(c) >= 0)) {
            return s;
        }
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("$", "\\$") + '"';
    }

    /** FROM, COPY, ADD and VOLUME arguments: Docker's fields, each expanded on its own. */
    private List<String> expandFields(Instruction i, Map<String, String> env) throws BuildException {
        List<String> out = new ArrayList<>();
        for (String field : i.fields()) {
            out.add(lexer.expand(field, env));
        }
        return out;
    }

    /** Go's {@code %q} of a string slice, as Docker's history shows CMD and ENTRYPOINT: {@code ["a" "b"]}. */
    static String goQuoted(ArrayNode values) {
        StringBuilder b = new StringBuilder("[");
        for (int k = 0; k < values.size(); k++) {
            if (k > 0) {
                b.append(' ');
            }
            b.append(GoText.quote(values.get(k).asText()));
        }
        return b.append(']').toString();
    }

    /** Tags the built image as the request asks; returns the references as the client named them. */
    public List<String> tag(Image image) throws BuildException {
        List<String> tagged = new ArrayList<>();
        for (String tag : new LinkedHashSet<>(request.tags())) {
            send(new Command.TagImage(image.id(), ImageReference.normalize(tag)));
            tagged.add(ImageReference.normalize(tag));
        }
        return tagged;
    }

    /** Removes the build's work directory, unmounting whatever a failed step left mounted. */
    public void cleanUp() {
        try {
            HostMounts.unmountAllUnder(work);
            Files2.deleteTree(work);
        } catch (IOException e) {
            org.slf4j.LoggerFactory.getLogger(Builder.class).warn("cleaning up build directory {}", work, e);
        }
    }
}
