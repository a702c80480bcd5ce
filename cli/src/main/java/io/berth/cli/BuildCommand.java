package io.berth.cli;

import static io.berth.cli.ApiClient.JSON;
import static io.berth.cli.ApiClient.VERSION_PREFIX;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * {@code docker build [OPTIONS] PATH | URL | -}, as the docker CLI 28 does it without buildx: the context
 * as a tar in a chunked POST /build (the legacy builder, {@code version=1}), then the daemon's
 * JSONMessages: {@code stream} printed as it comes, the image id from {@code aux}, a failure's
 * {@code errorDetail} printed to stderr with its code as the exit code.
 */
final class BuildCommand {

    private final ApiClient api;
    private final PrintStream out;
    private final PrintStream err;
    private final InputStream stdin;
    private final Function<String, String> env;

    BuildCommand(ApiClient api, PrintStream out, PrintStream err, InputStream stdin, Function<String, String> env) {
        this.api = api;
        this.out = out;
        this.err = err;
        this.stdin = stdin;
        this.env = env;
    }

    static Flags flags() {
        return new Flags(false).option("-t", "--tag").option("-f", "--file").option("--build-arg").option("--label")
                .flag("--no-cache").flag("--pull").flag("-q", "--quiet").flag("--rm").flag("--force-rm")
                .option("--target").option("--iidfile").option("--network").option("--add-host").option("--shm-size")
                .option("-m", "--memory").option("--cache-from").option("--platform").flag("--disable-content-trust");
    }

    int build(Flags f) throws Exception {
        if (f.positional().size() != 1) {
            throw new Flags.UsageException("requires exactly 1 argument");
        }
        Map<String, List<String>> query = query(f, env);
        String iidfile = f.get("iidfile");
        if (iidfile != null) {
            Files.deleteIfExists(Path.of(iidfile)); // no stale id is left if this build fails
        }
        BuildContext context;
        try {
            context = context(f.positional().get(0), f.get("file"));
        } catch (BuildContext.ContextException e) {
            err.println(e.getMessage());
            return 1;
        }
        if (context.dockerfile != null && !context.dockerfile.isEmpty()) {
            query.put("dockerfile", List.of(context.dockerfile));
        }

        // -q holds back the progress and the build's output: printed to stderr if the build fails
        boolean quiet = f.bool("quiet");
        ByteArrayOutputStream heldProgress = new ByteArrayOutputStream();
        ByteArrayOutputStream heldOutput = new ByteArrayOutputStream();
        PrintStream progress = quiet ? new PrintStream(heldProgress, true, StandardCharsets.UTF_8) : out;
        PrintStream output = quiet ? new PrintStream(heldOutput, true, StandardCharsets.UTF_8) : out;
        ApiClient.BodyWriter body = to -> {
            CountingOutputStream counted = new CountingOutputStream(to);
            context.writeTo(counted);
            progress.print(sentLine(counted.count));
            progress.flush();
        };
        String[] imageId = {""};
        try (ApiClient.Response r = api.request("POST", VERSION_PREFIX + "/build" + ApiClient.multiQuery(query), body,
                "application/x-tar", Map.of("X-Registry-Config", RegistryCommands.registryConfigHeader()))) {
            if (!r.ok()) {
                if (quiet) {
                    err.print(heldProgress.toString(StandardCharsets.UTF_8));
                }
                throw new ApiClient.ApiError(r.status, r.errorMessage());
            }
            r.jsonMessages(m -> {
                if (m.has("aux")) {
                    imageId[0] = m.path("aux").path("ID").asText(imageId[0]);
                } else {
                    JsonMessages.print(m, output);
                }
            });
        } catch (ApiClient.StreamError e) {
            if (quiet) {
                err.print(heldProgress.toString(StandardCharsets.UTF_8) + heldOutput.toString(StandardCharsets.UTF_8));
            }
            err.println(e.getMessage());
            return e.code == 0 ? 1 : e.code;
        }
        if (quiet) {
            imageId[0] = heldOutput.toString(StandardCharsets.UTF_8); // the daemon's -q output is the id (docker writes it, newline and all)
            out.print(imageId[0]);
            out.flush();
        }
        if (iidfile != null) {
            if (imageId[0].isEmpty()) {
                err.println("Server did not provide an image ID. Cannot write " + iidfile);
                return 1;
            }
            Files.writeString(Path.of(iidfile), imageId[0]);
        }
        return 0;
    }

    /** The context argument: "-" (stdin), a directory, or a URL, which berth does not fetch. */
    private BuildContext context(String arg, String fileFlag) throws IOException, BuildContext.ContextException {
        if (arg.equals("-")) {
            return BuildContext.fromStdin(stdin, fileFlag);
        }
        if (Files.exists(Path.of(arg))) {
            return BuildContext.fromDirectory(arg, fileFlag, stdin);
        }
        if (arg.startsWith("http://") || arg.startsWith("https://") || arg.startsWith("git://") || arg.startsWith("git@")
                || arg.startsWith("github.com/")) {
            throw new BuildContext.ContextException("unable to prepare context: remote build contexts (" + arg
                    + ") are not implemented by berth: clone or download it, and build from the directory");
        }
        throw new BuildContext.ContextException("unable to prepare context: path \"" + arg + "\" not found");
    }

