package io.berth.cli;

import static io.berth.cli.ApiClient.JSON;
import static io.berth.cli.ApiClient.VERSION_PREFIX;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;

/**
 * pull, push, login, logout. Credentials are kept where the docker CLI keeps them
 * ({@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}, {@code auths.<registry>.auth} =
 * base64 of "user:password"), so either client can log in for the other, and travel to the daemon in
 * the X-Registry-Auth header of the one call that needs them.
 */
final class RegistryCommands {

    private final ApiClient api;
    private final PrintStream out;
    private final PrintStream err;

    RegistryCommands(ApiClient api, PrintStream out, PrintStream err) {
        this.api = api;
        this.out = out;
        this.err = err;
    }

    /** docker pull [-q] NAME[:TAG|@DIGEST]: the daemon's progress as the docker CLI prints it off a terminal. */
    int pull(Flags f) throws Exception {
        if (f.positional().size() != 1) {
            throw new Flags.UsageException("requires exactly 1 argument");
        }
        String ref = f.positional().get(0);
        String[] nameTag = splitReference(ref);
        String query = "?fromImage=" + URLEncoder.encode(nameTag[0], StandardCharsets.UTF_8)
                + "&tag=" + URLEncoder.encode(nameTag[1], StandardCharsets.UTF_8);
        String error = stream("POST", "/images/create" + query, registryOf(nameTag[0]), f.bool("quiet"), out);
        if (error != null) {
            err.println(error);
            return 1;
        }
        out.println(qualified(nameTag[0]) + (nameTag[1].startsWith("sha256:") ? "@" : ":") + nameTag[1]);
        return 0;
    }

    /** The pull of docker run's missing image: progress to {@code progress}, a failure as an {@link ApiClient.ApiError}. */
    void pullForRun(String ref, PrintStream progress) throws IOException {
        String[] nameTag = splitReference(ref);
        String error = stream("POST", "/images/create?fromImage=" + URLEncoder.encode(nameTag[0], StandardCharsets.UTF_8)
                + "&tag=" + URLEncoder.encode(nameTag[1], StandardCharsets.UTF_8), registryOf(nameTag[0]), false, progress);
        if (error != null) {
            throw new ApiClient.ApiError(500, error);
        }
    }

    /** docker push [-a] [-q] NAME[:TAG]. */
    int push(Flags f) throws Exception {
        if (f.positional().size() != 1) {
            throw new Flags.UsageException("requires exactly 1 argument");
        }
        String ref = f.positional().get(0);
        String[] nameTag = splitReference(ref);
        boolean explicitTag = ref.lastIndexOf(':') > ref.lastIndexOf('/');
        String query = f.bool("all-tags") && !explicitTag ? "" : "?tag=" + URLEncoder.encode(nameTag[1], StandardCharsets.UTF_8);
        String error = stream("POST", "/images/" + nameTag[0] + "/push" + query, registryOf(nameTag[0]), f.bool("quiet"), out);
        if (error != null) {
            err.println(error);
            return 1;
        }
        return 0;
    }

    /** Sends a call that answers with JSONMessages and prints them to {@code to}; returns the error that ended it, or null. */
    private String stream(String method, String path, String registry, boolean quiet, PrintStream to) throws IOException {
        Map<String, String> headers = Map.of("X-Registry-Auth", authHeader(registry));
        try (ApiClient.Response r = api.request(method, VERSION_PREFIX + path, null, null, headers)) {
            if (!r.ok()) {
                return "Error response from daemon: " + r.errorMessage();
            }
            r.jsonMessages(m -> {
                if (!quiet) {
                    JsonMessages.print(m, to);
                }
            });
        } catch (ApiClient.StreamError e) {
            return e.getMessage();
        }
        return null;
    }

