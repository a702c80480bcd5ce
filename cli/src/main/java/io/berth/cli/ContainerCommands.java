package io.berth.cli;

import static io.berth.cli.ApiClient.JSON;
import static io.berth.cli.ApiClient.VERSION_PREFIX;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** run, create, start, stop, restart, kill, rm, wait, attach, logs, ps: Docker's container commands. */
final class ContainerCommands {

    private final ApiClient api;
    private final PrintStream out;
    private final PrintStream err;

    ContainerCommands(ApiClient api, PrintStream out, PrintStream err) {
        this.api = api;
        this.out = out;
        this.err = err;
    }

    // ---- create / run -----------------------------------------------------------------------------

    static Flags createFlags() {
        return new Flags(true)
                .flag("-d", "--detach").flag("-i", "--interactive").flag("-t", "--tty").flag("--rm")
                .flag("--privileged").flag("--read-only").flag("--init").flag("-P", "--publish-all")
                .option("--name").option("-e", "--env").option("--env-file").option("-m", "--memory")
                .option("--memory-swap").option("--cpus").option("--cpu-quota").option("--cpu-period")
                .option("-c", "--cpu-shares").option("--cpuset-cpus").option("--pids-limit").option("-h", "--hostname")
                .option("-u", "--user").option("-w", "--workdir").option("--entrypoint").option("-l", "--label")
                .option("--net", "--network").option("--cap-add").option("--cap-drop").option("--security-opt")
                .option("--log-opt").option("--log-driver").option("--stop-timeout").option("--stop-signal")
                .option("--add-host").option("--dns").option("--dns-search").option("--dns-opt", "--dns-option")
                .option("-p", "--publish").option("--expose").option("--ip").option("--ip6").option("--link")
                .option("--net-alias", "--network-alias").option("--link-local-ip").option("--mac-address")
                .option("-a", "--attach").option("--restart").option("--platform").option("--pull");
    }

    /**
     * A run/create configuration the docker CLI refuses once the flags are read (a bad -p, conflicting
     * network options, ...); reported as {@code berth: WHY} with a pointer to --help, exit status 125.
     */
    static final class InvalidConfig extends Exception {
        InvalidConfig(String message) {
            super(message);
        }
    }

