package io.berth.daemon;

import io.berth.daemon.util.Files2;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code berthd}: the daemon's command line. The parser is a plain loop, not a library: on this class of
 * machine an annotation-driven parser costs more start-up time than the rest of the daemon's own code.
 */
public final class Main {

    static final String USAGE = """
            Usage: berthd [OPTIONS]
            The berth container engine daemon: serves the Docker Engine API on a unix socket.

              --data-root DIR          persistent state: event log, images, containers (default /var/lib/berth)
              --exec-root DIR          runtime state: socket, monitors (default /run/berth)
              -H, --host unix://PATH   where to listen (default unix://<exec-root>/berth.sock)
              -s, --storage-driver D   overlay or vfs, or a plugin's (default overlay)
                  --isolation NAME     isolation backend (default namespaces)
                  --default-network N  network mode of containers that ask for none (default bridge)
              -b, --bridge NAME        the default bridge network's device (default berth0)
                  --bip CIDR           its gateway address and subnet (default 10.209.0.1/16)
                  --default-address-pool base=CIDR,size=N
                                       subnets for networks created without --subnet (default 10.210.0.0/15, 24)
                  --dns IP             upstream DNS server for containers (repeatable; default: the host's)
              -l, --log-level LEVEL    debug, info, warn or error (default info)
              -p, --pidfile FILE       write the daemon's pid to FILE
                  --fsync              force every acknowledged event to disk (survives power loss)
                  --history-retention-age AGE
                                       drop event-log and audit records older than AGE (30d, 12h; default: keep)
                  --history-retention-size SIZE
                                       keep the event log and the audit trail each below SIZE (10g; default: no limit)
                  --snapshot-interval N
                                       snapshot the state every N events (default 100000)
                  --audit-reads        audit read-only API calls too
                  --no-side-effects    replay the log and serve the state only: touch no container
                  --registry-mirror URL
                                       pull docker.io images from this registry instead
              -h, --help               print this help
              -v, --version            print the version
            """;

    /** The parsed command line. */
    record Options(Path dataRoot, Path execRoot, String host, String storageDriver, String isolation,
                   String defaultNetwork, String logLevel, Path pidfile, boolean fsync, boolean noSideEffects,
                   java.net.URI registryMirror, BridgeConfig bridge, HistoryConfig history) {}