    /** docker login [-u USER] [-p PASS | --password-stdin] [SERVER]. */
    int login(Flags f) throws Exception {
        String server = f.positional().isEmpty() ? "docker.io" : f.positional().get(0);
        String user = f.get("username");
        String password = f.get("password");
        if (f.bool("password-stdin")) {
            if (user == null) {
                throw new Flags.UsageException("Must provide --username with --password-stdin");
            }
            password = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        } else if (password != null) {
            err.println("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
        }
        if (user == null || password == null) {
            throw new Flags.UsageException("berth login needs --username and --password-stdin (or --password)");
        }
        ObjectNode body = JSON.createObjectNode().put("username", user).put("password", password).put("serveraddress", server);
        api.json("POST", VERSION_PREFIX + "/auth", body);
        ObjectNode config = readConfig();
        ObjectNode auths = config.has("auths") && config.get("auths").isObject() ? (ObjectNode) config.get("auths") : config.putObject("auths");
        auths.putObject(server).put("auth", Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        writeConfig(config);
        out.println("Login Succeeded");
        return 0;
    }

    /** docker logout [SERVER]: forgets the stored credentials; the daemon is not involved. */
    int logout(Flags f) throws Exception {
        String server = f.positional().isEmpty() ? "docker.io" : f.positional().get(0);
        ObjectNode config = readConfig();
        if (config.path("auths").has(server)) {
            ((ObjectNode) config.get("auths")).remove(server);
            writeConfig(config);
            out.println("Removing login credentials for " + server);
        } else {
            out.println("Not logged in to " + server);
        }
        return 0;
    }

    private String authHeader(String registry) throws IOException {
        return Base64.getUrlEncoder().encodeToString(JSON.writeValueAsBytes(credentials(readConfig().path("auths").path(registry), registry)));
    }

    /**
     * docker build's X-Registry-Config: every stored login, {@code {"<registry>": {"username", "password",
     * "serveraddress"}}}, base64url, for the pulls of the build's FROM lines ({@code e30=} when none).
     */
    static String registryConfigHeader() throws IOException {
        ObjectNode all = JSON.createObjectNode();
        readConfig().path("auths").fields().forEachRemaining(e -> {
            ObjectNode auth = credentials(e.getValue(), e.getKey());
            if (!auth.isEmpty()) {
                all.set(e.getKey(), auth);
            }
        });
        return Base64.getUrlEncoder().encodeToString(JSON.writeValueAsBytes(all));
    }

    /** One {@code auths} entry of config.json as the API's AuthConfig; empty when it holds no "user:password". */
    private static ObjectNode credentials(JsonNode entry, String registry) {
        ObjectNode auth = JSON.createObjectNode();
        if (entry.hasNonNull("auth")) {
            String decoded = new String(Base64.getDecoder().decode(entry.get("auth").asText()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            if (colon > 0) {
                auth.put("username", decoded.substring(0, colon)).put("password", decoded.substring(colon + 1))
                        .put("serveraddress", registry);
            }
        }
        return auth;
    }

    /** "localhost:5000/app" → "localhost:5000"; "busybox", "user/app" → "docker.io". */
    static String registryOf(String name) {
        int slash = name.indexOf('/');
        if (slash < 0) {
            return "docker.io";
        }
        String first = name.substring(0, slash);
        return first.contains(".") || first.contains(":") || first.equals("localhost") ? first : "docker.io";
    }

    private static String qualified(String name) {
        if (!registryOf(name).equals("docker.io") || name.startsWith("docker.io/")) {
            return name;
        }
        return "docker.io/" + (name.contains("/") ? "" : "library/") + name;
    }

    /** "app@sha256:x" → {"app", "sha256:x"}; "app:1" → {"app", "1"}; "app" → {"app", "latest"}. */
    static String[] splitReference(String ref) {
        int at = ref.indexOf('@');
        if (at >= 0) {
            return new String[] {ref.substring(0, at), ref.substring(at + 1)};
        }
        return Main.repoTag(ref);
    }

    private static Path configFile() {
        String dir = System.getenv("DOCKER_CONFIG");
        return (dir != null && !dir.isEmpty() ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".docker"))
                .resolve("config.json");
    }

    private static ObjectNode readConfig() throws IOException {
        Path file = configFile();
        if (!Files.exists(file)) {
            return JSON.createObjectNode();
        }
        JsonNode n = JSON.readTree(Files.readAllBytes(file));
        return n instanceof ObjectNode o ? o : JSON.createObjectNode();
    }

    /** Written 0600 under a temp name and renamed, so a reader never sees half a file. */
    private static void writeConfig(ObjectNode config) throws IOException {
        Path file = configFile();
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), ".config", ".json",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