    /** The create request body, as the docker CLI builds it from the same flags. */
    static ObjectNode createBody(Flags f) throws IOException, Flags.UsageException, InvalidConfig {
        List<String> pos = f.positional();
        if (pos.isEmpty()) {
            throw new Flags.UsageException("requires at least 1 argument");
        }
        // the values docker's flag types check (and rewrite) as they are read
        List<String> dns = new ArrayList<>();
        for (String d : f.all("dns")) {
            dns.add(FlagValues.ipAddress(d, "--dns"));
        }
        List<String> dnsSearch = new ArrayList<>();
        for (String d : f.all("dns-search")) {
            dnsSearch.add(FlagValues.dnsSearch(d));
        }
        List<String> extraHosts = new ArrayList<>();
        for (String h : f.all("add-host")) {
            extraHosts.add(FlagValues.extraHost(h));
        }
        for (String link : f.all("link")) {
            FlagValues.link(link);
        }
        List<ContainerNetworking.Attachment> networks = new ArrayList<>();
        for (String n : f.all("network")) {
            networks.add(ContainerNetworking.parse(n));
        }
        // what docker checks once it has them all
        String mac = f.get("mac-address", "");
        if (!mac.isEmpty() && !FlagValues.isMacAddress(mac)) {
            throw new InvalidConfig(mac + " is not a valid mac address");
        }
        PortSpecs ports = PortSpecs.parse(f.all("publish"), f.all("expose"));

        ObjectNode body = JSON.createObjectNode();
        boolean detach = f.bool("detach");
        boolean interactive = f.bool("interactive");
        body.put("Hostname", f.get("hostname", ""));
        body.put("Domainname", "");
        body.put("User", f.get("user", ""));
        body.put("AttachStdin", !detach && interactive);
        body.put("AttachStdout", !detach);
        body.put("AttachStderr", !detach);
        if (ports.exposedPorts() != null) {
            body.set("ExposedPorts", ports.exposedPorts());
        }
        body.put("Tty", f.bool("tty"));
        body.put("OpenStdin", interactive);
        body.put("StdinOnce", !detach && interactive);
        List<String> env = new ArrayList<>();
        for (String file : f.all("env-file")) {
            for (String line : Files.readAllLines(Path.of(file))) {
                String l = line.trim();
                if (!l.isEmpty() && !l.startsWith("#")) {
                    env.add(expandEnv(l));
                }
            }
        }
        f.all("env").forEach(e -> env.add(expandEnv(e)));
        ArrayNode envNode = body.putArray("Env");
        env.forEach(envNode::add);
        ArrayNode cmd = body.putArray("Cmd");
        pos.subList(1, pos.size()).forEach(cmd::add);
        if (pos.size() == 1) {
            body.putNull("Cmd");
        }
        body.put("Image", pos.get(0));
        body.putObject("Volumes");
        body.put("WorkingDir", f.get("workdir", ""));
        if (f.has("entrypoint")) {
            ArrayNode ep = body.putArray("Entrypoint");
            if (!f.get("entrypoint").isEmpty()) {
                ep.add(f.get("entrypoint"));
            }
        } else {
            body.putNull("Entrypoint");
        }
        ObjectNode labels = body.putObject("Labels");
        for (String l : f.all("label")) {
            int eq = l.indexOf('=');
            labels.put(eq < 0 ? l : l.substring(0, eq), eq < 0 ? "" : l.substring(eq + 1));
        }
        if (f.has("stop-signal")) {
            body.put("StopSignal", f.get("stop-signal"));
        }
        if (f.has("stop-timeout")) {
            body.put("StopTimeout", Integer.parseInt(f.get("stop-timeout")));
        }
        ObjectNode host = body.putObject("HostConfig");
        host.put("NetworkMode", ContainerNetworking.networkMode(networks));
        host.set("PortBindings", ports.portBindings());
        host.put("AutoRemove", f.bool("rm"));
        host.put("Privileged", f.bool("privileged"));
        host.put("ReadonlyRootfs", f.bool("read-only"));
        host.put("Init", f.bool("init"));
        host.put("Memory", f.has("memory") ? Human.parseBytes(f.get("memory")) : 0);
        host.put("MemorySwap", f.has("memory-swap") ? (f.get("memory-swap").equals("-1") ? -1 : Human.parseBytes(f.get("memory-swap"))) : 0);
        host.put("NanoCpus", f.has("cpus") ? new BigDecimal(f.get("cpus")).movePointRight(9).longValue() : 0);
        host.put("CpuQuota", f.has("cpu-quota") ? Long.parseLong(f.get("cpu-quota")) : 0);
        host.put("CpuPeriod", f.has("cpu-period") ? Long.parseLong(f.get("cpu-period")) : 0);
        host.put("CpuShares", f.has("cpu-shares") ? Long.parseLong(f.get("cpu-shares")) : 0);
        host.put("CpusetCpus", f.get("cpuset-cpus", ""));
        if (f.has("pids-limit")) {
            host.put("PidsLimit", Long.parseLong(f.get("pids-limit")));
        }
        ArrayNode capAdd = host.putArray("CapAdd");
        f.all("cap-add").forEach(capAdd::add);
        ArrayNode capDrop = host.putArray("CapDrop");
        f.all("cap-drop").forEach(capDrop::add);
        ArrayNode secOpt = host.putArray("SecurityOpt");
        f.all("security-opt").forEach(secOpt::add);
        host.set("Dns", ContainerNetworking.strings(dns));
        host.set("DnsOptions", ContainerNetworking.strings(f.all("dns-option")));
        host.set("DnsSearch", ContainerNetworking.strings(dnsSearch));
        host.set("ExtraHosts", extraHosts.isEmpty() ? JSON.nullNode() : ContainerNetworking.strings(extraHosts));
        host.set("Links", f.all("link").isEmpty() ? JSON.nullNode() : ContainerNetworking.strings(f.all("link")));
        host.put("PublishAllPorts", f.bool("publish-all"));
        ObjectNode log = host.putObject("LogConfig");
        log.put("Type", f.get("log-driver", ""));
        ObjectNode logOpts = log.putObject("Config");
        for (String o : f.all("log-opt")) {
            int eq = o.indexOf('=');
            if (eq < 0) {
                throw new Flags.UsageException("invalid log opt: " + o);
            }
            logOpts.put(o.substring(0, eq), o.substring(eq + 1));
        }
        ObjectNode restart = host.putObject("RestartPolicy");
        restart.put("Name", f.get("restart", "no"));
        restart.put("MaximumRetryCount", 0);
        int[] size = f.bool("tty") ? Streams.Terminal.size() : null;
        ArrayNode console = host.putArray("ConsoleSize");
        console.add(size == null ? 0 : size[0]).add(size == null ? 0 : size[1]);
        body.putObject("NetworkingConfig").set("EndpointsConfig", ContainerNetworking.endpointsConfig(networks, f));
        return body;
    }

