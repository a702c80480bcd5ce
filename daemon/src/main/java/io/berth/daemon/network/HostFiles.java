package io.berth.daemon.network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The contents of a container's /etc/hosts and /etc/resolv.conf, as Docker writes them. */
public final class HostFiles {

    private HostFiles() {}

    public static String hosts(String networkMode, String hostname, List<String> extraHosts) {
        StringBuilder b = new StringBuilder();
        if ("host".equals(networkMode)) {
            try {
                b.append(Files.readString(Path.of("/etc/hosts")));
                if (b.length() > 0 && b.charAt(b.length() - 1) != '\n') {
                    b.append('\n');
                }
            } catch (IOException e) {
                b.append("127.0.0.1\tlocalhost\n");
            }
        } else {
            b.append("127.0.0.1\tlocalhost\n")
                    .append("::1\tlocalhost ip6-localhost ip6-loopback\n")
                    .append("fe00::\tip6-localnet\n")
                    .append("ff00::\tip6-mcastprefix\n")
                    .append("ff02::1\tip6-allnodes\n")
                    .append("ff02::2\tip6-allrouters\n");
        }
        for (String extra : extraHosts) {
            int colon = extra.indexOf(':');
            if (colon > 0) {
                b.append(extra.substring(colon + 1)).append('\t').append(extra, 0, colon).append('\n');
            }
        }
        return b.toString();
    }

    /**
     * The /etc/hosts of a container with addresses: the standard lines, its own address with its
     * hostname, its links ("address\talias id name") and --add-host entries.
     */
    public static String hosts(String hostname, String ownAddress, List<String> links, List<String> extraHosts) {
        StringBuilder b = new StringBuilder(hosts("", hostname, List.of()));
        links.forEach(l -> b.append(l).append('\n'));
        if (!ownAddress.isEmpty()) {
            b.append(ownAddress).append('\t').append(hostname).append('\n');
        }
        for (String extra : extraHosts) {
            int colon = extra.indexOf(':');
            if (colon > 0) {
                b.append(extra.substring(colon + 1)).append('\t').append(extra, 0, colon).append('\n');
            }
        }
        return b.toString();
    }

    /**
     * The resolv.conf of a container on a user-defined network: the embedded DNS server, the search
     * domains and options of --dns-search/--dns-option or else the host's, and ndots:0 as Docker adds.
     */
    public static String embeddedResolvConf(List<String> search, List<String> options) {
        StringBuilder b = new StringBuilder("nameserver " + EMBEDDED_DNS + "\n");
        List<String> hostSearch = new ArrayList<>();
        List<String> hostOptions = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/etc/resolv.conf"))) {
                String t = line.trim();
                if (t.startsWith("search ")) {
                    hostSearch.add(t.substring(7).trim());
                } else if (t.startsWith("options ")) {
                    hostOptions.add(t.substring(8).trim());
                }
            }
        } catch (IOException e) {
            // no host file: only what the flags say
        }
        List<String> s = search.isEmpty() ? hostSearch : search;
        if (!s.isEmpty()) {
            b.append("search ").append(String.join(" ", s)).append('\n');
        }
        List<String> o = new ArrayList<>(options.isEmpty() ? hostOptions : options);
        if (o.stream().noneMatch(x -> x.startsWith("ndots:"))) {
            o.add("ndots:0");
        }
        b.append("options ").append(String.join(" ", o)).append('\n');
        return b.toString();
    }

    /** Where containers on user-defined networks find berth's DNS server. */
    public static final String EMBEDDED_DNS = "127.0.0.11";

    /** The name servers of the host's resolv.conf. */
    public static List<String> hostNameservers() {
        List<String> servers = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/etc/resolv.conf"))) {
                String t = line.trim();
                if (t.startsWith("nameserver")) {
                    servers.add(t.substring("nameserver".length()).trim());
                }
            }
        } catch (IOException e) {
            // none
        }
        return servers;
    }

    /**
     * The host's resolv.conf, without loopback name servers unless the container shares the host's
     * network (a loopback server is unreachable from another namespace), with --dns, --dns-search and
     * --dns-option applied.
     */
    public static String resolvConf(String networkMode, List<String> dns, List<String> search, List<String> options) {
        List<String> lines = new ArrayList<>();
        try {
            lines.addAll(Files.readAllLines(Path.of("/etc/resolv.conf")));
        } catch (IOException e) {
            // no host file: only what the flags say
        }
        boolean host = "host".equals(networkMode);
        StringBuilder b = new StringBuilder();
        for (String line : lines) {
            String t = line.trim();
            if (t.startsWith("nameserver")) {
                String server = t.substring("nameserver".length()).trim();
                if (!dns.isEmpty() || (!host && (server.startsWith("127.") || server.equals("::1")))) {
                    continue;
                }
            }
            if (t.startsWith("search") && !search.isEmpty()) {
                continue;
            }
            if (t.startsWith("options") && !options.isEmpty()) {
                continue;
            }
            b.append(line).append('\n');
        }
        dns.forEach(d -> b.append("nameserver ").append(d).append('\n'));
        if (!search.isEmpty()) {
            b.append("search ").append(String.join(" ", search)).append('\n');
        }
        if (!options.isEmpty()) {
            b.append("options ").append(String.join(" ", options)).append('\n');
        }
        return b.toString();
    }
}
