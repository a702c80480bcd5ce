package io.berth.daemon.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real registry for tests: Debian's docker-registry (distribution 2.8) serving plain HTTP on
 * 127.0.0.1 on a free port, with its own storage, config and log in a temporary directory. Closing it
 * stops the process and removes the directory; a shutdown hook does the same if the JVM ends first.
 */
final class LocalRegistry implements AutoCloseable {

    static final String BINARY = "/usr/bin/docker-registry";

    final int port;
    final Path dir;
    private final Process process;
    private final Thread hook;

    private LocalRegistry(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
        this.hook = new Thread(this::stop, "stop docker-registry " + port);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** A registry that asks for nothing. */
    static LocalRegistry open() throws IOException {
        return start("");
    }

    /** A registry that asks for Basic auth of the users in {@code htpasswdLines} ("user:bcrypt hash"). */
    static LocalRegistry withHtpasswd(List<String> htpasswdLines) throws IOException {
        Path dir = scratch();
        Files.write(dir.resolve("htpasswd"), htpasswdLines);
        return start(dir, "auth:\n  htpasswd:\n    realm: berth-test\n    path: " + dir.resolve("htpasswd") + "\n");
    }

    /** A registry that asks for bearer tokens from {@code realm}, signed by the key of the PEM {@code rootCert}. */
    static LocalRegistry withTokens(String realm, String service, String issuer, String rootCert) throws IOException {
        Path dir = scratch();
        Files.writeString(dir.resolve("token-root.pem"), rootCert);
        return start(dir, "auth:\n  token:\n    realm: " + realm + "\n    service: " + service + "\n    issuer: " + issuer
                + "\n    rootcertbundle: " + dir.resolve("token-root.pem") + "\n");
    }

    private static Path scratch() throws IOException {
        return Files.createTempDirectory(Path.of("/var/tmp"), "berth-registry-it-");
    }

    private static LocalRegistry start(String auth) throws IOException {
        return start(scratch(), auth);
    }

    private static LocalRegistry start(Path dir, String auth) throws IOException {
        if (!Files.isExecutable(Path.of(BINARY))) {
            deleteTree(dir);
            throw new IllegalStateException(BINARY + " is missing: run scripts/packages.sh (apt-get install docker-registry)");
        }
        int port = freePort();
        String config = "version: 0.1\n"
                + "log:\n  level: info\n  accesslog:\n    disabled: true\n"
                + "storage:\n  filesystem:\n    rootdirectory: " + dir.resolve("data") + "\n  delete:\n    enabled: true\n"
                + "http:\n  addr: 127.0.0.1:" + port + "\n  secret: " + UUID.randomUUID() + "\n"
                + auth;
        Path configFile = dir.resolve("config.yml");
        Files.writeString(configFile, config);
        Process p;
        try {
            p = new ProcessBuilder(BINARY, "serve", configFile.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("registry.log").toFile())
                    .start();
        } catch (IOException e) {
            deleteTree(dir);
            throw e;
        }
        LocalRegistry r = new LocalRegistry(dir, port, p);
        r.awaitListening();
        return r;
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    String log() {
        try {
            return Files.readString(dir.resolve("registry.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private void awaitListening() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String log = log();
                close();
                throw new IOException("docker-registry exited with " + process.exitValue() + ":\n" + log);
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException notYet) {
                sleep(50);
            }
        }
        close();
        throw new IOException("docker-registry did not listen on " + address() + " within 20 s");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private void stop() {
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

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
