package io.berth.cli;

import static io.berth.cli.ApiClient.JSON;
import static io.berth.cli.ApiClient.VERSION_PREFIX;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code berth}: Docker's commands and flags against berthd's Engine API, for machines without a docker
 * CLI. The daemon is {@code -H unix://PATH}, else $BERTH_HOST or $DOCKER_HOST, else
 * unix:///run/berth/berth.sock. Exit codes are docker's: a run returns the container's exit code, a
 * daemon error 1 (125 for run), a usage error 125... as the docker CLI does.
 */
public final class Main {

    static final String VERSION = "0.1.0";

    /** Something done per name (start, stop, rm, ...). */
    @FunctionalInterface
    interface Action {
        void run(String name) throws Exception;
    }

    /**
     * An error the docker CLI reports as it is, with its own exit status (its cli.StatusError): the
     * message (when there is one) goes to stderr as written.
     */
    static final class StatusError extends Exception {
        final int status;

        StatusError(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private static final String USAGE = """
            Usage:  berth [OPTIONS] COMMAND

            A Docker-compatible client of berthd.

            Options:
              -H, --host string   Daemon socket to connect to (unix://PATH)
              -v, --version       Print version information and quit

            Commands:
              run       Create and run a new container from an image
              create    Create a new container
              start     Start one or more stopped containers
              stop      Stop one or more running containers
              restart   Restart one or more containers
              kill      Kill one or more running containers
              rm        Remove one or more containers
              ps        List containers (--at TIME: as they were then)
              logs      Fetch the logs of a container
              events    Get events from the server's log (live, or history with --since; --raw: berth's own)
              diff      Inspect changes to files or directories on a container's filesystem
              export    Export a container's filesystem as a tar archive
              commit    Create a new image from a container's changes
              inspect   Return low-level information on containers, images or networks (--at TIME: a container then)
              replay    Rebuild the state at a time from the event log alone (--until TIME [--summary])
              port      List port mappings or a specific mapping for the container
              wait      Block until one or more containers stop, then print their exit codes
              attach    Attach local standard input, output, and error streams to a running container
              images    List images
              build     Build an image from a Dockerfile
              import    Import the contents from a tarball to create a filesystem image
              pull      Download an image from a registry
              push      Upload an image to a registry
              login     Log in to a registry
              logout    Log out from a registry
              save      Save one or more images to a tar archive (streamed to STDOUT by default)
              load      Load an image from a tar archive or STDIN
              history   Show the history of an image
              tag       Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE
              rmi       Remove one or more images
              network   Manage networks
              version   Show the berth version information
              info      Display system-wide information
              audit     Show the daemon's audit records, or verify them (audit verify)
            """;

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(Arrays.asList(args), System.out, System.err));
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) {
        String host = System.getenv("BERTH_HOST");
        if (host == null || host.isEmpty()) {
            host = System.getenv("DOCKER_HOST");
        }
        int i = 0;
        for (; i < argv.size(); i++) {
            String a = argv.get(i);
            if ((a.equals("-H") || a.equals("--host")) && i + 1 < argv.size()) {
                host = argv.get(++i);
            } else if (a.startsWith("--host=")) {
                host = a.substring("--host=".length());
            } else if (a.equals("-l") || a.equals("--log-level")) {
                i++;
            } else if (a.startsWith("--log-level=") || a.equals("-D") || a.equals("--debug")) {
                continue;
            } else if (a.equals("-v") || a.equals("--version")) {
                out.println("berth version " + VERSION);
                return 0;
            } else if (a.equals("-h") || a.equals("--help")) {
                out.print(USAGE);
                return 0;
            } else {
                break;
            }
        }
        if (i >= argv.size()) {
            out.print(USAGE);
            return 0;
        }
        if (host == null || host.isEmpty()) {
            host = "unix:///run/berth/berth.sock";
        }
        if (!host.startsWith("unix://")) {
            err.println("berth: only unix:// hosts are supported, not " + host);
            return 125;
        }
        String command = argv.get(i);
        List<String> rest = argv.subList(i + 1, argv.size());
        if (command.equals("system") && !rest.isEmpty()) {
            command = "system-" + rest.get(0); // docker system df / info
            rest = rest.subList(1, rest.size());
        } else if (command.equals("container") && !rest.isEmpty()) {
            // docker container <verb>
            String verb = rest.get(0);
            command = switch (verb) {
                case "ls", "list" -> "ps";
                case "remove" -> "rm";
                default -> verb;
            };
            rest = rest.subList(1, rest.size());
        } else if (command.equals("image") && !rest.isEmpty()) {
            // docker image <verb>: the management form of the image commands
            String verb = rest.get(0);
            command = switch (verb) {
                case "ls", "list" -> "images";
                case "rm", "remove" -> "rmi";
                case "prune" -> "image-prune";
                default -> verb;
            };
            rest = rest.subList(1, rest.size());
        } else if (command.equals("audit") && !rest.isEmpty() && rest.get(0).equals("verify")) {
            command = "audit verify";
            rest = rest.subList(1, rest.size());
        } else if (command.equals("network")) {
            // docker network <verb>; "network ls" is the command's name in messages
            if (rest.isEmpty() || rest.get(0).equals("--help") || rest.get(0).equals("-h")) {
                (rest.isEmpty() ? err : out).print(NetworkCommands.USAGE);
                return 0;
            }
            String verb = switch (rest.get(0)) {
                case "list" -> "ls";
                case "remove" -> "rm";
                default -> rest.get(0);
            };
            if (!List.of("create", "ls", "inspect", "rm", "prune", "connect", "disconnect").contains(verb)) {
                err.println("berth: unknown command: berth network " + rest.get(0) + "\n\nUsage:  berth network\n\n"
                        + "Run 'berth network --help' for more information");
                return 1;
            }
            command = "network " + verb;
            rest = rest.subList(1, rest.size());
        }
        ApiClient api = new ApiClient(Path.of(host.substring("unix://".length())));
        ContainerCommands containers = new ContainerCommands(api, out, err);
        ImageCommands images = new ImageCommands(api, out, err);
        RegistryCommands registry = new RegistryCommands(api, out, err);
        NetworkCommands networks = new NetworkCommands(api, out, err);
        AuditCommands audit = new AuditCommands(api, out, err);
        try {
            return switch (command) {
                case "run" -> containers.run(ContainerCommands.createFlags().parse(rest));
                case "create" -> containers.create(ContainerCommands.createFlags().parse(rest));
                case "start" -> containers.start(new Flags(false).flag("-a", "--attach").flag("-i", "--interactive").parse(rest));
                case "stop" -> containers.stop(new Flags(false).option("-t", "--time", "--timeout").option("-s", "--signal").parse(rest));
                case "restart" -> containers.restart(new Flags(false).option("-t", "--time", "--timeout").option("-s", "--signal").parse(rest));
                case "kill" -> containers.kill(new Flags(false).option("-s", "--signal").parse(rest));
                case "rm" -> containers.rm(new Flags(false).flag("-f", "--force").flag("-v", "--volumes").flag("-l", "--link").parse(rest));
                case "wait" -> containers.waitFor(new Flags(false).parse(rest));
                case "attach" -> containers.attach(new Flags(false).flag("--no-stdin").flag("--sig-proxy").option("--detach-keys").parse(rest));
                case "commit" -> images.commit(new Flags(false).option("-a", "--author").option("-m", "--message")
                        .option("-c", "--change").flag("-p", "--pause").parse(rest));
                case "diff" -> containers.diff(new Flags(false).parse(rest));
                case "port" -> containers.port(new Flags(false).parse(rest));
                case "network create" -> networks.create(NetworkCommands.createFlags().parse(rest));
                case "network ls" -> networks.ls(NetworkCommands.lsFlags().parse(rest));
                case "network inspect" -> networks.inspect(NetworkCommands.inspectFlags().parse(rest));
                case "network rm" -> networks.rm(new Flags(false).flag("-f", "--force").parse(rest));
                case "network prune" -> networks.prune(new Flags(false).flag("-f", "--force").option("--filter").parse(rest));
                case "network connect" -> networks.connect(NetworkCommands.connectFlags().parse(rest));
                case "network disconnect" -> networks.disconnect(new Flags(false).flag("-f", "--force").parse(rest));
                case "export" -> containers.export(new Flags(false).option("-o", "--output").parse(rest));
                case "events" -> new EventCommands(api, out).events(EventCommands.flags().parse(rest));
                case "logs" -> containers.logs(new Flags(false).flag("-f", "--follow").flag("-t", "--timestamps")
                        .flag("--details").option("-n", "--tail").option("--since").option("--until").parse(rest));
                case "ps" -> containers.ps(new Flags(false).flag("-a", "--all").flag("-q", "--quiet").flag("--no-trunc")
                        .flag("-l", "--latest").flag("-s", "--size").option("-n", "--last").option("-f", "--filter")
                        .option("--format").option("--at").parse(rest));
                case "replay" -> new HistoryCommands(api, out).replay(new Flags(false).option("--until").flag("--summary").parse(rest));
                case "build" -> new BuildCommand(api, out, err, System.in, System::getenv).build(BuildCommand.flags().parse(rest));
                case "images" -> images.images(new Flags(false).flag("-a", "--all").flag("-q", "--quiet").flag("--no-trunc")
                        .flag("--digests").option("-f", "--filter").option("--format").parse(rest));
                case "import" -> images.importImage(new Flags(false).option("-c", "--change").option("-m", "--message")
                        .option("--platform").parse(rest));
                case "pull" -> registry.pull(new Flags(false).flag("-q", "--quiet").flag("-a", "--all-tags")
                        .option("--platform").flag("--disable-content-trust").parse(rest));
                case "push" -> registry.push(new Flags(false).flag("-q", "--quiet").flag("-a", "--all-tags")
                        .flag("--disable-content-trust").parse(rest));
                case "login" -> registry.login(new Flags(false).option("-u", "--username").option("-p", "--password")
                        .flag("--password-stdin").parse(rest));
                case "logout" -> registry.logout(new Flags(false).parse(rest));
                case "save" -> images.save(new Flags(false).option("-o", "--output").option("--platform").parse(rest));
                case "load" -> images.load(new Flags(false).option("-i", "--input").flag("-q", "--quiet")
                        .option("--platform").parse(rest));
                case "history" -> images.history(new Flags(false).flag("-H", "--human").flag("--no-trunc")
                        .flag("-q", "--quiet").option("--format").option("--platform").parse(rest));
                case "tag" -> images.tag(new Flags(false).parse(rest));
                case "image-prune" -> images.prune(new Flags(false).flag("-a", "--all").flag("-f", "--force")
                        .option("--filter").parse(rest));
                case "rmi" -> images.rmi(new Flags(false).flag("-f", "--force").flag("--no-prune").parse(rest));
                case "inspect" -> inspect(api, new Flags(false).option("-f", "--format").option("--type").flag("-s", "--size")
                        .option("--at").parse(rest), out, err);
                case "version" -> version(api, new Flags(false).option("-f", "--format").parse(rest), out, err);
                case "system-df" -> diskUsage(api, new Flags(false).flag("-v", "--verbose").option("--format").parse(rest), out);
                case "system-info" -> info(api, new Flags(false).option("-f", "--format").parse(rest), out);
                case "audit" -> audit.list(AuditCommands.listFlags().parse(rest));
                case "audit verify" -> audit.verify(AuditCommands.verifyFlags().parse(rest));
                case "info" -> info(api, new Flags(false).option("-f", "--format").parse(rest), out);
                default -> {
                    err.println("berth: '" + command + "' is not a berth command.\nSee 'berth --help'");
                    yield 1;
                }
            };
        } catch (Flags.HelpRequested e) {
            out.print(command.startsWith("network") ? NetworkCommands.USAGE
                    : command.startsWith("audit") ? AuditCommands.USAGE
                    : command.equals("events") ? EventCommands.USAGE : USAGE);
            return 0;
        } catch (StatusError e) {
            if (e.getMessage() != null && !e.getMessage().isEmpty()) {
                err.println(e.getMessage());
            }
            return e.status;
        } catch (Flags.UsageException e) {
            err.println("berth: " + e.getMessage() + "\nSee 'berth " + command + " --help'.");
            return 125;
        } catch (ApiClient.ApiError e) {
            err.println("Error response from daemon: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("berth: " + e.getMessage());
            return 125;
        } catch (Exception e) {
            err.println(e.getMessage() == null ? e.toString() : e.getMessage());
            return 1;
        }
    }

    /**
     * docker's confirmation prompt: {@code message} and " [y/N] " on stdout, then a line of stdin; only "y"
     * (any case, blanks around) is a yes. Nothing on stdin is a no.
     */
    static boolean confirm(String message, PrintStream out) throws java.io.IOException {
        out.print(message + " [y/N] ");
        out.flush();
        String answer = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        return answer != null && answer.strip().equalsIgnoreCase("y");
    }

    /** "busybox:latest" → {"busybox", "latest"}; "localhost:5000/app" → {"localhost:5000/app", "latest"}. */
    static String[] repoTag(String ref) {
        int slash = ref.lastIndexOf('/');
        int colon = ref.lastIndexOf(':');
        if (colon > slash) {
            return new String[] {ref.substring(0, colon), ref.substring(colon + 1)};
        }
        return new String[] {ref, "latest"};
    }

    /** docker's --since/--until: a unix time, an RFC 3339 time, or a duration before now ("10m", "2h30m"). */
    static String timestamp(String value) {
        if (value.matches("\\d+(\\.\\d+)?")) {
            return value;
        }
        if (value.matches("(\\d+(\\.\\d+)?(ns|us|ms|s|m|h))+")) {
            double seconds = 0;
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|ms|s|m|h)").matcher(value);
            while (m.find()) {
                double n = Double.parseDouble(m.group(1));
                seconds += switch (m.group(2)) {
                    case "ns" -> n / 1e9;
                    case "us" -> n / 1e6;
                    case "ms" -> n / 1e3;
                    case "s" -> n;
                    case "m" -> n * 60;
                    default -> n * 3600;
                };
            }
            double t = System.currentTimeMillis() / 1000.0 - seconds;
            return String.format(java.util.Locale.ROOT, "%.9f", t);
        }
        try {
            Instant t = Instant.parse(value);
            return t.getEpochSecond() + "." + String.format("%09d", t.getNano());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid value for --since/--until: " + value);
        }
    }

    private static int inspect(ApiClient api, Flags f, PrintStream out, PrintStream err) throws Exception {
        if (f.positional().isEmpty()) {
            throw new Flags.UsageException("requires at least 1 argument");
        }
        String type = f.get("type", "");
        String at = f.get("at");
        if (at != null && !type.isEmpty() && !type.equals("container")) {
            throw new Flags.UsageException("--at inspects containers only");
        }
        ArrayNode results = JSON.createArrayNode();
        int rc = 0;
        List<String> errors = new ArrayList<>();
        for (String name : f.positional()) {
            String enc = URLEncoder.encode(name, StandardCharsets.UTF_8);
            JsonNode found = null;
            if (at != null) {
                found = HistoryCommands.containerAt(api, name, at);
            } else if (type.isEmpty() || type.equals("container")) {
                try (ApiClient.Response r = api.request("GET", VERSION_PREFIX + "/containers/" + enc + "/json", null, null)) {
                    if (r.ok()) {
                        found = r.json();
                    }
                }
            }
            if (found == null && at == null && (type.isEmpty() || type.equals("image"))) {
                try (ApiClient.Response r = api.request("GET", VERSION_PREFIX + "/images/" + name + "/json", null, null)) {
                    if (r.ok()) {
                        found = r.json();
                    }
                }
            }
            if (found == null && at == null && (type.isEmpty() || type.equals("network"))) {
                try (ApiClient.Response r = api.request("GET", VERSION_PREFIX + "/networks/" + enc, null, null)) {
                    if (r.ok()) {
                        found = r.json();
                    }
                }
            }
            if (found == null) {
                errors.add("Error: No such object: " + name);
                rc = 1;
                continue;
            }
            results.add(found);
        }
        List<JsonNode> found = new ArrayList<>();
        results.forEach(found::add);
        Templates.printInspected(found, f.get("format"), out);
        errors.forEach(err::println);
        return rc;
    }

    private static int version(ApiClient api, Flags f, PrintStream out, PrintStream err) throws Exception {
        if (f.get("format") != null) {
            // docker's template data: {Client: {...}, Server: {...}}
            com.fasterxml.jackson.databind.node.ObjectNode data = JSON.createObjectNode();
            com.fasterxml.jackson.databind.node.ObjectNode client = data.putObject("Client");
            client.put("Version", VERSION);
            client.put("ApiVersion", "1.47");
            client.put("Os", "linux");
            client.put("Arch", "amd64");
            data.set("Server", api.json("GET", VERSION_PREFIX + "/version", null));
            out.println(Templates.render(f.get("format"), data));
            return 0;
        }
        out.println("Client:");
        out.println(" Version:           " + VERSION);
        out.println(" API version:       1.47");
        out.println(" Java version:      " + System.getProperty("java.version"));
        out.println(" OS/Arch:           linux/amd64");
        out.println();
        JsonNode v;
        try {
            v = api.json("GET", VERSION_PREFIX + "/version", null);
        } catch (java.io.IOException e) {
            err.println(e.getMessage());
            return 1;
        }
        out.println("Server: " + v.path("Platform").path("Name").asText());
        out.println(" Engine:");
        out.println("  Version:          " + v.path("Version").asText());
        out.println("  API version:      " + v.path("ApiVersion").asText() + " (minimum version " + v.path("MinAPIVersion").asText() + ")");
        out.println("  Runtime version:  " + v.path("GoVersion").asText());
        out.println("  OS/Arch:          " + v.path("Os").asText() + "/" + v.path("Arch").asText());
        out.println("  Kernel version:   " + v.path("KernelVersion").asText());
        return 0;
    }

    /** docker system df [-v]: what images, containers, volumes and the build cache take, from the daemon's state. */
    private static int diskUsage(ApiClient api, Flags f, PrintStream out) throws Exception {
        JsonNode df = api.json("GET", VERSION_PREFIX + "/system/df", null);
        long layers = df.path("LayersSize").asLong();
        int activeImages = 0;
        long activeImageBytes = 0;
        for (JsonNode i : df.path("Images")) {
            if (i.path("Containers").asInt() > 0) {
                activeImages++;
                activeImageBytes += i.path("Size").asLong() - i.path("SharedSize").asLong(0);
            }
        }
        long reclaimImages = Math.max(0, layers - activeImageBytes);
        long rw = 0;
        long reclaimRw = 0;
        int running = 0;
        for (JsonNode c : df.path("Containers")) {
            rw += c.path("SizeRw").asLong();
            if ("running".equals(c.path("State").asText())) {
                running++;
            } else {
                reclaimRw += c.path("SizeRw").asLong();
            }
        }
        Table t = new Table("TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
        t.row("Images", Integer.toString(df.path("Images").size()), Integer.toString(activeImages), Human.size(layers, 4),
                Human.size(reclaimImages, 4) + percent(reclaimImages, layers));
        t.row("Containers", Integer.toString(df.path("Containers").size()), Integer.toString(running), Human.size(rw, 4),
                Human.size(reclaimRw, 4) + percent(reclaimRw, rw));
        t.row("Local Volumes", Integer.toString(df.path("Volumes").size()), "0", "0B", "0B");
        t.row("Build Cache", Integer.toString(df.path("BuildCache").size()), "0", "0B", "0B");
        if (!f.bool("verbose")) {
            t.print(out); // -v prints the detailed tables instead, as docker does
        } else {
            out.println("Images space usage:");
            out.println();
            Table images = new Table("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS");
            long now = java.time.Instant.now().getEpochSecond();
            for (JsonNode i : df.path("Images")) {
                String id = Human.truncateId(i.path("Id").asText());
                String created = Human.duration(java.time.Duration.ofSeconds(Math.max(0, now - i.path("Created").asLong()))) + " ago";
                long size = i.path("Size").asLong();
                long shared = i.path("SharedSize").asLong();
                List<String> tags = new ArrayList<>();
                i.path("RepoTags").forEach(x -> tags.add(x.asText()));
                if (tags.isEmpty()) {
                    tags.add("<none>:<none>");
                }
                for (String tag : tags) {
                    String[] rt = repoTag(tag);
                    images.row(rt[0], rt[1], id, created, Human.size(size), Human.size(shared, 4), Human.size(size - shared, 4),
                            Integer.toString(i.path("Containers").asInt()));
                }
            }
            images.print(out);
            out.println();
            out.println("Containers space usage:");
            out.println();
            Table containers = new Table("CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED", "STATUS", "NAMES");
            for (JsonNode c : df.path("Containers")) {
                String created = Human.duration(java.time.Duration.ofSeconds(Math.max(0, now - c.path("Created").asLong()))) + " ago";
                String name = c.path("Names").path(0).asText().replaceFirst("^/", "");
                containers.row(Human.truncateId(c.path("Id").asText()), c.path("Image").asText(),
                        "\"" + Human.ellipsis(c.path("Command").asText(), 20) + "\"", "0", Human.size(c.path("SizeRw").asDouble()), created,
                        c.path("Status").asText(), name);
            }
            containers.print(out);
            out.println();
            out.println("Local Volumes space usage:");
            out.println();
            new Table("VOLUME NAME", "LINKS", "SIZE").print(out);
            out.println();
            out.println("Build cache usage: 0B");
            out.println();
            new Table("CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "USAGE", "SHARED").print(out);
        }
        return 0;
    }

    private static String percent(long part, long whole) {
        return whole <= 0 ? "" : " (" + Math.round(part * 100.0 / whole) + "%)";
    }

    private static int info(ApiClient api, Flags f, PrintStream out) throws Exception {
        JsonNode i = api.json("GET", VERSION_PREFIX + "/info", null);
        if (f.get("format") != null) {
            // docker's template data: the server's info with the client's beside it
            com.fasterxml.jackson.databind.node.ObjectNode data = ((com.fasterxml.jackson.databind.node.ObjectNode) i).deepCopy();
            data.putObject("ClientInfo").put("Version", VERSION);
            out.println(Templates.render(f.get("format"), data));
            return 0;
        }
        out.println("Client:");
        out.println(" Version:    " + VERSION);
        out.println();
        out.println("Server:");
        out.println(" Containers: " + i.path("Containers").asInt());
        out.println("  Running: " + i.path("ContainersRunning").asInt());
        out.println("  Paused: " + i.path("ContainersPaused").asInt());
        out.println("  Stopped: " + i.path("ContainersStopped").asInt());
        out.println(" Images: " + i.path("Images").asInt());
        out.println(" Server Version: " + i.path("ServerVersion").asText());
        out.println(" Storage Driver: " + i.path("Driver").asText());
        for (JsonNode pair : i.path("DriverStatus")) {
            out.println("  " + pair.get(0).asText() + ": " + pair.get(1).asText());
        }
        out.println(" Logging Driver: " + i.path("LoggingDriver").asText());
        out.println(" Cgroup Driver: " + i.path("CgroupDriver").asText());
        out.println(" Cgroup Version: " + i.path("CgroupVersion").asText());
        out.println(" Plugins:");
        out.println("  Network: " + String.join(" ", texts(i.path("Plugins").path("Network"))));
        out.println("  Log: " + String.join(" ", texts(i.path("Plugins").path("Log"))));
        out.println(" Drivers:");
        for (JsonNode d : i.path("BerthDrivers")) {
            out.println("  " + d.path("Kind").asText() + " " + d.path("Name").asText() + ": " + d.path("Status").asText());
        }
        out.println(" Default Runtime: " + i.path("DefaultRuntime").asText());
        out.println(" Live Restore Enabled: " + i.path("LiveRestoreEnabled").asBoolean());
        out.println(" Kernel Version: " + i.path("KernelVersion").asText());
        out.println(" Operating System: " + i.path("OperatingSystem").asText());
        out.println(" OSType: " + i.path("OSType").asText());
        out.println(" Architecture: " + i.path("Architecture").asText());
        out.println(" CPUs: " + i.path("NCPU").asInt());
        out.println(" Total Memory: " + String.format(java.util.Locale.ROOT, "%.2fGiB", i.path("MemTotal").asDouble() / (1L << 30)));
        out.println(" Name: " + i.path("Name").asText());
        out.println(" ID: " + i.path("ID").asText());
        out.println(" Docker Root Dir: " + i.path("DockerRootDir").asText());
        for (JsonNode w : i.path("Warnings")) {
            out.println(w.asText());
        }
        return 0;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