    private static String expandEnv(String e) {
        if (e.contains("=")) {
            return e;
        }
        String v = System.getenv(e);
        return v == null ? e : e + "=" + v;
    }

    /** Creates the container; a missing image is reported as docker does. Returns the id. */
    private String create(ObjectNode body, String name, String cmdName) throws IOException {
        String path = VERSION_PREFIX + "/containers/create" + (name == null ? "" : "?name=" + ApiClient.encode(name));
        try (ApiClient.Response r = api.request("POST", path, JSON.writeValueAsBytes(body), "application/json")) {
            if (r.status == 404 && r.headers.getOrDefault("content-type", "").contains("json")) {
                String message = r.errorMessage();
                if (message.startsWith("No such image")) {
                    String image = body.get("Image").asText();
                    err.println("Unable to find image '" + normalize(image) + "' locally");
                    pull(image);
                    return create(body, name, cmdName);
                }
                throw new ApiClient.ApiError(404, message);
            }
            if (!r.ok()) {
                throw new ApiClient.ApiError(r.status, r.errorMessage());
            }
            JsonNode created = r.json();
            for (JsonNode w : created.path("Warnings")) {
                err.println("WARNING: " + w.asText());
            }
            for (JsonNode dns : body.path("HostConfig").path("Dns")) {
                byte[] ip = IpAddress.parse(dns.asText());
                if (ip != null && IpAddress.isLoopback(ip)) {
                    err.println("WARNING: Localhost DNS (" + dns.asText() + ") may fail in containers.");
                    break;
                }
            }
            return created.path("Id").asText();
        }
    }

    private void pull(String image) throws IOException {
        new RegistryCommands(api, out, err).pullForRun(normalize(image), err);
    }

    static String normalize(String image) {
        String ref = image;
        int slash = ref.lastIndexOf('/');
        if (ref.indexOf('@') < 0 && ref.lastIndexOf(':') <= slash) {
            ref = ref + ":latest";
        }
        return ref;
    }

    /** createBody, or docker's report of a configuration it refuses: "berth: WHY", a pointer to --help, 125. */
    private static ObjectNode createBody(Flags f, String command) throws Exception {
        try {
            return createBody(f);
        } catch (InvalidConfig e) {
            throw new Main.StatusError(125, "berth: " + e.getMessage() + "\n\nRun 'berth " + command + " --help' for more information");
        }
    }

    int create(Flags f) throws Exception {
        ObjectNode body = createBody(f, "create");
        String id = create(body, f.get("name"), "create");
        out.println(id);
        return 0;
    }

    int run(Flags f) throws Exception {
        ObjectNode body = createBody(f, "run");
        boolean detach = f.bool("detach");
        boolean tty = f.bool("tty");
        boolean interactive = f.bool("interactive");
        String id;
        try {
            id = create(body, f.get("name"), "run");
        } catch (ApiClient.ApiError e) {
            err.println("berth: Error response from daemon: " + e.getMessage());
            err.println("\nRun 'berth run --help' for more information");
            return 125;
        }
        if (detach) {
            try {
                api.call("POST", VERSION_PREFIX + "/containers/" + id + "/start", null).close();
            } catch (ApiClient.ApiError e) {
                err.println("berth: Error response from daemon: " + e.getMessage());
                return startErrorCode(e.getMessage());
            }
            out.println(id);
            return 0;
        }
        return attachStartWait(id, interactive, tty, f.bool("rm") ? "removed" : "next-exit", true);
    }

