package io.berth.isolation.namespaces;

import io.berth.plugin.isolation.ProcessSpec;
import io.berth.plugin.network.NetworkAttachment;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The spec file the native launcher reads: NUL-terminated {@code key=value} entries, lists as repeated
 * keys (see kernel-bridge/src/main/c/README.md for every key).
 */
final class SpecFile {

    static final int VERSION = 1;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);

    SpecFile put(String key, String value) {
        if (value == null) {
            return this;
        }
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(key + " contains a NUL byte");
        }
        out.writeBytes(key.getBytes(StandardCharsets.UTF_8));
        out.write('=');
        out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
        out.write(0);
        return this;
    }

    SpecFile put(String key, long value) {
        return put(key, Long.toString(value));
    }

    SpecFile put(String key, boolean value) {
        return put(key, value ? "1" : "0");
    }

    SpecFile putAll(String key, List<String> values) {
        if (values != null) {
            values.forEach(v -> put(key, v));
        }
        return this;
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /** Writes {@code dir/spec} through a temp file and a rename. */
    void writeTo(Path dir) throws IOException {
        Path tmp = dir.resolve("spec.tmp");
        Files.write(tmp, bytes());
        Files.move(tmp, dir.resolve("spec"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The spec of {@code spec}, with the cgroup files to join and the OOM counter file (or null). */
    static SpecFile of(ProcessSpec spec, List<String> procsFiles, String oomFile) {
        SpecFile f = new SpecFile();
        f.put("version", VERSION).put("id", spec.containerId());
        f.put("rootfs.type", spec.rootfs().fsType())
                .put("rootfs.source", spec.rootfs().source())
                .put("rootfs.data", spec.rootfs().options() == null ? "" : spec.rootfs().options());
        f.putAll("arg", spec.args()).putAll("env", spec.env());
        f.put("cwd", spec.workingDir() == null || spec.workingDir().isEmpty() ? "/" : spec.workingDir());
        f.put("user", spec.user() == null ? "" : spec.user());
        f.put("hostname", spec.hostname() == null ? "" : spec.hostname());
        f.put("tty", spec.tty()).put("stdin", spec.openStdin()).put("stdin_once", spec.stdinOnce());
        f.put("rows", spec.consoleRows()).put("cols", spec.consoleCols());
        NetworkAttachment net = spec.network() == null ? NetworkAttachment.newNamespace() : spec.network();
        switch (net.mode()) {
            case NEW -> f.put("net", "new");
            case HOST -> f.put("net", "host");
            case JOIN -> f.put("net", "join").put("netns", net.nsPath());
            default -> throw new IllegalArgumentException("network mode " + net.mode());
        }
        f.putAll("cgroup.procs", procsFiles);
        f.put("oom", oomFile);
        ProcessSpec.Security sec = spec.security();
        if (sec != null) {
            f.putAll("cap", sec.capabilities());
            f.put("privileged", sec.privileged()).put("no_new_privs", sec.noNewPrivileges());
            f.putAll("mask", sec.maskedPaths()).putAll("ro_path", sec.readonlyPaths());
        }
        f.put("readonly", spec.readonlyRootfs());
        if (spec.mounts() != null) {
            for (ProcessSpec.BindMount m : spec.mounts()) {
                f.put("bind", m.readOnly() ? "ro" : "rw").put("bind.src", m.source()).put("bind.dst", m.destination());
            }
        }
        if (spec.logPath() != null && !spec.logPath().isEmpty()) {
            f.put("log", spec.logPath()).put("log.max_size", spec.logMaxSize())
                    .put("log.max_files", Math.max(1, spec.logMaxFiles()));
        }
        return f;
    }
}
