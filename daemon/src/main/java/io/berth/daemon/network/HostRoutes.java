package io.berth.daemon.network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The host's IPv4 routes (from /proc/net/route), so that new networks avoid subnets already in use. */
public final class HostRoutes {

    private HostRoutes() {}

    /** Every route's destination as a CIDR, the default route left out. Empty when unreadable. */
    public static List<String> read() {
        try {
            return parse(Files.readAllLines(Path.of("/proc/net/route")));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Parses /proc/net/route: destinations and masks are little-endian hex. */
    static List<String> parse(List<String> lines) {
        List<String> routes = new ArrayList<>();
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 8) {
                continue;
            }
            int destination = Integer.reverseBytes((int) Long.parseLong(f[1], 16));
            int mask = Integer.reverseBytes((int) Long.parseLong(f[7], 16));
            int prefix = Integer.bitCount(mask);
            if (prefix > 0) {
                routes.add(new Cidr(destination, prefix).canonical().toString());
            }
        }
        return routes;
    }
}