    /**
     * The attached run: hijack the attach stream, ask for the exit with the wait headers in hand, start,
     * copy streams, and return the exit code.
     */
    private int attachStartWait(String id, boolean stdin, boolean tty, String condition, boolean start) throws Exception {
        String attachPath = VERSION_PREFIX + "/containers/" + id + "/attach?stream=1&stdout=1&stderr=1" + (stdin ? "&stdin=1" : "");
        ApiClient.Hijacked stream = api.hijack(attachPath, null);
        ApiClient.Response wait = api.request("POST", VERSION_PREFIX + "/containers/" + id + "/wait?condition=" + condition, null, null);
        if (start) {
            try {
                api.call("POST", VERSION_PREFIX + "/containers/" + id + "/start", null).close();
            } catch (ApiClient.ApiError e) {
                stream.close();
                err.println("berth: Error response from daemon: " + e.getMessage());
                if (condition.equals("removed")) {
                    wait.bytes();
                }
                wait.close();
                return startErrorCode(e.getMessage());
            }
        }
        Streams.Terminal terminal = null;
        if (tty && Streams.Terminal.available()) {
            terminal = Streams.Terminal.raw();
            resize(id);
            String cid = id;
            Streams.onWindowChange(() -> {
                try {
                    resize(cid);
                } catch (IOException ignored) {
                    // the container may be gone
                }
            });
        }
        try {
            pumpStdin(stream, stdin);
            if (tty) {
                Streams.copy(stream.in, out);
            } else {
                Streams.demux(stream.in, out, err);
            }
        } finally {
            if (terminal != null) {
                terminal.close();
            }
            stream.close();
        }
        JsonNode result = JSON.readTree(wait.bytes());
        wait.close();
        if (result != null && result.path("Error").has("Message")) {
            err.println("berth: " + result.path("Error").path("Message").asText());
        }
        return result == null ? 125 : result.path("StatusCode").asInt(125);
    }

