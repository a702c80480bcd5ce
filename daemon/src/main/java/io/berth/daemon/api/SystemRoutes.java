package io.berth.daemon.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.Version;
import io.berth.daemon.state.Container;
import io.berth.plugin.DriverStatus;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** /_ping, /version, /info, and the Docker endpoints that later issues bring (answered 501). */
public final class SystemRoutes {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Engine engine;

    public SystemRoutes(Engine engine) {
        this.engine = engine;
    }

    public void register(Router r) {
        registerPing(r);
        r.get("/version", this::version);
        r.get("/info", this::info);
        r.get("/system/df", this::diskUsage);
        // Docker endpoints that later issues implement: say so instead of pretending
        for (String[] e : List.of(
                new String[] {"POST", "/containers/prune"},
                new String[] {"POST", "/containers/{id}/exec"}, new String[] {"POST", "/exec/{id}/start"},
                new String[] {"POST", "/exec/{id}/resize"}, new String[] {"GET", "/exec/{id}/json"},
                new String[] {"GET", "/containers/{id}/top"}, new String[] {"GET", "/containers/{id}/stats"},
                new String[] {"GET", "/containers/{id}/archive"}, new String[] {"PUT", "/containers/{id}/archive"},
                new String[] {"HEAD", "/containers/{id}/archive"}, new String[] {"POST", "/containers/{id}/pause"},
                new String[] {"POST", "/containers/{id}/unpause"}, new String[] {"POST", "/containers/{id}/rename"},
                new String[] {"POST", "/containers/{id}/update"},
                new String[] {"GET", "/volumes"}, new String[] {"POST", "/volumes/create"},
                new String[] {"GET", "/volumes/{name}"}, new String[] {"DELETE", "/volumes/{name}"},
                new String[] {"POST", "/volumes/prune"},
                new String[] {"GET", "/plugins"}, new String[] {"GET", "/swarm"}, new String[] {"GET", "/nodes"},
                new String[] {"GET", "/services"}, new String[] {"GET", "/tasks"}, new String[] {"GET", "/secrets"},
                new String[] {"GET", "/configs"})) {
            r.add(io.vertx.core.http.HttpMethod.valueOf(e[0]), e[1], call -> {
                throw new ApiException(ApiException.Kind.NOT_IMPLEMENTED, "not implemented: " + e[0] + " " + e[1]
                        + " is not supported by berth yet");
            });
        }
    }

    /** /_ping alone: it needs no engine, so the daemon answers it as soon as the state is replayed. */
    public static void registerPing(Router r) {
        r.get("/_ping", SystemRoutes::ping);
        r.head("/_ping", SystemRoutes::ping);
    }

    private static void ping(ApiCall call) {
        var response = call.response();
        response.putHeader("Builder-Version", "1").putHeader("Swarm", "inactive")
                .putHeader("Cache-Control", "no-cache, no-store, must-revalidate").putHeader("Pragma", "no-cache")
                .putHeader("Content-Type", "text/plain; charset=utf-8");
        if (call.request().method() == io.vertx.core.http.HttpMethod.HEAD) {
            response.putHeader("Content-Length", "0").setStatusCode(200).end();
        } else {
            response.setStatusCode(200).end("OK");
        }
    }

