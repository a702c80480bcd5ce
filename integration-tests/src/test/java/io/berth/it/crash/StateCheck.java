package io.berth.it.crash;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.it.BerthDaemon;
import io.berth.it.crash.Acknowledged.Expect;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What the crash test checks after each restart: every acknowledged operation against what the daemon
 * answers (the {@link Acknowledged} record is the oracle), and the daemon's state against the kernel and
 * the disk (monitor and container pids with their start times, cgroups, veths, bridges, namespace
 * handles, mounts, container and layer directories). Then the record takes the daemon's state, so that
 * operations whose outcome was unknown become facts the following rounds check too.
 */
final class StateCheck {

    private static final long SETTLE_MILLIS = 10_000;

    private final BerthDaemon d;
    private final Acknowledged record;
    private int checks;

    StateCheck(BerthDaemon d, Acknowledged record) {
        this.d = d;
        this.record = record;
    }

    int checksMade() {
        return checks;
    }

    /** A container as the daemon shows it. */
    private record SeenContainer(String id, String name, String status, String pid, int exitCode, boolean longRunning,
                                 boolean bridged, Set<String> networks, Set<String> networkIds) {
        boolean running() {
            return status.equals("running");
        }

        String shortId() {
            return id.substring(0, 12);
        }
    }

    /** The daemon's state, read through the API. */
    private record Seen(Map<String, SeenContainer> containers, Map<String, String> networks, Set<String> images,
                        Set<String> imageIds, Set<String> layers) {
        Set<String> runningShortIds() {
            Set<String> out = new TreeSet<>();
            containers.values().stream().filter(SeenContainer::running).forEach(c -> out.add(c.shortId()));
            return out;
        }
    }

    /**
     * Checks, waiting up to 10 s for transient differences (a short container exiting now) to settle,
     * then takes the daemon's state into the record. Fails listing every problem.
     */
    void verify(String when) throws Exception {
        long deadline = System.currentTimeMillis() + SETTLE_MILLIS;
        List<String> problems;
        Seen seen;
        while (true) {
            seen = observe();
            problems = new ArrayList<>();
            checkAcknowledged(seen, problems);
            checkKernel(seen, problems);
            if (problems.isEmpty() || System.currentTimeMillis() > deadline) {
                break;
            }
            Thread.sleep(300);
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(when + ": " + problems.size() + " problem(s):\n  " + String.join("\n  ", problems)
                    + "\nlast calls (2xx: acknowledged, ?: no answer):\n" + record.recentCalls());
        }
        adopt(seen);
    }

    // ---- reading the daemon -----------------------------------------------------------------------