    /** Copies our stdin to the container (half-closing at EOF), or half-closes at once without -i. */
    private static void pumpStdin(ApiClient.Hijacked stream, boolean stdin) throws IOException {
        if (!stdin) {
            stream.closeWrite();
            return;
        }
        Thread pump = new Thread(() -> {
            try {
                InputStream in = System.in;
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) > 0; ) {
                    stream.out.write(buf, 0, n);
                    stream.out.flush();
                }
                stream.closeWrite();
            } catch (IOException ignored) {
                // the container's side is gone
            }
        }, "stdin");
        pump.setDaemon(true);
        pump.start();
    }

    private void resize(String id) throws IOException {
        int[] size = Streams.Terminal.size();
        if (size != null) {
            try (ApiClient.Response r = api.request("POST", VERSION_PREFIX + "/containers/" + id + "/resize?h=" + size[0]
                    + "&w=" + size[1], null, null)) {
                r.bytes();
            }
        }
    }

    /** docker run's exit code for a failed start: 127 not found, 126 not executable, else 125. */
    static int startErrorCode(String message) {
        if (message.contains("executable file not found") || message.contains("no such file or directory")) {
            return 127;
        }
        if (message.contains("permission denied")) {
            return 126;
        }
        return 125;
    }

    // ---- lifecycle --------------------------------------------------------------------------------

    int start(Flags f) throws Exception {
        List<String> names = f.positional();
        if (names.isEmpty()) {
            throw new Flags.UsageException("requires at least 1 argument");
        }
        if (f.bool("attach") || f.bool("interactive")) {
            JsonNode c = api.json("GET", VERSION_PREFIX + "/containers/" + ApiClient.encode(names.get(0)) + "/json", null);
            boolean stdin = f.bool("interactive") && c.path("Config").path("OpenStdin").asBoolean();
            return attachStartWait(c.path("Id").asText(), stdin, c.path("Config").path("Tty").asBoolean(), "next-exit", true);
        }
        return each(names, n -> api.call("POST", VERSION_PREFIX + "/containers/" + ApiClient.encode(n) + "/start", null).close());
    }

    int stop(Flags f) throws Exception {
        return stopOrRestart(f, "stop");
    }

    int restart(Flags f) throws Exception {
        return stopOrRestart(f, "restart");
    }

    /** stop and restart take the same timeout and signal. */
    private int stopOrRestart(Flags f, String action) throws Exception {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("t", f.get("timeout"));
        q.put("signal", f.get("signal"));
        return each(f.positional(), n -> api.call("POST", VERSION_PREFIX + "/containers/" + ApiClient.encode(n) + "/" + action
                + ApiClient.query(q), null).close());
    }

    int kill(Flags f) throws Exception {
        String q = f.has("signal") ? "?signal=" + ApiClient.encode(f.get("signal")) : "";
        return each(f.positional(), n -> api.call("POST", VERSION_PREFIX + "/containers/" + ApiClient.encode(n) + "/kill" + q, null).close());
    }

    int rm(Flags f) throws Exception {
        String q = "?force=" + (f.bool("force") ? "1" : "0") + "&v=" + (f.bool("volumes") ? "1" : "0");
        return each(f.positional(), n -> api.call("DELETE", VERSION_PREFIX + "/containers/" + ApiClient.encode(n) + q, null).close());
    }

    int waitFor(Flags f) throws Exception {
        int rc = 0;
        for (String n : f.positional()) {
            try {
                JsonNode r = api.json("POST", VERSION_PREFIX + "/containers/" + ApiClient.encode(n) + "/wait", null);
                out.println(r.path("StatusCode").asInt());
            } catch (ApiClient.ApiError e) {
                err.println("Error response from daemon: " + e.getMessage());
                rc = 1;
            }
        }
        return rc;
    }

    int attach(Flags f) throws Exception {
        if (f.positional().size() != 1) {
            throw new Flags.UsageException("requires exactly 1 argument");
        }
        JsonNode c = api.json("GET", VERSION_PREFIX + "/containers/" + ApiClient.encode(f.positional().get(0)) + "/json", null);
        if (!c.path("State").path("Running").asBoolean()) {
            throw new ApiClient.ApiError(409, "You cannot attach to a stopped container, start it first");
        }
        boolean stdin = !f.bool("no-stdin") && c.path("Config").path("OpenStdin").asBoolean();
        return attachStartWait(c.path("Id").asText(), stdin, c.path("Config").path("Tty").asBoolean(), "not-running", false);
    }

    /** Runs {@code action} for each name, printing the name on success and docker's error otherwise. */
    private int each(List<String> names, Main.Action action) throws Exception {
        if (names.isEmpty()) {
            throw new Flags.UsageException("requires at least 1 argument");
        }
        int rc = 0;
        for (String n : names) {
            try {
                action.run(n);
                out.println(n);
            } catch (ApiClient.ApiError e) {
                err.println("Error response from daemon: " + e.getMessage());
                rc = 1;
            }
        }
        return rc;
    }

    // ---- logs, ps ---------------------------------------------------------------------------------

    int logs(Flags f) throws Exception {
        if (f.positional().size() != 1) {
            throw new Flags.UsageException("requires exactly 1 argument");
        }
        String name = f.positional().get(0);
        JsonNode c = api.json("GET", VERSION_PREFIX + "/containers/" + ApiClient.encode(name) + "/json", null);
        Map<String, String> q = new LinkedHashMap<>();
        q.put("stdout", "1");
        q.put("stderr", "1");
        q.put("follow", f.bool("follow") ? "1" : null);
        q.put("timestamps", f.bool("timestamps") ? "1" : null);
        q.put("tail", f.get("tail", "all"));
        q.put("since", f.has("since") ? Main.timestamp(f.get("since")) : null);
        q.put("until", f.has("until") ? Main.timestamp(f.get("until")) : null);
        try (ApiClient.Response r = api.call("GET", VERSION_PREFIX + "/containers/" + c.path("Id").asText() + "/logs" + ApiClient.query(q), null)) {
            if (c.path("Config").path("Tty").asBoolean()) {
                Streams.copy(r.body, out);
            } else {
                Streams.demux(r.body, out, err);
            }
        }
        return 0;
    }

    private static final String PS_TABLE = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";

    int ps(Flags f) throws Exception {
        Map<String, String> q = new LinkedHashMap<>();
        boolean all = f.bool("all");
        int last = f.has("last") ? Integer.parseInt(f.get("last")) : (f.bool("latest") ? 1 : -1);
        if (all || last > 0) {
            q.put("all", "1");
        }
        if (last > 0) {
            q.put("limit", Integer.toString(last));
        }
        if (!f.all("filter").isEmpty()) {
            q.put("filters", ApiClient.filters(f.all("filter")).toString());
        }
        // --at: the list as it was then, from berth's time-travel API (same shape, same filters)
        String path = "/containers/json";
        if (f.get("at") != null) {
            q.put("at", f.get("at"));
            path = "/berth/containers/json";
        }
        JsonNode list = api.json("GET", VERSION_PREFIX + path + ApiClient.query(q), null);
        boolean noTrunc = f.bool("no-trunc");
        if (f.bool("quiet")) {
            for (JsonNode c : list) {
                out.println(noTrunc ? c.path("Id").asText() : Human.truncateId(c.path("Id").asText()));
            }
            return 0;
        }
        String format = f.get("format");
        long now = Instant.now().getEpochSecond();
        List<Map<String, String>> rows = new ArrayList<>();
        for (JsonNode c : list) {
            Map<String, String> row = new LinkedHashMap<>();
            String id = c.path("Id").asText();
            row.put("ID", noTrunc ? id : Human.truncateId(id));
            row.put("Image", c.path("Image").asText());
            String command = c.path("Command").asText();
            row.put("Command", "\"" + (noTrunc ? command : Human.ellipsis(command, 20)) + "\"");
            row.put("RunningFor", Human.duration(Duration.ofSeconds(Math.max(0, now - c.path("Created").asLong()))) + " ago");
            row.put("CreatedAt", Instant.ofEpochSecond(c.path("Created").asLong()).toString());
            row.put("Status", c.path("Status").asText());
            row.put("State", c.path("State").asText());
            row.put("Ports", PublishedPorts.column(c.path("Ports")));
            List<String> names = new ArrayList<>();
            c.path("Names").forEach(n -> names.add(n.asText().replaceFirst("^/", "")));
            row.put("Names", String.join(",", names));
            List<String> labels = new ArrayList<>();
            c.path("Labels").fields().forEachRemaining(e -> labels.add(e.getKey() + "=" + e.getValue().asText()));
            row.put("Labels", String.join(",", labels));
            List<String> networks = new ArrayList<>();
            c.path("NetworkSettings").path("Networks").fieldNames().forEachRemaining(networks::add);
            row.put("Networks", String.join(",", networks));
            rows.add(row);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("ID", "CONTAINER ID");
        headers.put("Image", "IMAGE");
        headers.put("Command", "COMMAND");
        headers.put("RunningFor", "CREATED");
        headers.put("CreatedAt", "CREATED AT");
        headers.put("Status", "STATUS");
        headers.put("State", "STATE");
        headers.put("Ports", "PORTS");
        headers.put("Names", "NAMES");
        headers.put("Labels", "LABELS");
        headers.put("Networks", "NETWORKS");
        Templates.print(format == null || format.equals("table") ? PS_TABLE : format, headers, rows, out);
        return 0;
    }

    /**
     * docker port CONTAINER [PRIVATE_PORT[/PROTO]]: the container's published ports, "80/tcp -> 0.0.0.0:8080",
     * or the host addresses of one of them (tcp unless told), from inspect's NetworkSettings.Ports.
     */
    int port(Flags f) throws Exception {
        List<String> pos = f.positional();
        if (pos.isEmpty() || pos.size() > 2) {
            throw new Flags.UsageException("requires at least 1 and at most 2 arguments");
        }
        JsonNode c = api.json("GET", VERSION_PREFIX + "/containers/" + ApiClient.encode(pos.get(0)) + "/json", null);
        JsonNode portMap = c.path("NetworkSettings").path("Ports");
        String key = null;
        if (pos.size() == 2) {
            int slash = pos.get(1).indexOf('/');
            String port = slash < 0 ? pos.get(1) : pos.get(1).substring(0, slash);
            String proto = slash < 0 || slash == pos.get(1).length() - 1 ? "tcp" : pos.get(1).substring(slash + 1);
            try {
                PortSpecs.uint16(port);
            } catch (IllegalArgumentException e) {
                throw new Main.StatusError(1, "Error: invalid port (" + port + "): " + e.getMessage());
            }
            key = port + "/" + proto;
        }
        List<String> lines = PublishedPorts.portLines(portMap, key);
        if (key != null && lines.isEmpty()) {
            throw new Main.StatusError(1, "Error: No public port '" + pos.get(1) + "' published for " + pos.get(0));
        }
        lines.forEach(out::println);
        return 0;
    }

    /** docker diff CONTAINER: "C /etc", "A /new", "D /gone". */
    int diff(Flags f) throws Exception {
        if (f.positional().size() != 1) {
            throw new Flags.UsageException("requires exactly 1 argument");
        }
        JsonNode changes = api.json("GET", VERSION_PREFIX + "/containers/" + f.positional().get(0) + "/changes", null);
        for (JsonNode c : changes) {
            String kind = switch (c.path("Kind").asInt()) {
                case 0 -> "C";
                case 1 -> "A";
                default -> "D";
            };
            out.println(kind + " " + c.path("Path").asText());
        }
        return 0;
    }

    /** docker export [-o FILE] CONTAINER: its filesystem as a tar, to a file (temp name, then renamed) or stdout. */
    int export(Flags f) throws Exception {
        if (f.positional().size() != 1) {
            throw new Flags.UsageException("requires exactly 1 argument");
        }
        String file = f.get("output");
        if (file == null && System.console() != null) {
            err.println("cowardly refusing to save to a terminal. Use the -o flag or redirect");
            return 1;
        }
        try (ApiClient.Response r = api.call("GET", VERSION_PREFIX + "/containers/" + f.positional().get(0) + "/export", null)) {
            Streams.toFileOrStdout(r.body, file, out);
        }
        return 0;
    }
}
