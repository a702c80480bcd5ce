package io.berth.network.bridge;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the tables hold of one daemon's {@link OwnedChains}: which of them exist, and every rule outside
 * them that jumps to one of them (in iptables-save form; duplicated or outdated ones included). Such
 * rules are the daemon's own jumps as far as {@link FirewallRules} is concerned: it keeps one copy of
 * each current jump and deletes the rest, since an owned chain cannot be removed while anything refers to it.
 *
 * @param chains table → the owned chains that exist in it
 * @param jumps  table → the rules outside the owned chains that jump to one
 */
record InstalledChains(Map<String, List<String>> chains, Map<String, List<String>> jumps) {

    InstalledChains {
        chains = Map.copyOf(chains);
        jumps = Map.copyOf(jumps);
    }

    /** Reads {@code iptables-save} output. */
    static InstalledChains parse(String save, OwnedChains owned) {
        Map<String, List<String>> chains = new HashMap<>();
        Map<String, List<String>> jumps = new HashMap<>();
        String table = "";
        for (String line : save.lines().toList()) {
            if (line.startsWith("*")) {
                table = line.substring(1).strip();
            } else if (line.startsWith(":") && owned.owns(line.substring(1).split(" ")[0])) {
                chains.computeIfAbsent(table, t -> new ArrayList<>()).add(line.substring(1).split(" ")[0]);
            } else if (line.startsWith("-A ") && !owned.owns(line.split(" ")[1]) && targetsOwnedChain(line, owned)) {
                jumps.computeIfAbsent(table, t -> new ArrayList<>()).add(line);
            }
        }
        return new InstalledChains(chains, jumps);
    }

    /** What a successful {@link Firewall#apply} leaves: every owned chain, and each jump exactly once. */
    static InstalledChains complete(OwnedChains owned) {
        Map<String, List<String>> chains = new HashMap<>();
        Map<String, List<String>> jumps = new HashMap<>();
        for (String table : List.of(OwnedChains.FILTER, OwnedChains.NAT)) {
            chains.put(table, owned.in(table));
        }
        for (OwnedChains.Jump jump : owned.jumps()) {
            jumps.computeIfAbsent(jump.table(), t -> new ArrayList<>()).add(jump.saved());
        }
        return new InstalledChains(chains, jumps);
    }

    List<String> chains(String table) {
        return chains.getOrDefault(table, List.of());
    }

    List<String> jumps(String table) {
        return jumps.getOrDefault(table, List.of());
    }

    private static boolean targetsOwnedChain(String rule, OwnedChains owned) {
        List<String> words = Arrays.asList(rule.split(" "));
        for (int i = 0; i + 1 < words.size(); i++) {
            if ((words.get(i).equals("-j") || words.get(i).equals("-g")) && owned.owns(words.get(i + 1))) {
                return true;
            }
        }
        return false;
    }
}
