package io.berth.it.crash;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.it.BerthDaemon;
import io.berth.it.crash.Acknowledged.Expect;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The crash test's random operations, driven through the Docker API on the daemon's socket (raw HTTP;
 * imports through the docker CLI), each recorded in {@link Acknowledged} by its answer. Operations only
 * touch what the record is sure of; the same seed gives the same choices.
 */
final class Workload {

    /** The operations, each with the event its command appends last (to aim a crash point at it). */
    enum Op {
        CREATE, START, STOP, KILL, REMOVE, RUN_SHORT, NETWORK_CREATE, CONNECT, DISCONNECT, NETWORK_REMOVE,
        IMPORT, TAG, UNTAG, REMOVE_IMAGE
    }

    static final String LONG_RUNNING = "sleep 100000";
    static final int SHORT_EXIT = 3;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_CONTAINERS = 10;
    private static final int MAX_NETWORKS = 3;
    private static final int MAX_IMAGES = 3;

    private final BerthDaemon d;
    private final Random random;
    final Acknowledged record = new Acknowledged();
    private final Path tars;
    private int seq;

    Workload(BerthDaemon d, Random random) throws IOException {
        this.d = d;
        this.random = random;
        this.tars = Files.createDirectories(d.root.resolve("crash-tars"));
    }

    /** A reply: its status code (0: none, the daemon died or closed the connection) and body. */
    record Reply(int code, String body) {
        boolean ok() {
            return code >= 200 && code < 300;
        }

        /** A definite refusal: the daemon decided and changed nothing. */
        boolean refused() {
            return code >= 400 && code < 500;
        }

        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }

        @Override
        public String toString() {
            return code == 0 ? "no answer" : code + " " + body.trim();
        }
    }

    Reply call(String method, String path, Object body) {
        try {
            String[] r = d.raw(method, path, body == null ? null : body.toString());
            String[] status = r[0].split(" ");
            return status.length < 2 ? new Reply(0, "") : new Reply(Integer.parseInt(status[1]), r[1]);
        } catch (IOException | RuntimeException e) {
            return new Reply(0, e.toString());
        }
    }

    // ---- choosing ---------------------------------------------------------------------------------

    /** A random operation that can run against what the record is sure of. */
    Op pick() {
        List<Op> choices = new ArrayList<>();
        add(choices, Op.CREATE, sure(c -> true).size() < MAX_CONTAINERS ? 4 : 0);
        add(choices, Op.START, sure(c -> !c.mayRun()).isEmpty() ? 0 : 4);
        add(choices, Op.STOP, sure(c -> c.expect == Expect.RUNNING).isEmpty() ? 0 : 2);
        add(choices, Op.KILL, sure(c -> c.expect == Expect.RUNNING).isEmpty() ? 0 : 1);
        add(choices, Op.REMOVE, sure(c -> true).size() > MAX_CONTAINERS - 3 ? 4 : sure(c -> true).isEmpty() ? 0 : 1);
        add(choices, Op.RUN_SHORT, sure(c -> true).size() < MAX_CONTAINERS ? 1 : 0);
        add(choices, Op.NETWORK_CREATE, sureNetworks().size() < MAX_NETWORKS ? 1 : 0);
        add(choices, Op.CONNECT, connectable().isEmpty() ? 0 : 2);
        add(choices, Op.DISCONNECT, members().isEmpty() ? 0 : 1);
        add(choices, Op.NETWORK_REMOVE, sureNetworks().isEmpty() ? 0 : 1);
        add(choices, Op.IMPORT, sureImages("crash-img:").size() < MAX_IMAGES ? 1 : 0);
        add(choices, Op.TAG, sureImages("crash-tag:").size() < MAX_IMAGES ? 1 : 0);
        add(choices, Op.UNTAG, sureImages("crash-tag:").isEmpty() ? 0 : 1);
        add(choices, Op.REMOVE_IMAGE, sureImages("crash-img:").isEmpty() ? 0 : 1);
        return choices.get(random.nextInt(choices.size()));
    }

    /** Whether {@code op} has something to work on now. */
    boolean possible(Op op) {
        return switch (op) {
            case START -> !sure(c -> !c.mayRun()).isEmpty();
            case STOP, KILL -> !sure(c -> c.expect == Expect.RUNNING).isEmpty();
            case REMOVE -> !sure(c -> true).isEmpty();
            case CONNECT -> !connectable().isEmpty();
            case DISCONNECT -> !members().isEmpty();
            case NETWORK_REMOVE -> !sureNetworks().isEmpty();
            case UNTAG -> !sureImages("crash-tag:").isEmpty();
            case REMOVE_IMAGE -> !sureImages("crash-img:").isEmpty();
            default -> true;
        };
    }

    /** What must exist before {@code op} can run. */
    Op prerequisite(Op op) {
        return switch (op) {
            case START, REMOVE -> Op.CREATE;
            case STOP, KILL -> sure(c -> c.longRunning && !c.mayRun()).isEmpty() ? Op.CREATE : Op.START;
            case CONNECT -> sureNetworks().isEmpty() ? Op.NETWORK_CREATE : Op.CREATE;
            case DISCONNECT -> possible(Op.CONNECT) ? Op.CONNECT : Op.NETWORK_CREATE;
            case NETWORK_REMOVE -> Op.NETWORK_CREATE;
            case UNTAG -> Op.TAG;
            case REMOVE_IMAGE -> Op.IMPORT;
            default -> op;
        };
    }

    private static void add(List<Op> choices, Op op, int weight) {
        for (int i = 0; i < weight; i++) {
            choices.add(op);
        }
    }

    private List<Acknowledged.Container> sure(java.util.function.Predicate<Acknowledged.Container> p) {
        return record.containers.values().stream().filter(c -> record.isSure(c.name) && p.test(c)).toList();
    }

    private List<String> sureNetworks() {
        return record.networks.keySet().stream().filter(record::isSure).toList();
    }

    private List<String> sureImages(String prefix) {
        return record.images.stream().filter(i -> i.startsWith(prefix) && record.isSure(i)).toList();
    }

    private List<String[]> connectable() {
        List<String[]> out = new ArrayList<>();
        for (Acknowledged.Container c : sure(c -> c.bridged)) {
            for (String n : sureNetworks()) {
                if (!c.networks.contains(n)) {
                    out.add(new String[] {c.name, n});
                }
            }
        }
        return out;
    }

    private List<String[]> members() {
        List<String[]> out = new ArrayList<>();
        for (Acknowledged.Container c : sure(c -> true)) {
            for (String n : c.networks) {
                if (record.isSure(n)) {
                    out.add(new String[] {c.name, n});
                }
            }
        }
        return out;
    }

    private <T> T any(List<T> list) {
        return list.get(random.nextInt(list.size()));
    }

    // ---- running ----------------------------------------------------------------------------------

    /** Runs {@code op}; false when a call got no answer. */
    boolean run(Op op) throws Exception {
        return switch (op) {
            case CREATE -> create(random.nextInt(4) != 0, random.nextInt(4) != 0) != null;
            case START -> start(any(sure(c -> !c.mayRun())));
            case STOP -> stop(any(sure(c -> c.expect == Expect.RUNNING)), "stop", "/stop?t=" + random.nextInt(2));
            case KILL -> stop(any(sure(c -> c.expect == Expect.RUNNING)), "kill", "/kill");
            case REMOVE -> remove(any(sure(c -> true)));
            case RUN_SHORT -> runShort();
            case NETWORK_CREATE -> networkCreate();
            case CONNECT -> connect(any(connectable()), true);
            case DISCONNECT -> connect(any(members()), false);
            case NETWORK_REMOVE -> networkRemove(any(sureNetworks()));
            case IMPORT -> importImage();
            case TAG -> tag();
            case UNTAG -> removeImage("untag", any(sureImages("crash-tag:")));
            case REMOVE_IMAGE -> removeImage("rmi", any(sureImages("crash-img:")));
        };
    }

    /** Records the reply of {@code op}: {@code onOk} when 2xx; uncertain {@code touched} when unanswered. */
    private boolean outcome(String op, String what, Reply r, Supplier<Boolean> onOk, String... touched) {
        if (r.ok()) {
            record.acknowledged(op, what);
            return onOk.get();
        }
        if (r.refused()) {
            record.rejected(op, what, r.toString());
            return true;
        }
        record.unanswered(op, what, r.toString(), touched);
        return r.code() != 0;
    }

    private Acknowledged.Container create(boolean longRunning, boolean bridged) throws IOException {
        String name = "c" + (++seq);
        ObjectNode body = JSON.createObjectNode().put("Image", "busybox");
        body.putArray("Cmd").add("sh").add("-c").add(longRunning ? LONG_RUNNING : "sleep 0.3; exit " + SHORT_EXIT);
        body.putObject("Labels").put("crash.seq", Integer.toString(seq)).put("crash.kind", longRunning ? "long" : "short");
        body.putObject("HostConfig").put("NetworkMode", bridged ? "bridge" : "none");
        Reply r = call("POST", "/containers/create?name=" + name, body);
        Acknowledged.Container[] made = new Acknowledged.Container[1];
        outcome("create", name, r, () -> {
            try {
                made[0] = new Acknowledged.Container(name, r.json().path("Id").asText(), longRunning, bridged);
            } catch (IOException e) {
                throw new AssertionError("create answered 2xx without an id: " + r, e);
            }
            record.containers.put(name, made[0]);
            return true;
        }, name);
        return made[0];
    }

    private boolean start(Acknowledged.Container c) {
        Reply r = call("POST", "/containers/" + c.id + "/start", null);
        return outcome("start", c.name, r, () -> {
            c.expect = c.longRunning ? Expect.RUNNING : Expect.STARTED_SHORT;
            c.pid = "";
            Reply inspect = call("GET", "/containers/" + c.id + "/json", null);
            if (inspect.ok() && c.longRunning) {
                try {
                    c.pid = inspect.json().path("State").path("Pid").asText();
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }
            return inspect.code() != 0;
        }, c.name);
    }

    private boolean stop(Acknowledged.Container c, String op, String path) {
        Reply r = call("POST", "/containers/" + c.id + path, null);
        return outcome(op, c.name, r, () -> {
            c.expect = Expect.STOPPED;
            c.pid = "";
            return true;
        }, c.name);
    }

    private boolean remove(Acknowledged.Container c) {
        Reply r = call("DELETE", "/containers/" + c.id + "?force=1", null);
        return outcome("rm -f", c.name, r, () -> {
            record.containers.remove(c.name);
            record.removed.add(c.id);
            return true;
        }, c.name);
    }

    /** create, start and wait for a short-lived container: a run. */
    private boolean runShort() throws IOException {
        Acknowledged.Container c = create(false, random.nextBoolean());
        if (c == null) {
            return d.process().isAlive();
        }
        if (!start(c) || c.expect != Expect.STARTED_SHORT) {
            return d.process().isAlive();
        }
        Reply r = call("POST", "/containers/" + c.id + "/wait", null);
        // wait sends its 200 at once and the status at the exit: a 200 without a status is no answer
        JsonNode status = r.ok() ? parse(r.body()).path("StatusCode") : null;
        Reply answer = status == null || status.isInt() ? r : new Reply(0, r.body());
        return outcome("wait", c.name, answer, () -> {
            c.exitCode = status.asInt();
            c.expect = Expect.EXITED;
            return true;
        }, c.name);
    }

    private static JsonNode parse(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            return n == null ? JSON.createObjectNode() : n;
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private boolean networkCreate() {
        String name = "crashnet" + (++seq);
        ObjectNode body = JSON.createObjectNode().put("Name", name).put("Driver", "bridge");
        body.putObject("Labels").put("crash.seq", Integer.toString(seq));
        Reply r = call("POST", "/networks/create", body);
        return outcome("network create", name, r, () -> {
            try {
                record.networks.put(name, r.json().path("Id").asText());
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            return true;
        }, name);
    }

    private boolean connect(String[] pair, boolean connect) {
        Acknowledged.Container c = record.containers.get(pair[0]);
        String net = pair[1];
        ObjectNode body = JSON.createObjectNode().put("Container", c.id);
        String op = connect ? "connect" : "disconnect";
        Reply r = call("POST", "/networks/" + record.networks.get(net) + "/" + op, body);
        return outcome("network " + op, c.name + " " + net, r, () -> {
            if (connect) {
                c.networks.add(net);
            } else {
                c.networks.remove(net);
            }
            return true;
        }, c.name, net);
    }

    private boolean networkRemove(String net) {
        String id = record.networks.get(net);
        Reply r = call("DELETE", "/networks/" + id, null);
        return outcome("network rm", net, r, () -> {
            record.networks.remove(net);
            // allowed without running members: the containers that are not running leave it
            record.containers.values().forEach(c -> c.networks.remove(net));
            record.removed.add(id);
            return true;
        }, net);
    }

    /** docker import (the CLI) of a small root filesystem tar of its own content: a new layer each time. */
    private boolean importImage() throws Exception {
        String ref = "crash-img:" + (++seq);
        Path tar = tars.resolve(seq + ".tar");
        writeRootfs(tar, seq);
        BerthDaemon.Result r = d.docker("import", tar.toString(), ref);
        Files.delete(tar);
        Reply reply = new Reply(r.code() == 0 ? 200 : 0, r.all());
        return outcome("docker import", ref, reply, () -> {
            record.images.add(ref);
            return true;
        }, ref) || d.process().isAlive();
    }

    /** A root filesystem of 200 small files (so that a kill half way through the unpack leaves some). */
    private static void writeRootfs(Path tar, int seq) throws IOException {
        try (OutputStream out = Files.newOutputStream(tar); TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            TarArchiveEntry dir = new TarArchiveEntry("data/");
            t.putArchiveEntry(dir);
            t.closeArchiveEntry();
            for (int i = 0; i < 200; i++) {
                byte[] content = ("file " + i + " of import " + seq + "\n").repeat(40).getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry e = new TarArchiveEntry("data/f" + i);
                e.setSize(content.length);
                t.putArchiveEntry(e);
                t.write(content);
                t.closeArchiveEntry();
            }
        }
    }

    private boolean tag() {
        String ref = "crash-tag:" + (++seq);
        Reply r = call("POST", "/images/busybox:latest/tag?repo=crash-tag&tag=" + seq, null);
        return outcome("tag", ref, r, () -> {
            record.images.add(ref);
            return true;
        }, ref);
    }

    private boolean removeImage(String op, String ref) {
        Reply r = call("DELETE", "/images/" + ref, null);
        return outcome(op, ref, r, () -> {
            record.images.remove(ref);
            record.removed.add(ref);
            return true;
        }, ref);
    }
}
