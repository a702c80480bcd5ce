package io.berth.daemon.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.api.ApiException;
import io.berth.daemon.state.Container;
import io.berth.plugin.isolation.ProcessSpec;
import io.berth.plugin.isolation.ProcessSpec.BindMount;
import io.berth.plugin.isolation.ProcessSpec.Resources;
import io.berth.plugin.isolation.ProcessSpec.Security;
import io.berth.plugin.network.NetworkAttachment;
import io.berth.plugin.storage.RootfsMount;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Docker's rules for turning a container's create request and its image's config into the process to
 * run: how Entrypoint and Cmd combine, how environments merge, the default hostname, the resource
 * limits and the security settings. Pure functions; validation happens at create time with Docker's
 * messages.
 */
public final class ContainerSpecs {

    public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** Docker's defaults for a non-privileged container. */
    public static final List<String> MASKED_PATHS = List.of("/proc/asound", "/proc/acpi", "/proc/interrupts",
            "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
            "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap");
    public static final List<String> READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger");

    public static final long DEFAULT_CPU_PERIOD = 100_000;
    public static final long DEFAULT_LOG_MAX_SIZE = 20L * 1024 * 1024;
    public static final int DEFAULT_LOG_MAX_FILES = 5;

    private ContainerSpecs() {}

    /** The command line: Docker's Entrypoint + Cmd, each from the container or else the image. */
    public static List<String> command(ObjectNode config, JsonNode imageConfig) {
        JsonNode entrypoint = config.get("Entrypoint");
        JsonNode cmd = config.get("Cmd");
        boolean entrypointGiven = entrypoint != null && !entrypoint.isNull();
        List<String> args = new ArrayList<>();
        if (entrypointGiven) {
            strings(entrypoint).forEach(args::add);
        } else {
            strings(imageConfig.path("Entrypoint")).forEach(args::add);
        }
        if (cmd != null && !cmd.isNull() && cmd.size() > 0) {
            strings(cmd).forEach(args::add);
        } else if (!entrypointGiven) {
            strings(imageConfig.path("Cmd")).forEach(args::add);
        }
        return args;
    }

