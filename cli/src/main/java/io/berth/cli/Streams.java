package io.berth.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;

/** Container output and input: Docker's multiplexed stream, and the local terminal for -t. */
public final class Streams {

    private Streams() {}

    /**
     * Copies a multiplexed stream (8-byte header: stream type, three zero bytes, big-endian length) to
     * stdout and stderr until it ends. A type-3 frame is an error from the daemon.
     */
    public static void demux(InputStream in, OutputStream stdout, OutputStream stderr) throws IOException {
        byte[] header = new byte[8];
        while (true) {
            int n = in.readNBytes(header, 0, 8);
            if (n < 8) {
                return;
            }
            int length = ((header[4] & 0xff) << 24) | ((header[5] & 0xff) << 16) | ((header[6] & 0xff) << 8) | (header[7] & 0xff);
            byte[] payload = in.readNBytes(length);
            switch (header[0]) {
                case 0, 1 -> {
                    stdout.write(payload);
                    stdout.flush();
                }
                case 2 -> {
                    stderr.write(payload);
                    stderr.flush();
                }
                case 3 -> throw new IOException("error from daemon in stream: " + new String(payload));
                default -> throw new IOException("Unrecognized input header: " + header[0]);
            }
        }
    }

    /**
     * Writes {@code in} to {@code file} (under a temp name in the same directory, renamed into place when
     * complete, so a failure never leaves half a file) or, when {@code file} is null, to {@code stdout}.
     */
    public static void toFileOrStdout(InputStream in, String file, OutputStream stdout) throws IOException {
        if (file == null) {
            in.transferTo(stdout);
            stdout.flush();
            return;
        }
        java.nio.file.Path target = java.nio.file.Path.of(file).toAbsolutePath();
        java.nio.file.Path tmp = java.nio.file.Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            try (OutputStream o = java.nio.file.Files.newOutputStream(tmp)) {
                in.transferTo(o);
            }
            java.nio.file.Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            java.nio.file.Files.deleteIfExists(tmp);
        }
    }

    public static void copy(InputStream in, OutputStream out) throws IOException {
        byte[] buf = new byte[32 * 1024];
        for (int n; (n = in.read(buf)) > 0; ) {
            out.write(buf, 0, n);
            out.flush();
        }
    }

    /** The local terminal, put in raw mode for -t and restored afterwards (stty on /dev/tty). */
    public static final class Terminal implements AutoCloseable {
        private final String saved;

        private Terminal(String saved) {
            this.saved = saved;
        }

        public static boolean available() {
            return System.console() != null && new java.io.File("/dev/tty").canRead();
        }

        public static Terminal raw() throws IOException {
            String saved = stty("-g").trim();
            stty("raw", "-echo");
            Terminal t = new Terminal(saved);
            Runtime.getRuntime().addShutdownHook(new Thread(t::restore));
            return t;
        }

        /** {rows, columns} of the local terminal, or null. */
        public static int[] size() {
            try {
                String[] p = stty("size").trim().split("\\s+");
                return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        private void restore() {
            try {
                stty(saved);
            } catch (IOException ignored) {
                // the terminal is gone
            }
        }

        @Override
        public void close() {
            restore();
        }

        private static String stty(String... args) throws IOException {
            String[] cmd = new String[args.length + 1];
            cmd[0] = "stty";
            System.arraycopy(args, 0, cmd, 1, args.length);
            Process p = new ProcessBuilder(cmd).redirectInput(new java.io.File("/dev/tty"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes());
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return out;
        }
    }

    /** Calls {@code onResize} when the terminal window changes size (SIGWINCH). */
    public static void onWindowChange(Runnable onResize) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), s -> onResize.run());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // no SIGWINCH on this JVM: the initial size stays
        }
    }
}