    private JsonNode get(String path) throws IOException {
        String[] r = d.raw("GET", path, null);
        if (!r[0].contains(" 200 ")) {
            throw new AssertionError("GET " + path + ": " + r[0] + " " + r[1]);
        }
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r[1]);
    }

    private Seen observe() throws IOException {
        Map<String, SeenContainer> containers = new TreeMap<>();
        for (JsonNode c : get("/containers/json?all=1")) {
            JsonNode i = get("/containers/" + c.path("Id").asText() + "/json");
            Set<String> networks = new TreeSet<>();
            Set<String> networkIds = new TreeSet<>();
            i.path("NetworkSettings").path("Networks").fields().forEachRemaining(n -> {
                if (n.getKey().startsWith("crashnet")) {
                    networks.add(n.getKey());
                }
                networkIds.add(n.getValue().path("NetworkID").asText());
            });
            JsonNode state = i.path("State");
            containers.put(i.path("Id").asText(), new SeenContainer(i.path("Id").asText(), i.path("Name").asText().substring(1),
                    state.path("Status").asText(), state.path("Pid").asText(), state.path("ExitCode").asInt(),
                    i.path("Config").path("Labels").path("crash.kind").asText().equals("long"),
                    i.path("HostConfig").path("NetworkMode").asText().equals("bridge"), networks, networkIds));
        }
        Map<String, String> networks = new TreeMap<>();
        for (JsonNode n : get("/networks")) {
            networks.put(n.path("Name").asText(), n.path("Id").asText());
        }
        Set<String> images = new TreeSet<>();
        Set<String> imageIds = new TreeSet<>();
        Set<String> layers = new TreeSet<>();
        for (JsonNode i : get("/images/json")) {
            i.path("RepoTags").forEach(t -> images.add(t.asText()));
            imageIds.add(hex(i.path("Id").asText()));
            get("/images/" + i.path("Id").asText() + "/json").path("RootFS").path("Layers").forEach(l -> layers.add(hex(l.asText())));
        }
        return new Seen(containers, networks, images, imageIds, layers);
    }

    private static String hex(String digest) {
        return digest.startsWith("sha256:") ? digest.substring(7) : digest;
    }

    // ---- the acknowledged operations --------------------------------------------------------------

    private void check(boolean ok, List<String> problems, String problem) {
        checks++;
        if (!ok) {
            problems.add(problem);
        }
    }

    private void checkAcknowledged(Seen seen, List<String> problems) {
        for (Acknowledged.Container c : record.containers.values()) {
            if (!record.isSure(c.name)) {
                continue;
            }
            SeenContainer s = seen.containers.get(c.id);
            check(s != null, problems, "acknowledged container " + c.name + " (" + c.id + ") is gone");
            if (s == null) {
                continue;
            }
            check(s.name.equals(c.name), problems, c.id + " is named " + s.name + ", not " + c.name);
            String is = c.name + " is " + s.status + " (pid " + s.pid + ", exit " + s.exitCode + ")";
            switch (c.expect) {
                case CREATED -> check(s.status.equals("created"), problems, is + "; acknowledged: created, never started");
                case RUNNING -> check(s.running() && (c.pid.isEmpty() || c.pid.equals(s.pid)), problems,
                        is + "; acknowledged: started, running with pid " + c.pid + " when the daemon was killed");
                case STARTED_SHORT -> check(s.running() || s.status.equals("exited") && s.exitCode == Workload.SHORT_EXIT,
                        problems, is + "; acknowledged: started, running or exited with " + Workload.SHORT_EXIT);
                case STOPPED -> check(s.status.equals("exited"), problems, is + "; acknowledged: stopped");
                case EXITED -> check(s.status.equals("exited") && s.exitCode == c.exitCode, problems,
                        is + "; acknowledged: waited for, exited with " + c.exitCode);
            }
            Set<String> expected = new TreeSet<>(c.networks);
            Set<String> actual = new TreeSet<>(s.networks);
            expected.removeIf(n -> !record.isSure(n));
            actual.removeIf(n -> !record.isSure(n));
            check(expected.equals(actual), problems, c.name + " is on networks " + actual + "; acknowledged: " + expected);
        }
        for (SeenContainer s : seen.containers.values()) {
            Acknowledged.Container c = record.containers.get(s.name);
            check(c != null && c.id.equals(s.id) || record.uncertain.contains(s.name), problems,
                    "container " + s.name + " (" + s.id + ") exists, but no create of it was acknowledged or left unanswered");
            check(Set.of("created", "running", "exited").contains(s.status), problems, s.name + " is half-done: " + s.status);
        }
        for (Map.Entry<String, String> n : record.networks.entrySet()) {
            if (record.isSure(n.getKey())) {
                check(n.getValue().equals(seen.networks.get(n.getKey())), problems,
                        "acknowledged network " + n.getKey() + " (" + n.getValue() + ") is " + seen.networks.get(n.getKey()));
            }
        }
        seen.networks.forEach((name, id) -> check(!name.startsWith("crashnet") || record.networks.containsKey(name)
                || record.uncertain.contains(name), problems, "network " + name + " exists, but no create of it was acknowledged"));
        for (String ref : record.images) {
            if (record.isSure(ref)) {
                check(seen.images.contains(ref), problems, "acknowledged image " + ref + " is gone");
            }
        }
        for (String ref : seen.images) {
            check(!ref.startsWith("crash-") || record.images.contains(ref) || record.uncertain.contains(ref), problems,
                    "image " + ref + " exists, but its " + (record.removed.contains(ref) ? "acknowledged removal was lost" : "making was not acknowledged"));
        }
        for (String gone : record.removed) {
            check(!seen.containers.containsKey(gone) && !seen.networks.containsValue(gone), problems,
                    gone + " is back after its removal was acknowledged");
        }
    }

    // ---- the kernel and the disk ------------------------------------------------------------------

    private static String[] pidFile(Path file) {
        try {
            return Files.readString(file).trim().split("\\s+");
        } catch (IOException e) {
            return new String[0];
        }
    }

    /** Field 22 of /proc/PID/stat: the start time in clock ticks since boot. */
    private static String startTime(String pid) {
        try {
            String stat = Files.readString(Path.of("/proc", pid, "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19];
        } catch (IOException | RuntimeException e) {
            return "gone";
        }
    }

    /** The host end of an endpoint's veth: "veth" and 7 hex digits of sha256("containerId/networkId"), as berthd names it. */
    private static String vethName(String containerId, String networkId) {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256")
                    .digest((containerId + "/" + networkId).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "veth" + java.util.HexFormat.of().formatHex(h).substring(0, 7);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Set<String> names(Path dir) throws IOException {
        Set<String> out = new TreeSet<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                s.forEach(p -> out.add(p.getFileName().toString()));
            }
        }
        return out;
    }

    private void checkKernel(Seen seen, List<String> problems) throws Exception {
        Path states = d.execRoot().resolve("containers");
        Set<String> monitors = new TreeSet<>();
        Set<String> running = seen.runningShortIds();
        for (SeenContainer c : seen.containers.values()) {
            if (!c.running()) {
                continue;
            }
            String[] ctr = pidFile(states.resolve(c.shortId()).resolve("container.pid"));
            String[] mon = pidFile(states.resolve(c.shortId()).resolve("monitor.pid"));
            check(ctr.length == 2 && ctr[0].equals(c.pid), problems,
                    c.name + " runs with pid " + c.pid + " but its monitor recorded " + String.join(" ", ctr));
            check(ctr.length == 2 && BerthDaemon.alive(ctr[0]) && startTime(ctr[0]).equals(ctr[1]), problems,
                    c.name + "'s process " + String.join(" ", ctr) + " is not alive with that start time");
            check(mon.length == 2 && BerthDaemon.alive(mon[0]) && startTime(mon[0]).equals(mon[1]), problems,
                    c.name + "'s monitor " + String.join(" ", mon) + " is not alive with that start time");
            if (mon.length == 2) {
                monitors.add(mon[0]);
            }
        }
        Set<String> runningIds = new TreeSet<>();
        seen.containers.values().stream().filter(SeenContainer::running).forEach(c -> runningIds.add(c.id));
        for (Path hierarchy : d.cgroupDirs()) {
            Set<String> cgroups = new TreeSet<>();
            names(hierarchy).stream().filter(n -> Files.isDirectory(hierarchy.resolve(n))).forEach(cgroups::add);
            check(cgroups.equals(runningIds), problems, "container cgroups " + cgroups + " in " + hierarchy
                    + " are not those of the running containers " + runningIds);
        }
        for (String state : names(states)) {
            check(running.contains(state), problems, "monitor state " + state + " of a container that does not run");
        }
        List<Long> processes = d.processesMentioningRoot();
        processes.remove(Long.valueOf(d.pid()));
        for (long pid : processes) {
            check(monitors.contains(Long.toString(pid)), problems, "process " + pid + " is no running container's monitor: "
                    + d.leftoverProcesses());
        }
        Map<String, String> links = d.linkMarks();
        Map<String, String> endpoints = new TreeMap<>();
        for (SeenContainer c : seen.containers.values()) {
            if (c.running() && c.bridged) {
                c.networkIds.forEach(n -> endpoints.put(vethName(c.id, n), c.name + " on " + n));
            }
        }
        endpoints.forEach((veth, endpoint) -> check(links.getOrDefault(veth, "").startsWith("endpoint:"), problems,
                "the endpoint of " + endpoint + " has no veth " + veth + " on the host"));
        links.forEach((link, mark) -> {
            String[] m = mark.split(":");
            if (m[0].equals("endpoint")) {
                check(m.length > 1 && running.contains(m[1]), problems, "veth " + link + " (" + mark + ") of a container that does not run");
                check(endpoints.containsKey(link), problems, "veth " + link + " (" + mark + ") is no endpoint the daemon shows");
            } else if (m[0].equals("network")) {
                check(m.length > 1 && seen.networks.values().stream().anyMatch(id -> id.startsWith(m[1])), problems,
                        "bridge " + link + " (" + mark + ") of a network that does not exist");
            }
        });
        for (String handle : names(d.execRoot().resolve("netns"))) {
            check(running.contains(handle), problems, "network namespace handle " + handle + " of a container that does not run");
        }
        for (String mount : d.mountsUnderRoot()) {
            Path p = Path.of(mount);
            check(p.getParent().equals(d.execRoot().resolve("netns")) && running.contains(p.getFileName().toString()),
                    problems, "mount " + mount + " belongs to no running container");
        }
        Set<String> ids = seen.containers.keySet();
        Set<String> containerDirs = names(d.dataRoot().resolve("containers"));
        Set<String> containerLayers = names(d.dataRoot().resolve("storage/overlay/containers"));
        check(containerDirs.equals(ids), problems, "container directories " + containerDirs + " are not the containers " + ids);
        check(containerLayers.equals(ids), problems, "container layers " + containerLayers + " are not the containers " + ids);
        Set<String> layers = names(d.dataRoot().resolve("storage/overlay/layers"));
        layers.remove("l");
        check(layers.equals(seen.layers), problems, "layers on disk " + layers + " are not those of the images " + seen.layers);
        Set<String> configs = names(d.dataRoot().resolve("image/blobs/sha256"));
        check(configs.equals(seen.imageIds), problems, "image configs on disk " + configs + " are not the images " + seen.imageIds);
    }

    // ---- taking the daemon's state ----------------------------------------------------------------

    /** The daemon's state, checked, becomes the record: outcomes that were unknown are now known. */
    private void adopt(Seen seen) {
        record.containers.clear();
        for (SeenContainer s : seen.containers.values()) {
            Acknowledged.Container c = new Acknowledged.Container(s.name, s.id, s.longRunning, s.bridged);
            c.networks.addAll(s.networks);
            switch (s.status) {
                case "created" -> c.expect = Expect.CREATED;
                case "running" -> {
                    c.expect = s.longRunning ? Expect.RUNNING : Expect.STARTED_SHORT;
                    c.pid = s.pid;
                }
                default -> {
                    c.expect = s.longRunning ? Expect.STOPPED : Expect.EXITED;
                    c.exitCode = s.exitCode;
                }
            }
            record.containers.put(s.name, c);
        }
        record.networks.clear();
        seen.networks.forEach((name, id) -> {
            if (name.startsWith("crashnet")) {
                record.networks.put(name, id);
            }
        });
        record.images.clear();
        seen.images.stream().filter(i -> i.startsWith("crash-")).forEach(record.images::add);
        record.uncertain.clear();
    }
}
