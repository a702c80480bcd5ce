package io.berth.daemon;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code berthd}: the command line of the daemon. */
@Command(name = "berthd", mixinStandardHelpOptions = true, version = "berthd " + Version.BERTH,
        description = "The berth container engine daemon: serves the Docker Engine API on a unix socket.")
public final class Main implements Callable<Integer> {

    @Option(names = "--data-root", description = "Persistent state (event log, images, containers). Default: ${DEFAULT-VALUE}")
    Path dataRoot = Path.of("/var/lib/berth");

    @Option(names = "--exec-root", description = "Runtime state (socket, monitors). Default: ${DEFAULT-VALUE}")
    Path execRoot = Path.of("/run/berth");

    @Option(names = {"-H", "--host"}, description = "Where to listen: unix://PATH. Default: unix://<exec-root>/berth.sock")
    String host;

    @Option(names = {"-s", "--storage-driver"}, description = "overlay or vfs (or a plugin's). Default: ${DEFAULT-VALUE}")
    String storageDriver = "overlay";

    @Option(names = "--isolation", description = "Isolation backend. Default: ${DEFAULT-VALUE}")
    String isolation = "namespaces";

    @Option(names = "--default-network", description = "Network mode for containers that ask for none. Default: ${DEFAULT-VALUE}")
    String defaultNetwork = "none";

    @Option(names = {"-l", "--log-level"}, description = "debug, info, warn or error. Default: ${DEFAULT-VALUE}")
    String logLevel = "info";

    @Option(names = {"-p", "--pidfile"}, description = "Write the daemon's pid to this file.")
    Path pidfile;

    @Option(names = "--no-side-effects", description = "Replay the log and serve the state only: touch no container, run no reactor.")
    boolean noSideEffects;

    @Option(names = "--fsync", description = "Force every acknowledged event to disk (survives power loss, slower).")
    boolean fsync;

    @Override
    public Integer call() throws Exception {
        Path socket = execRoot.resolve("berth.sock");
        if (host != null) {
            if (!host.startsWith("unix://")) {
                System.err.println("berthd: only unix:// hosts are supported, got " + host);
                return 2;
            }
            socket = Path.of(host.substring("unix://".length()));
        }
        String home = System.getProperty("berth.home");
        if (home == null || !Files.isDirectory(Path.of(home, "plugins"))) {
            System.err.println("berthd: no berth distribution found (berth.home=" + home
                    + "); build it with 'mvn -DskipTests package' and start berthd with bin/berthd");
            return 2;
        }
        DaemonConfig config = new DaemonConfig(dataRoot.toAbsolutePath(), execRoot.toAbsolutePath(),
                socket.toAbsolutePath(), storageDriver, isolation, defaultNetwork, Path.of(home),
                !noSideEffects, fsync);
        Daemon daemon = new Daemon(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            daemon.close();
            stopped.countDown();
        }, "berthd-shutdown"));
        try {
            daemon.start();
        } catch (Daemon.StartupException e) {
            System.err.println("berthd: " + e.getMessage());
            return 1;
        }
        if (pidfile != null) {
            Files.createDirectories(pidfile.toAbsolutePath().getParent());
            io.berth.daemon.util.Files2.writeAtomically(pidfile, (ProcessHandle.current().pid() + "\n").getBytes());
        }
        stopped.await();
        return 0;
    }

    public static void main(String[] args) {
        String level = "info";
        for (int i = 0; i < args.length; i++) {
            if ((args[i].equals("--log-level") || args[i].equals("-l")) && i + 1 < args.length) {
                level = args[i + 1];
            } else if (args[i].startsWith("--log-level=")) {
                level = args[i].substring("--log-level=".length());
            }
        }
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
        System.setProperty("org.slf4j.simpleLogger.log.org.pf4j", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.net.openhft", "warn");
        System.setProperty("chronicle.analytics.disable", "true");
        int code = new CommandLine(new Main()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
        System.exit(0);
    }
}