    private static String kernel() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (java.io.IOException e) {
            return System.getProperty("os.version");
        }
    }

    private void version(ApiCall call) {
        ObjectNode o = JSON.createObjectNode();
        o.putObject("Platform").put("Name", "berth " + Version.BERTH);
        ArrayNode components = o.putArray("Components");
        ObjectNode engineComponent = components.addObject();
        engineComponent.put("Name", "Engine");
        engineComponent.put("Version", Version.ENGINE);
        ObjectNode details = engineComponent.putObject("Details");
        details.put("ApiVersion", Version.API);
        details.put("MinAPIVersion", Version.MIN_API);
        details.put("Arch", "amd64");
        details.put("Os", "linux");
        details.put("KernelVersion", kernel());
        details.put("Experimental", "false");
        details.put("GitCommit", "berth");
        details.put("GoVersion", "java" + System.getProperty("java.version"));
        details.put("BuildTime", "");
        details.put("BerthVersion", Version.BERTH);
        o.put("Version", Version.ENGINE);
        o.put("ApiVersion", Version.API);
        o.put("MinAPIVersion", Version.MIN_API);
        o.put("GitCommit", "berth");
        o.put("GoVersion", "java" + System.getProperty("java.version"));
        o.put("Os", "linux");
        o.put("Arch", "amd64");
        o.put("KernelVersion", kernel());
        o.put("BuildTime", "");
        call.json(200, o);
    }

    /**
     * docker system df: from the projection alone (layer sizes recorded when layers were created,
     * read-write layer sizes when containers exited), never by walking the disk.
     */
    private void diskUsage(ApiCall call) {
        io.berth.daemon.state.EngineState state = engine.state();
        java.util.Map<String, Integer> layerUsers = new java.util.HashMap<>();
        for (io.berth.daemon.state.Image image : state.images()) {
            image.layers().forEach(l -> layerUsers.merge(l, 1, Integer::sum));
        }
        java.util.Map<String, Long> layerSizes = new java.util.HashMap<>();
        state.layers().forEach(l -> layerSizes.put(l.chainId(), l.size()));
        ObjectNode out = JSON.createObjectNode();
        out.put("LayersSize", layerSizes.values().stream().mapToLong(Long::longValue).sum());
        ArrayNode images = out.putArray("Images");
        for (io.berth.daemon.state.Image image : state.images()) {
            ObjectNode summary = DockerViews.imageSummary(image, state.containersUsing(image.id()).size(), state.repoDigests(image.id()));
            summary.put("SharedSize", image.layers().stream().filter(l -> layerUsers.getOrDefault(l, 0) > 1)
                    .mapToLong(l -> layerSizes.getOrDefault(l, 0L)).sum());
            images.add(summary);
        }
        ArrayNode containers = out.putArray("Containers");
        long now = System.currentTimeMillis() * 1_000_000L;
        for (Container c : state.containers()) {
            com.fasterxml.jackson.databind.JsonNode imageConfig = state.image(c.imageId())
                    .map(io.berth.daemon.state.Image::runConfig).orElseGet(JSON::createObjectNode);
            ObjectNode summary = DockerViews.containerSummary(c, imageConfig, engine.state(), now);
            long rw = state.containerSizeRw(c.id());
            summary.put("SizeRw", rw);
            summary.put("SizeRootFs", rw + state.image(c.imageId()).map(io.berth.daemon.state.Image::size).orElse(0L));
            containers.add(summary);
        }
        out.putArray("Volumes");
        out.putArray("BuildCache");
        call.json(200, out);
    }

    private void info(ApiCall call) {
        engine.<ObjectNode>blocking(this::infoBody).onSuccess(body -> call.json(200, body)).onFailure(call::fail);
    }

    /** Runs on a worker: asks each driver for its status (they may probe the kernel). */
    private ObjectNode infoBody() {
        ObjectNode o = JSON.createObjectNode();
        long running = engine.state().containers().stream().filter(Container::running).count();
        int total = engine.state().containers().size();
        o.put("ID", engine.info().daemonId());
        o.put("Containers", total);
        o.put("ContainersRunning", running);
        o.put("ContainersPaused", 0);
        o.put("ContainersStopped", total - running);
        o.put("Images", engine.state().images().size());
        DriverStatus storage = engine.drivers().storage().status();
        o.put("Driver", storage.name());
        ArrayNode driverStatus = o.putArray("DriverStatus");
        storage.details().forEach(d -> driverStatus.addArray().add(d.name()).add(d.value()));
        // the docker CLI prints these rows under "Storage Driver": every driver berth loaded, with its status
        driverStatus.addArray().add("Status").add(statusWord(storage));
        DriverStatus isolation = engine.drivers().isolation().status();
        driverStatus.addArray().add("Isolation backend " + isolation.name()).add(statusWord(isolation));
        engine.drivers().networks().values().stream().map(n -> n.status())
                .sorted(java.util.Comparator.comparing(DriverStatus::name))
                .forEach(n -> driverStatus.addArray().add("Network driver " + n.name()).add(statusWord(n)));
        ObjectNode plugins = o.putObject("Plugins");
        plugins.putArray("Volume");
        ArrayNode network = plugins.putArray("Network");
        engine.drivers().networks().keySet().stream().sorted().forEach(network::add);
        plugins.putArray("Authorization");
        plugins.putArray("Log").add("json-file");
        o.put("MemoryLimit", true);
        o.put("SwapLimit", Files.exists(Path.of("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")));
        o.put("CpuCfsPeriod", true);
        o.put("CpuCfsQuota", true);
        o.put("CPUShares", true);
        o.put("CPUSet", true);
        o.put("PidsLimit", true);
        o.put("IPv4Forwarding", false);
        o.put("Debug", false);
        o.put("NFd", 0);
        o.put("OomKillDisable", false);
        o.put("NGoroutines", Thread.activeCount());
        o.put("SystemTime", Times.rfc3339(System.currentTimeMillis() * 1_000_000L));
        o.put("LoggingDriver", "json-file");
        o.put("CgroupDriver", "cgroupfs");
        o.put("CgroupVersion", "v2".equals(engine.info().cgroupMode()) ? "2" : "1");
        o.put("NEventsListener", 0);
        o.put("KernelVersion", kernel());
        o.put("OperatingSystem", osName());
        o.put("OSVersion", "");
        o.put("OSType", "linux");
        o.put("Architecture", "x86_64");
        o.put("IndexServerAddress", "https://index.docker.io/v1/");
        o.putNull("RegistryConfig");
        o.put("NCPU", Runtime.getRuntime().availableProcessors());
        o.put("MemTotal", memTotal());
        o.put("DockerRootDir", engine.paths().dataRoot().toString());
        o.put("Name", engine.info().name());
        o.putArray("Labels");
        o.put("ExperimentalBuild", false);
        o.put("ServerVersion", Version.ENGINE);
        ObjectNode runtimes = o.putObject("Runtimes");
        runtimes.putObject(engine.drivers().isolation().name()).put("path", engine.drivers().isolation().name());
        o.put("DefaultRuntime", engine.drivers().isolation().name());
        ObjectNode swarm = o.putObject("Swarm");
        swarm.put("NodeID", "");
        swarm.put("NodeAddr", "");
        swarm.put("LocalNodeState", "inactive");
        swarm.put("ControlAvailable", false);
        swarm.put("Error", "");
        swarm.putNull("RemoteManagers");
        o.put("LiveRestoreEnabled", true);
        o.put("Isolation", "");
        o.put("InitBinary", "");
        o.putArray("SecurityOptions").add("name=seccomp,profile=unconfined").add("name=cgroupns");
        // berth's own: every driver and whether it can be used here
        ArrayNode drivers = o.putArray("BerthDrivers");
        addDriver(drivers, "storage", storage);
        addDriver(drivers, "isolation", engine.drivers().isolation().status());
        engine.drivers().networks().values().forEach(n -> addDriver(drivers, "network", n.status()));
        ArrayNode warnings = o.putArray("Warnings");
        if (!storage.usable()) {
            warnings.add("WARNING: storage driver " + storage.name() + " is not usable: " + storage.reason());
        }
        return o;
    }

    private static String statusWord(DriverStatus status) {
        return status.usable() ? "usable" : "unusable: " + status.reason();
    }

    private static void addDriver(ArrayNode drivers, String kind, DriverStatus status) {
        ObjectNode d = drivers.addObject();
        d.put("Kind", kind);
        d.put("Name", status.name());
        d.put("Status", statusWord(status));
        ObjectNode details = d.putObject("Details");
        status.details().forEach(x -> details.put(x.name(), x.value()));
    }

    private static String osName() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) {
                    return line.substring(12).replace("\"", "");
                }
            }
        } catch (java.io.IOException e) {
            // fall through
        }
        return "Linux";
    }

    private static long memTotal() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
    }
}
