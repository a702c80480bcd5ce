package io.berth.plugin.isolation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import java.io.IOException;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.plugin.DriverContext;
import io.berth.plugin.network.NetworkAttachment;
import io.berth.plugin.storage.RootfsMount;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link IsolationBackend} must do, proven by running real processes. Running containers
 * needs root, so a backend's subclass is named {@code *RootIT}. The subclass provides the backend and a
 * root filesystem holding a static {@code /bin/sh} (busybox) with the usual applets.
 */
public abstract class IsolationBackendContract {

    @TempDir
    protected Path dir;

    protected IsolationBackend backend;
    private final List<String> started = new ArrayList<>();
    private int counter;

    /** A new, uninitialised backend. */
    protected abstract IsolationBackend newBackend();

    /** The directory with the libexec helpers the backend needs. */
    protected abstract Path libexec();

    /** A root filesystem with /bin/sh (bind-mounted read-write by the backend). */
    protected abstract Path rootfs() throws Exception;

    @BeforeEach
    void init() throws Exception {
        assertEquals("root", System.getProperty("user.name"), "isolation contract tests must run as root");
        backend = newBackend();
        backend.init(new DriverContext(dir.resolve("home"), dir.resolve("run"), libexec(), "ct" + ProcessHandle.current().pid()));
        assertTrue(backend.status().usable(), backend.status().reason());
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (String id : started) {
            backend.signal(id, 9);
            for (int i = 0; i < 50 && backend.inspect(id) instanceof ProcessState.Running; i++) {
                Thread.sleep(20);
            }
            backend.release(id);
        }
        assertTrue(backend.known().isEmpty(), "release leaves nothing behind: " + backend.known());
    }

    protected String newId() {
        String id = String.format("%064x", ProcessHandle.current().pid() * 1000L + (++counter));
        started.add(id);
        return id;
    }

    protected ProcessSpec spec(String id, String... args) throws Exception {
        return new ProcessSpec(id, RootfsMount.bind(rootfs().toString()), List.of(), List.of(args),
                List.of("PATH=/bin:/usr/bin:/sbin:/usr/sbin"), "/", "", "contract", false, false, false, 0, 0,
                NetworkAttachment.newNamespace(), ProcessSpec.Resources.none(),
                new ProcessSpec.Security(List.of("CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_SETGID"), false, false,
                        List.of(), List.of()),
                false, dir.resolve(id + ".log").toString(), 1 << 20, 1);
    }

    private static CompletableFuture<Void> noAttach(Path socket) {
        return CompletableFuture.completedFuture(null);
    }

    /** Waits for the exit status, failing after ten seconds. */
    protected ProcessState.Exited awaitExit(String id) throws Exception {
        for (int i = 0; i < 500; i++) {
            ProcessState s = backend.inspect(id);
            if (s instanceof ProcessState.Exited x) {
                return x;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("container " + id + " did not exit");
    }

    @Test
    void runsACommandAndRecordsItsExitCode() throws Exception {
        String id = newId();
        StartedProcess p = backend.start(spec(id, "sh", "-c", "exit 3"), IsolationBackendContract::noAttach);
        assertTrue(p.pid() > 0 && p.monitorPid() > 0);
        assertEquals(3, awaitExit(id).exitCode());
    }

    @Test
    void aMissingCommandFailsTheStartWithDockersWordsAndLeavesNothing() throws Exception {
        String id = newId();
        StartFailedException e = assertThrows(StartFailedException.class,
                () -> backend.start(spec(id, "nosuchcommand"), IsolationBackendContract::noAttach));
        assertEquals(StartFailedException.Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("exec: \"nosuchcommand\": executable file not found in $PATH"), e.getMessage());
        assertFalse(backend.known().contains(id));
        assertInstanceOf(ProcessState.Unknown.class, backend.inspect(id));
    }

    @Test
    void beforeExecSeesTheAttachSocketAndNoOutputIsLost() throws Exception {
        String id = newId();
        AtomicReference<Path> seen = new AtomicReference<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompletableFuture<String> exit = new CompletableFuture<>();
        backend.start(spec(id, "sh", "-c", "echo first; echo second >&2"), socket -> {
            seen.set(socket);
            return CompletableFuture.runAsync(() -> {
                try {
                    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                    ch.connect(UnixDomainSocketAddress.of(socket));
                    ch.write(java.nio.ByteBuffer.wrap(AttachProtocol.hello(AttachProtocol.WANT_STDOUT | AttachProtocol.WANT_STDERR)));
                    Thread reader = new Thread(() -> {
                        try (DataInputStream in = new DataInputStream(Channels.newInputStream(ch))) {
                            for (AttachProtocol.Frame f; (f = AttachProtocol.read(in)) != null; ) {
                                if (f.type() == AttachProtocol.EXIT) {
                                    exit.complete(new String(f.payload(), StandardCharsets.US_ASCII));
                                } else {
                                    out.write(f.type());
                                    out.write(f.payload());
                                }
                            }
                        } catch (Exception e) {
                            exit.completeExceptionally(e);
                        }
                    });
                    reader.setDaemon(true);
                    reader.start();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
        });
        assertEquals(backend.attachSocket(id), seen.get());
        String status = exit.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(0, AttachProtocol.parseExit(status).exitCode());
        String text = out.toString(StandardCharsets.ISO_8859_1);
        assertTrue(text.contains((char) AttachProtocol.STDOUT + "first\n"), text);
        assertTrue(text.contains((char) AttachProtocol.STDERR + "second\n"), text);
    }

    @Test
    void signalsReachTheProcessAndTheKillIsRecorded() throws Exception {
        String id = newId();
        backend.start(spec(id, "sleep", "1000"), IsolationBackendContract::noAttach);
        assertInstanceOf(ProcessState.Running.class, backend.inspect(id));
        assertTrue(backend.signal(id, 9));
        assertEquals(137, awaitExit(id).exitCode());
        assertFalse(backend.signal(id, 9), "no signal for a process that is gone");
    }

    @Test
    void aFrozenContainerGetsNoCpuUntilThawed() throws Exception {
        String id = newId();
        StartedProcess p = backend.start(spec(id, "sh", "-c", "while :; do :; done"), IsolationBackendContract::noAttach);
        try {
            Thread.sleep(200);
            backend.freeze(id, true);
            Thread.sleep(50);
            long frozenAt = cpuTicks(p.pid());
            Thread.sleep(400);
            assertTrue(cpuTicks(p.pid()) - frozenAt <= 1, "a frozen process does not run");
            backend.freeze(id, false);
            Thread.sleep(400);
            assertTrue(cpuTicks(p.pid()) - frozenAt >= 10, "a thawed process runs again");
        } finally {
            backend.freeze(id, false);
            backend.signal(id, 9);
            awaitExit(id);
        }
        assertThrows(IOException.class, () -> backend.freeze(String.format("%064x", 43), true));
    }

    /** utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat). */
    private static long cpuTicks(int pid) throws IOException {
        String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    @Test
    void unknownContainersAreUnknown() throws Exception {
        String id = String.format("%064x", 42);
        assertInstanceOf(ProcessState.Unknown.class, backend.inspect(id));
        assertFalse(backend.signal(id, 15));
        backend.release(id);
    }
}