    /** A command line that cannot be used; the message says why. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    static Options parse(String[] args) throws UsageException {
        Path dataRoot = Path.of("/var/lib/berth");
        Path execRoot = Path.of("/run/berth");
        String host = null;
        String storage = "overlay";
        String isolation = "namespaces";
        String network = "bridge";
        String bridge = "";
        String bip = BridgeConfig.DEFAULT_BIP;
        String poolBase = BridgeConfig.DEFAULT_POOL;
        int poolSize = BridgeConfig.DEFAULT_POOL_SIZE;
        java.util.List<String> dns = new java.util.ArrayList<>();
        String level = "info";
        Path pidfile = null;
        boolean fsync = false;
        boolean noSideEffects = false;
        HistoryConfig history = HistoryConfig.defaults();
        java.net.URI mirror = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            switch (arg) {
                case "--fsync" -> fsync = true;
                case "--no-side-effects" -> noSideEffects = true;
                case "--audit-reads" -> history = new HistoryConfig(history.retentionAge(), history.retentionBytes(),
                        history.snapshotInterval(), history.rollCycle(), true);
                case "--data-root", "--exec-root", "-H", "--host", "-s", "--storage-driver", "--isolation",
                        "--default-network", "-l", "--log-level", "-p", "--pidfile", "--registry-mirror",
                        "-b", "--bridge", "--bip", "--default-address-pool", "--dns", "--history-retention-age",
                        "--history-retention-size", "--snapshot-interval", "--log-roll-cycle" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new UsageException("option " + arg + " needs a value");
                        }
                        value = args[++i];
                    }
                    switch (arg) {
                        case "--data-root" -> dataRoot = Path.of(value);
                        case "--exec-root" -> execRoot = Path.of(value);
                        case "-H", "--host" -> host = value;
                        case "-s", "--storage-driver" -> storage = value;
                        case "--isolation" -> isolation = value;
                        case "--default-network" -> network = value;
                        case "-l", "--log-level" -> level = value;
                        case "--registry-mirror" -> mirror = mirrorUri(value);
                        case "-b", "--bridge" -> bridge = value;
                        case "--bip" -> bip = value;
                        case "--dns" -> dns.add(value);
                        case "--history-retention-age", "--history-retention-size", "--snapshot-interval",
                                "--log-roll-cycle" -> history = history(history, arg, value);
                        case "--default-address-pool" -> {
                            for (String part : value.split(",")) {
                                if (part.startsWith("base=")) {
                                    poolBase = part.substring(5);
                                } else if (part.startsWith("size=") && part.substring(5).matches("[0-9]{1,2}")) {
                                    poolSize = Integer.parseInt(part.substring(5));
                                } else {
                                    throw new UsageException("--default-address-pool takes base=CIDR,size=N, not " + value);
                                }
                            }
                        }
                        default -> pidfile = Path.of(value);
                    }
                }
                default -> throw new UsageException("unknown option " + args[i]);
            }
        }
        if (!java.util.List.of("debug", "info", "warn", "error").contains(level)) {
            throw new UsageException("--log-level must be debug, info, warn or error, not " + level);
        }
        if (host != null && !host.startsWith("unix://")) {
            throw new UsageException("only unix:// hosts are supported, not " + host);
        }
        BridgeConfig bridgeConfig = new BridgeConfig(bridge, bip, poolBase, poolSize, dns);
        try {
            bridgeConfig.validate();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        try {
            history.validate();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return new Options(dataRoot, execRoot, host, storage, isolation, network, level, pidfile, fsync, noSideEffects,
                mirror, bridgeConfig, history);
    }

    static DaemonConfig config(Options o, Path home) {
        Path socket = o.host() == null ? o.execRoot().resolve("berth.sock") : Path.of(o.host().substring("unix://".length()));
        return new DaemonConfig(o.dataRoot().toAbsolutePath(), o.execRoot().toAbsolutePath(),
                socket.toAbsolutePath(), o.storageDriver(), o.isolation(), o.defaultNetwork(), home,
                !o.noSideEffects(), o.fsync(), o.registryMirror(), o.bridge(), o.history());
    }

    /** {@code current} with one history flag set. */
    private static HistoryConfig history(HistoryConfig current, String flag, String value) throws UsageException {
        try {
            return switch (flag) {
                case "--history-retention-age" -> new HistoryConfig(HistoryConfig.parseAge(value), current.retentionBytes(),
                        current.snapshotInterval(), current.rollCycle(), current.auditReads());
                case "--history-retention-size" -> new HistoryConfig(current.retentionAge(), HistoryConfig.parseSize(value),
                        current.snapshotInterval(), current.rollCycle(), current.auditReads());
                case "--snapshot-interval" -> new HistoryConfig(current.retentionAge(), current.retentionBytes(),
                        Integer.parseInt(value), current.rollCycle(), current.auditReads());
                default -> new HistoryConfig(current.retentionAge(), current.retentionBytes(),
                        current.snapshotInterval(), value, current.auditReads());
            };
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " takes a number, not " + value);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** Closes {@code daemon} when the JVM shuts down (SIGTERM, SIGINT, System.exit), then counts {@code stopped} down. */
    static Thread closeOnShutdown(Daemon daemon, CountDownLatch stopped) {
        Thread hook = new Thread(() -> {
            daemon.close();
            stopped.countDown();
        }, "berthd-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    private static java.net.URI mirrorUri(String value) throws UsageException {
        try {
            java.net.URI uri = new java.net.URI(value.contains("://") ? value : "https://" + value);
            if (uri.getHost() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
                throw new UsageException("--registry-mirror must be an http(s) URL, not " + value);
            }
            return uri;
        } catch (java.net.URISyntaxException e) {
            throw new UsageException("--registry-mirror must be an http(s) URL, not " + value);
        }
    }

    public static void main(String[] args) {
        for (String a : args) {
            if (a.equals("-h") || a.equals("--help")) {
                System.out.print(USAGE);
                return;
            }
            if (a.equals("-v") || a.equals("--version")) {
                System.out.println("berthd " + Version.BERTH);
                return;
            }
        }
        Options options;
        try {
            options = parse(args);
        } catch (UsageException e) {
            System.err.println("berthd: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        configure(options);
        System.exit(run(options));
    }

    /** The process-wide settings of a daemon: logging (before any logger exists) and Chronicle's analytics. */
    static void configure(Options options) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", options.logLevel());
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
        System.setProperty("org.slf4j.simpleLogger.log.org.pf4j", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.net.openhft", "warn");
        System.setProperty("chronicle.analytics.disable", "true");
    }

    private static int run(Options o) {
        String home = System.getProperty("berth.home");
        if (home == null || !Files.isDirectory(Path.of(home, "plugins"))) {
            System.err.println("berthd: no berth distribution found (berth.home=" + home
                    + "); build it with 'mvn -DskipTests package' and start berthd with bin/berthd");
            return 2;
        }
        Daemon daemon = new Daemon(config(o, Path.of(home)));
        CountDownLatch stopped = new CountDownLatch(1);
        closeOnShutdown(daemon, stopped);
        try {
            daemon.start();
            if (o.pidfile() != null) {
                Files.createDirectories(o.pidfile().toAbsolutePath().getParent());
                Files2.writeAtomically(o.pidfile(), (ProcessHandle.current().pid() + "\n").getBytes());
            }
        } catch (Daemon.StartupException e) {
            System.err.println("berthd: " + e.getMessage());
            return 1;
        } catch (Exception e) {
            System.err.println("berthd: cannot start: " + e);
            e.printStackTrace();
            return 1;
        }
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