    /** The environment: the image's, then the container's (a later NAME replaces an earlier one), plus PATH, HOSTNAME, TERM. */
    public static List<String> environment(ObjectNode config, JsonNode imageConfig, String hostname, boolean tty) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String entry : strings(imageConfig.path("Env"))) {
            put(env, entry);
        }
        env.putIfAbsent("PATH", "PATH=" + DEFAULT_PATH);
        env.put("HOSTNAME", "HOSTNAME=" + hostname);
        if (tty) {
            env.put("TERM", "TERM=xterm");
        }
        for (String entry : strings(config.path("Env"))) {
            put(env, entry);
        }
        return new ArrayList<>(env.values());
    }

    private static void put(Map<String, String> env, String entry) {
        int eq = entry.indexOf('=');
        String name = eq < 0 ? entry : entry.substring(0, eq);
        if (eq < 0) {
            return; // "NAME" alone means "take it from the client's environment", which the CLI already did
        }
        env.remove(name);
        env.put(name, entry);
    }

    public static String hostname(Container c) {
        String h = c.config().path("Hostname").asText("");
        return h.isEmpty() ? c.shortId() : h;
    }

    public static String workingDir(ObjectNode config, JsonNode imageConfig) {
        String w = config.path("WorkingDir").asText("");
        if (w.isEmpty()) {
            w = imageConfig.path("WorkingDir").asText("");
        }
        return w.isEmpty() ? "/" : w;
    }

    public static String user(ObjectNode config, JsonNode imageConfig) {
        String u = config.path("User").asText("");
        return u.isEmpty() ? imageConfig.path("User").asText("") : u;
    }

    public static Resources resources(ObjectNode hostConfig) {
        long period = hostConfig.path("CpuPeriod").asLong(0);
        long quota = hostConfig.path("CpuQuota").asLong(0);
        long nano = hostConfig.path("NanoCpus").asLong(0);
        if (nano > 0) {
            period = DEFAULT_CPU_PERIOD;
            quota = nano * DEFAULT_CPU_PERIOD / 1_000_000_000L;
        }
        if (quota > 0 && period == 0) {
            period = DEFAULT_CPU_PERIOD;
        }
        long pids = hostConfig.path("PidsLimit").asLong(0);
        return new Resources(hostConfig.path("Memory").asLong(0), hostConfig.path("MemorySwap").asLong(0), quota,
                period, hostConfig.path("CpuShares").asLong(0), pids <= 0 ? 0 : pids,
                hostConfig.path("CpusetCpus").asText(""));
    }

    public static Security security(ObjectNode hostConfig) {
        boolean privileged = hostConfig.path("Privileged").asBoolean(false);
        List<String> caps = Capabilities.effective(privileged, strings(hostConfig.path("CapAdd")),
                strings(hostConfig.path("CapDrop")));
        boolean noNewPrivileges = false;
        for (String opt : strings(hostConfig.path("SecurityOpt"))) {
            String o = opt.replace(':', '=');
            if (o.equals("no-new-privileges") || o.equals("no-new-privileges=true")) {
                noNewPrivileges = true;
            }
        }
        List<String> masked = privileged ? List.of() : nonNullOr(hostConfig.get("MaskedPaths"), MASKED_PATHS);
        List<String> readonly = privileged ? List.of() : nonNullOr(hostConfig.get("ReadonlyPaths"), READONLY_PATHS);
        return new Security(caps, privileged, noNewPrivileges, masked, readonly);
    }

    private static List<String> nonNullOr(JsonNode node, List<String> fallback) {
        return node == null || node.isNull() ? fallback : strings(node);
    }

    /** The whole spec for a start. */
    public static ProcessSpec processSpec(Container c, JsonNode imageConfig, RootfsMount rootfs,
                                          NetworkAttachment network, Path containerDir, Path logPath) {
        ObjectNode config = c.config();
        ObjectNode host = c.hostConfig();
        String hostname = hostname(c);
        boolean tty = config.path("Tty").asBoolean(false);
        List<BindMount> mounts = List.of(
                new BindMount(containerDir.resolve("hosts").toString(), "/etc/hosts", false),
                new BindMount(containerDir.resolve("hostname").toString(), "/etc/hostname", false),
                new BindMount(containerDir.resolve("resolv.conf").toString(), "/etc/resolv.conf", false));
        JsonNode consoleSize = host.path("ConsoleSize");
        int rows = consoleSize.isArray() && consoleSize.size() == 2 ? consoleSize.get(0).asInt(0) : 0;
        int cols = consoleSize.isArray() && consoleSize.size() == 2 ? consoleSize.get(1).asInt(0) : 0;
        JsonNode logOpts = host.path("LogConfig").path("Config");
        long maxSize = logOpts.has("max-size") ? parseSize(logOpts.get("max-size").asText()) : DEFAULT_LOG_MAX_SIZE;
        int maxFiles = logOpts.has("max-file") ? Integer.parseInt(logOpts.get("max-file").asText()) : DEFAULT_LOG_MAX_FILES;
        return new ProcessSpec(c.id(), rootfs, mounts, command(config, imageConfig),
                environment(config, imageConfig, hostname, tty), workingDir(config, imageConfig),
                user(config, imageConfig), hostname, tty, config.path("OpenStdin").asBoolean(false),
                config.path("StdinOnce").asBoolean(false), rows, cols, network, resources(host), security(host),
                host.path("ReadonlyRootfs").asBoolean(false), logPath.toString(), maxSize, Math.max(1, maxFiles));
    }

    /**
     * Checks a create request's HostConfig as moby does, with its messages. {@code cpus} is the number of
     * CPUs of the host.
     */
    public static void validate(ObjectNode hostConfig, int cpus) {
        long memory = hostConfig.path("Memory").asLong(0);
        long swap = hostConfig.path("MemorySwap").asLong(0);
        if (memory < 0) {
            throw ApiException.invalid("invalid memory limit: must be positive");
        }
        if (memory > 0 && memory < 6 * 1024 * 1024) {
            throw ApiException.invalid("Minimum memory limit allowed is 6MB");
        }
        if (swap > 0 && memory == 0) {
            throw ApiException.invalid("You should always set the Memory limit when using Memoryswap limit");
        }
        if (swap > 0 && swap < memory) {
            throw ApiException.invalid("Minimum memoryswap limit should be larger than memory limit, see usage");
        }
        long nano = hostConfig.path("NanoCpus").asLong(0);
        long period = hostConfig.path("CpuPeriod").asLong(0);
        long quota = hostConfig.path("CpuQuota").asLong(0);
        if (nano > 0 && period > 0) {
            throw ApiException.invalid("Conflicting options: Nano CPUs and CPU Period cannot both be set");
        }
        if (nano > 0 && quota > 0) {
            throw ApiException.invalid("Conflicting options: Nano CPUs and CPU Quota cannot both be set");
        }
        if (nano < 0 || nano > (long) cpus * 1_000_000_000L || (nano > 0 && nano < 10_000_000L)) {
            throw ApiException.invalid(String.format("Range of CPUs is from 0.01 to %d.00, as there are only %d CPUs available",
                    cpus, cpus));
        }
        if (period != 0 && (period < 1000 || period > 1_000_000)) {
            throw ApiException.invalid("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
        }
        if (quota != 0 && quota != -1 && quota < 1000) {
            throw ApiException.invalid("CPU cfs quota can not be less than 1ms (i.e. 1000)");
        }
        if (hostConfig.path("CpuShares").asLong(0) < 0) {
            throw ApiException.invalid("invalid CPU shares: must be positive");
        }
        // capabilities are checked by name here so that a bad one fails at create, as in Docker
        strings(hostConfig.path("CapAdd")).forEach(Capabilities::normalize);
        strings(hostConfig.path("CapDrop")).forEach(Capabilities::normalize);
        JsonNode logOpts = hostConfig.path("LogConfig").path("Config");
        if (logOpts.has("max-size")) {
            parseSize(logOpts.get("max-size").asText());
        }
        if (logOpts.has("max-file")) {
            try {
                if (Integer.parseInt(logOpts.get("max-file").asText()) < 1) {
                    throw ApiException.invalid("max-file cannot be less than 1");
                }
            } catch (NumberFormatException e) {
                throw ApiException.invalid("invalid value for max-file: " + logOpts.get("max-file").asText());
            }
        }
        String logType = hostConfig.path("LogConfig").path("Type").asText("");
        if (!logType.isEmpty() && !logType.equals("json-file")) {
            throw ApiException.invalid("logging driver \"" + logType + "\" is not supported by berth (only json-file)");
        }
    }

    /** Docker's size syntax for log options: "10m", "1g", "512k", "100" (bytes). */
    public static long parseSize(String value) {
        String v = value.trim().toLowerCase();
        long unit = 1;
        if (v.endsWith("b")) {
            v = v.substring(0, v.length() - 1);
        }
        if (v.endsWith("k")) {
            unit = 1024;
        } else if (v.endsWith("m")) {
            unit = 1024 * 1024;
        } else if (v.endsWith("g")) {
            unit = 1024L * 1024 * 1024;
        }
        if (unit != 1) {
            v = v.substring(0, v.length() - 1);
        }
        try {
            double n = Double.parseDouble(v);
            if (n <= 0) {
                throw ApiException.invalid("invalid size: '" + value + "'");
            }
            return (long) (n * unit);
        } catch (NumberFormatException e) {
            throw ApiException.invalid("invalid size: '" + value + "'");
        }
    }

    public static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node != null && node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        } else if (node != null && node.isTextual()) {
            out.add(node.asText());
        }
        return out;
    }
}