    /**
     * The query of POST /build, sorted by name as Go's url.Values encodes it (the docker CLI's order);
     * a flag's bad value is a usage error in docker's words. {@code dockerfile} comes from the context.
     */
    static Map<String, List<String>> query(Flags f, Function<String, String> env) throws Flags.UsageException {
        Map<String, List<String>> q = new TreeMap<>();
        List<String> tags = new ArrayList<>();
        for (String tag : f.all("tag")) {
            try {
                ImageReference.validate(tag);
            } catch (IllegalArgumentException e) {
                throw FlagValues.invalid(tag, "-t, --tag", e.getMessage());
            }
            tags.add(tag);
        }
        put(q, "t", tags);
        List<String> hosts = new ArrayList<>();
        for (String host : f.all("add-host")) {
            hosts.add(FlagValues.extraHost(host));
        }
        put(q, "extrahosts", hosts);
        flag(q, "q", f.bool("quiet"), "1");
        flag(q, "nocache", f.bool("no-cache"), "1");
        flag(q, "rm", f.has("rm") && !f.bool("rm"), "0"); // sent only to opt out: the daemon removes them by default
        flag(q, "forcerm", f.bool("force-rm"), "1");
        flag(q, "pull", f.bool("pull"), "1");
        String network = f.get("network", "default");
        flag(q, "networkmode", !network.isEmpty() && !network.equals("default"), network);
        long memory = bytes(f, "memory", "-m, --memory");
        flag(q, "memory", memory != 0, Long.toString(memory));
        long shm = bytes(f, "shm-size", "--shm-size");
        flag(q, "shmsize", shm != 0, Long.toString(shm));
        String target = f.get("target", "");
        flag(q, "target", !target.isEmpty(), target);
        ObjectNode buildArgs = buildArgs(f.all("build-arg"), env);
        flag(q, "buildargs", !buildArgs.isEmpty(), buildArgs.toString());
        ObjectNode labels = FlagValues.labels(f.all("label"), "--label");
        flag(q, "labels", !labels.isEmpty(), labels.toString());
        ArrayNode cacheFrom = JSON.createArrayNode();
        for (String images : f.all("cache-from")) {
            for (String image : images.split(",")) {
                cacheFrom.add(image);
            }
        }
        flag(q, "cachefrom", !cacheFrom.isEmpty(), cacheFrom.toString());
        String platform = f.get("platform", env.apply("DOCKER_DEFAULT_PLATFORM"));
        flag(q, "platform", platform != null && !platform.isEmpty(), platform == null ? "" : platform.toLowerCase(Locale.ROOT));
        q.put("version", List.of("1"));
        return q;
    }

    /**
     * {@code --build-arg K=V} as {"K": "V"}; a bare {@code K} takes the value of $K, and is null (the
     * Dockerfile's default) when $K is unset, as docker sends it. Sorted by name, as Go marshals a map.
     */
    private static ObjectNode buildArgs(List<String> flags, Function<String, String> env) throws Flags.UsageException {
        Map<String, String> args = new TreeMap<>();
        for (String arg : flags) {
            int eq = arg.indexOf('=');
            String key = eq < 0 ? arg : arg.substring(0, eq);
            if (key.isEmpty()) {
                throw FlagValues.invalid(arg, "--build-arg", "invalid environment variable: " + arg);
            }
            args.put(key, eq >= 0 ? arg.substring(eq + 1) : env.apply(key));
        }
        ObjectNode json = JSON.createObjectNode();
        args.forEach(json::put);
        return json;
    }

    private static long bytes(Flags f, String name, String display) throws Flags.UsageException {
        String value = f.get(name);
        if (value == null) {
            return 0;
        }
        try {
            return Human.parseBytes(value);
        } catch (IllegalArgumentException e) {
            throw FlagValues.invalid(value, display, e.getMessage());
        }
    }

    private static void put(Map<String, List<String>> q, String name, List<String> values) {
        if (!values.isEmpty()) {
            q.put(name, values);
        }
    }

    private static void flag(Map<String, List<String>> q, String name, boolean send, String value) {
        if (send) {
            q.put(name, List.of(value));
        }
    }

    /**
     * The docker CLI's line once the context is sent, as its progress reader prints the last update off a
     * terminal: the size right-aligned in 8 columns, then "\r" and the "\r\n" of the closing status.
     */
    static String sentLine(long bytes) {
        return String.format("Sending build context to Docker daemon %8s\r\r\n", Human.size(bytes, 4));
    }

    private static final class CountingOutputStream extends FilterOutputStream {
        long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
