package io.berth.kernel.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Network namespaces for root tests, named {@code berth-it-<random>-<role>} under /run/netns so that
 * {@code ip -n} can look inside them. As a JUnit extension ({@code @RegisterExtension} on an instance
 * field) it fails each test that does not run as root, and deletes every namespace after each test,
 * whether it failed or not.
 */
final class TestNamespaces implements BeforeEachCallback, AfterEachCallback {

    private final String prefix = "berth-it-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private final List<Path> handles = new ArrayList<>();

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        requireRoot();
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        deleteAll();
    }

    /** Fails (never skips) when the tests do not run as root. */
    private static void requireRoot() throws IOException {
        String uid = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("Uid:")).findFirst().orElse("Uid: ?");
        if (!uid.split("\\s+")[1].equals("0")) {
            fail("root tests must run as root (" + uid + ")");
        }
    }

    /** A new namespace created with {@link NetNs#create}. */
    Path create(String role) throws IOException {
        Path handle = Path.of("/run/netns", prefix + role);
        handles.add(handle);
        NetNs.create(handle);
        return handle;
    }

    /** Deletes every namespace this made and checks that none is left mounted. */
    private void deleteAll() throws IOException {
        IOException failure = null;
        for (Path h : handles) {
            try {
                NetNs.delete(h);
            } catch (IOException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        assertTrue(!mounts.contains(prefix), "test namespaces still mounted:\n" + mounts);
    }

    /** {@code ip -n <name of handle> args...}; fails the test unless ip exits 0. */
    static String ip(Path handle, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("ip", "-n", handle.getFileName().toString()));
        command.addAll(List.of(args));
        return run(command);
    }

    static String run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), command + " did not finish");
            assertEquals(0, p.exitValue(), command + " failed:\n" + out);
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(command + " interrupted", e);
        }
    }
}
