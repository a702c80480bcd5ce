package io.berth.network.bridge;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs {@code iptables-save} and {@code iptables-restore} (IPv4), either in the daemon's own network
 * namespace or, for tests, inside another one through {@code nsenter --net=PATH}: tests never touch the
 * host's tables.
 */
public final class Iptables {

    private static final Pattern LINE_NUMBER = Pattern.compile("line:? (\\d+)");

    private final List<String> prefix;

    private Iptables(List<String> prefix) {
        this.prefix = List.copyOf(prefix);
    }

    /** The tables of the namespace the daemon runs in. */
    public static Iptables host() {
        return new Iptables(List.of());
    }

    /** The tables of the network namespace at {@code netns} (e.g. /run/netns/NAME). */
    public static Iptables inNetns(Path netns) {
        return new Iptables(List.of("nsenter", "--net=" + netns));
    }

    /** Every table, in {@code iptables-save} form, without counters. */
    public String save() throws IOException {
        return run(List.of("iptables-save"), "");
    }

    /**
     * Feeds {@code input} to {@code iptables-restore --noflush -w}: only the chains the input names are
     * changed; each table's block (up to its COMMIT) is one transaction.
     */
    public void restore(String input) throws IOException {
        try {
            run(List.of("iptables-restore", "--noflush", "-w"), input);
        } catch (IOException e) {
            throw new IOException(e.getMessage() + failedLine(e.getMessage(), input), e);
        }
    }

    /** The input line iptables-restore names in its error ("line: 3", "line 5 failed"), quoted. */
    private static String failedLine(String error, String input) {
        Matcher m = LINE_NUMBER.matcher(error);
        List<String> lines = input.lines().toList();
        int number = m.find() ? Integer.parseInt(m.group(1)) : 0;
        return number >= 1 && number <= lines.size() ? " (input line " + number + ": " + lines.get(number - 1) + ")" : "";
    }

    private String run(List<String> args, String stdin) throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(args);
        Process process = new ProcessBuilder(command).start();
        try (OutputStream in = process.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (IOException brokenPipe) {
            // it exited before reading everything: its exit status and stderr below say why
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        int status;
        try {
            status = process.waitFor();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", command) + ": interrupted", e);
        }
        if (status != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + status + ": " + err.strip());
        }
        return out;
    }
}
