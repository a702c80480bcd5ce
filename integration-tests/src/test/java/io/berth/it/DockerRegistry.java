package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real registry for the end-to-end tests: Debian's docker-registry (distribution 2.8,
 * {@code /usr/bin/docker-registry}, installed by scripts/packages.sh) serving plain HTTP on 127.0.0.1 on a
 * free port, with its own config, storage and log in a directory under /var/tmp. {@link #close} stops the
 * process and removes the directory; a shutdown hook does the same if the JVM ends first. Its access log
 * is on, so a test can see which requests reached it.
 */
final class DockerRegistry implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/bin/docker-registry");
    static final String MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json";

    final int port;
    final Path dir;
    private final Process process;
    private final Thread hook;
    private final String basicAuth;

    private DockerRegistry(Path dir, int port, Process process, String basicAuth) {
        this.dir = dir;
        this.port = port;
        this.process = process;
        this.basicAuth = basicAuth;
        this.hook = new Thread(this::stop, "stop docker-registry " + port);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** A registry that lets anyone pull and push. */
    static DockerRegistry open() throws Exception {
        return start(Files.createTempDirectory(Path.of("/var/tmp"), "berth-registry-e2e-"), "", null);
    }

    /**
     * A registry that asks for HTTP Basic auth of one user; the htpasswd line (bcrypt) is made by Apache's
     * htpasswd with the password on its stdin, never on a command line.
     */
    static DockerRegistry withUser(String user, String password) throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/var/tmp"), "berth-registry-e2e-");
        try {
            BerthDaemon.Result line = BerthDaemon.run(List.of("htpasswd", "-niB", user), Map.of(), password + "\n").ok();
            Files.writeString(dir.resolve("htpasswd"), line.out().trim() + "\n");
        } catch (Throwable t) {
            deleteTree(dir);
            throw t;
        }
        String auth = "auth:\n  htpasswd:\n    realm: berth-e2e\n    path: " + dir.resolve("htpasswd") + "\n";
        return start(dir, auth, Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    private static DockerRegistry start(Path dir, String auth, String basicAuth) throws Exception {
        if (!Files.isExecutable(BINARY)) {
            deleteTree(dir);
            throw new AssertionError(BINARY + " is missing: run scripts/packages.sh (apt-get install docker-registry)");
        }
        int port = freePort();
        String config = "version: 0.1\n"
                + "log:\n  level: info\n"
                + "storage:\n  filesystem:\n    rootdirectory: " + dir.resolve("data") + "\n  delete:\n    enabled: true\n"
                + "http:\n  addr: 127.0.0.1:" + port + "\n  secret: " + UUID.randomUUID() + "\n"
                + auth;
        Path configFile = dir.resolve("config.yml");
        Files.writeString(configFile, config);
        Process p;
        try {
            p = new ProcessBuilder(BINARY.toString(), "serve", configFile.toString())
                    .redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(dir.resolve("registry.log").toFile())
                    .start();
        } catch (IOException e) {
            deleteTree(dir);
            throw e;
        }
        DockerRegistry r = new DockerRegistry(dir, port, p, basicAuth);
        try {
            r.awaitListening();
        } catch (Throwable t) {
            r.close();
            throw t;
        }
        return r;
    }

    /** "127.0.0.1:PORT", the registry part of a reference. */
    String address() {
        return "127.0.0.1:" + port;
    }

    /** The registry's own log (its access log included). */
    String log() {
        try {
            return Files.readString(dir.resolve("registry.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** A manifest as the registry serves it: its Docker-Content-Digest header and its bytes. */
    record Served(int status, String digest, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** GET /v2/REPO/manifests/REF, asking for a Docker schema2 manifest (with the user's credentials, if any). */
    Served manifest(String repository, String reference) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://" + address() + "/v2/" + repository + "/manifests/" + reference))
                .timeout(Duration.ofSeconds(10)).header("Accept", MANIFEST_V2).GET();
        if (basicAuth != null) {
            req.header("Authorization", "Basic " + basicAuth);
        }
        HttpResponse<byte[]> r = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Served(r.statusCode(), r.headers().firstValue("Docker-Content-Digest").orElse(""), r.body());
    }

    /** Tags of a repository as the registry lists them (GET /v2/REPO/tags/list); asserts 200. */
    String tags(String repository) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://" + address() + "/v2/" + repository + "/tags/list"))
                .timeout(Duration.ofSeconds(10)).GET();
        if (basicAuth != null) {
            req.header("Authorization", "Basic " + basicAuth);
        }
        HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    private void awaitListening() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("docker-registry exited with " + process.exitValue() + ":\n" + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("docker-registry did not listen on " + address() + " within 20 s:\n" + log());
    }

    /** A loopback port nothing listened on a moment ago. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Stops the process (SIGTERM, then SIGKILL) and removes its directory. */
    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private synchronized void stop() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        deleteTree(dir);
    }

    boolean alive() {
        return process.isAlive();
    }

    static void deleteTree(Path root) {
        try {
            BerthDaemon.run(List.of("rm", "-rf", "--one-file-system", root.toString()), Map.of(), null, 60);
        } catch (Exception e) {
            throw new AssertionError("could not remove " + root, e);
        }
    }
}
