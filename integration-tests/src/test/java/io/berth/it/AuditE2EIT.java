package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The audit trail through real clients: docker CLI calls are recorded with the caller's uid, pid and
 * command name, refusals with their message, reads only with --audit-reads; passwords (docker login, the
 * X-Registry-Auth of a push, a POST /auth) are written nowhere under the data root; berth audit filters;
 * berth audit verify passes, then fails naming the record once a record is edited or a line deleted, both
 * through the daemon and straight from the files.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuditE2EIT extends E2E {

    static final ObjectMapper JSON = new ObjectMapper();

    static List<JsonNode> records(BerthDaemon daemon, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("audit", "--json"));
        args.addAll(List.of(flags));
        List<JsonNode> out = new ArrayList<>();
        for (String line : daemon.berth(args.toArray(String[]::new)).ok().out().split("\n")) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    static JsonNode only(List<JsonNode> records, String method, String path) {
        List<JsonNode> hits = records.stream()
                .filter(r -> r.path("method").asText().equals(method) && r.path("path").asText().equals(path)).toList();
        assertEquals(1, hits.size(), method + " " + path + " once in " + records);
        return hits.get(0);
    }

    /** Runs the docker CLI and returns its pid (the audit must name that process). */
    static long dockerPid(String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(d.cmd("docker", args)).redirectErrorStream(true);
        pb.environment().putAll(d.dockerEnv());
        Process p = pb.start();
        p.getInputStream().readAllBytes();
        p.waitFor();
        return p.pid();
    }

    @Test
    @Order(1)
    void stateChangingCallsAreRecordedWithTheirCallerAndOutcome() throws Exception {
        String name = name("audited");
        d.docker("run", "--name", name, "busybox", "true").ok();
        d.docker("rm", name).ok();
        long pid = dockerPid("rm", "nosuch");

        List<JsonNode> all = records(d);
        assertTrue(all.stream().noneMatch(r -> r.path("method").asText().matches("GET|HEAD")),
                "no reads without --audit-reads: " + all);
        JsonNode create = only(all, "POST", "/containers/create");
        assertEquals("name=" + name, create.path("query").asText());
        assertEquals(201, create.path("status").asInt());
        assertEquals("accepted", create.path("outcome").asText());
        assertEquals("call", create.path("type").asText());
        assertEquals("unix", create.path("caller").path("origin").asText());
        assertEquals(0, create.path("caller").path("uid").asInt());
        assertEquals(0, create.path("caller").path("gid").asInt());
        assertEquals("docker", create.path("caller").path("command").asText());
        assertTrue(create.path("requestId").asText().matches("[0-9a-f-]{36}"), create.toString());
        assertTrue(create.path("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z"), create.toString());
        assertTrue(create.path("apiVersion").asText().matches("1\\.\\d+"), create.toString());
        // the attach of docker run takes the connection over: recorded when it is
        JsonNode attach = all.stream().filter(r -> r.path("path").asText().endsWith("/attach")).findFirst().orElseThrow();
        assertTrue(List.of(101, 200).contains(attach.path("status").asInt()), attach.toString());
        assertEquals(204, only(all, "DELETE", "/containers/" + name).path("status").asInt());

        JsonNode refused = only(all, "DELETE", "/containers/nosuch");
        assertEquals(404, refused.path("status").asInt());
        assertEquals("rejected", refused.path("outcome").asText());
        assertTrue(refused.path("error").asText().contains("No such container: nosuch"), refused.toString());
        assertEquals(pid, refused.path("caller").path("pid").asLong(), "the docker CLI's own pid");
        assertEquals("docker", refused.path("caller").path("command").asText());

        List<JsonNode> rejected = records(d, "--filter", "outcome=rejected");
        assertFalse(rejected.isEmpty());
        assertTrue(rejected.stream().allMatch(r -> r.path("outcome").asText().equals("rejected")), rejected.toString());
        assertTrue(rejected.stream().anyMatch(r -> r.path("path").asText().equals("/containers/nosuch")), rejected.toString());
        List<JsonNode> byPid = records(d, "--filter", "pid=" + pid, "--filter", "method=DELETE");
        assertEquals(1, byPid.size(), byPid.toString());
        assertTrue(records(d, "--since", "2000-01-01T00:00:00Z", "--until", "2001-01-01T00:00:00Z").isEmpty());
        assertEquals(all.size(), records(d, "--since", "10m").size());

        String table = d.berth("audit", "--filter", "path=/containers/nosuch").ok().out();
        assertTrue(table.startsWith("SEQ "), table);
        assertTrue(table.matches("(?s).*DELETE\\s+/containers/nosuch\\s+404\\s+rejected\\s+No such container: nosuch.*"), table);

        BerthDaemon.Result bad = d.berth("audit", "--filter", "color=red");
        assertEquals(1, bad.code(), bad.all());
        assertTrue(bad.err().contains("invalid filter 'color'"), bad.err());
    }

    @Test
    @Order(2)
    void passwordsAreWrittenNowhere() throws Exception {
        byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        String password = "pw-" + HexFormat.of().formatHex(random);
        String user = "auditor";
        try (DockerRegistry secure = DockerRegistry.withUser(user, password)) {
            String server = secure.address();
            BerthDaemon.Result wrong = d.dockerIn("x" + password + "\n", "login", "-u", user, "--password-stdin", server);
            assertEquals(1, wrong.code(), wrong.all());
            d.dockerIn(password + "\n", "login", "-u", user, "--password-stdin", server).ok();
            d.docker("tag", "busybox", server + "/audited:v1").ok();
            d.docker("push", server + "/audited:v1").ok(); // its X-Registry-Auth carries the password
        }
        String[] auth = d.raw("POST", "/v1.47/auth", "{\"username\":\"u\",\"password\":\"" + password
                + "\",\"serveraddress\":\"127.0.0.1:1\"}");
        assertFalse(auth[0].contains(" 200 "), auth[0]);

        List<JsonNode> all = records(d);
        List<JsonNode> logins = all.stream().filter(r -> r.path("path").asText().equals("/auth")).toList();
        assertEquals(3, logins.size(), all.toString());
        assertEquals(List.of("rejected", "accepted"), logins.subList(0, 2).stream().map(r -> r.path("outcome").asText()).toList());
        assertEquals("accepted", all.stream().filter(r -> r.path("path").asText().endsWith("/push")).findFirst()
                .orElseThrow().path("outcome").asText());

        List<byte[]> secrets = List.of(password.getBytes(StandardCharsets.UTF_8),
                Base64.getEncoder().encode((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        List<Path> files;
        try (Stream<Path> walk = Files.walk(d.dataRoot())) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertTrue(files.stream().anyMatch(p -> p.toString().contains("/audit/")), files.toString());
        assertTrue(files.stream().anyMatch(p -> p.toString().contains("/events/")), files.toString());
        for (Path f : files) {
            byte[] content = Files.readAllBytes(f);
            for (byte[] secret : secrets) {
                assertFalse(contains(content, secret), "a secret in " + f);
            }
        }
    }

    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Test
    @Order(3)
    void readsAreRecordedWithAuditReads() throws Exception {
        try (BerthDaemon reads = BerthDaemon.launch("--audit-reads")) {
            reads.docker("ps").ok();
            reads.docker("rm", "nosuch");
            List<JsonNode> gets = records(reads, "--filter", "method=GET", "--filter", "command=docker");
            assertTrue(gets.stream().anyMatch(r -> r.path("path").asText().equals("/containers/json")
                    && r.path("status").asInt() == 200 && r.path("outcome").asText().equals("accepted")), gets.toString());
            assertTrue(records(reads).stream().anyMatch(r -> r.path("path").asText().equals("/containers/nosuch")));
            // the CLI's own reads of the trail are reads too
            assertTrue(records(reads, "--filter", "path=/berth/audit").size() >= 2);
            assertEquals(0, reads.berth("audit", "verify").code());
        }
    }

    @Test
    @Order(4)
    void verifyFindsAnEditedRecordAndADeletedLine() throws Exception {
        Path dir = d.dataRoot().resolve("audit");
        BerthDaemon.Result ok = d.berth("audit", "verify").ok();
        assertTrue(ok.out().startsWith("audit trail intact: "), ok.out());
        assertTrue(ok.out().matches("(?s).*head: seq \\d+ hash [0-9a-f]{64}\n"), ok.out());
        assertTrue(d.berth("audit", "verify", "--dir", dir.toString()).ok().out().startsWith("audit trail intact: "));

        Path file = dir.resolve("audit-00000000000000000000.jsonl");
        List<String> original = Files.readAllLines(file);
        int at = -1;
        for (int i = 0; i < original.size(); i++) {
            if (original.get(i).contains("\"path\":\"/containers/nosuch\"")) {
                at = i;
                break;
            }
        }
        assertTrue(at > 0, original.toString());
        long seq = JSON.readTree(original.get(at)).path("seq").asLong();
        String where = "audit trail TAMPERED: " + file.getFileName() + " line " + (at + 1) + " (seq " + seq + "): ";

        List<String> edited = new ArrayList<>(original);
        edited.set(at, edited.get(at).replace("\"status\":404", "\"status\":204"));
        Files.write(file, edited);
        for (BerthDaemon.Result r : List.of(d.berth("audit", "verify"), d.berth("audit", "verify", "--dir", dir.toString()))) {
            assertEquals(1, r.code(), r.all());
            assertTrue(r.err().startsWith(where + "edited"), r.err());
        }

        List<String> deleted = new ArrayList<>(original);
        deleted.remove(at);
        Files.write(file, deleted);
        BerthDaemon.Result gap = d.berth("audit", "verify", "--dir", dir.toString());
        assertEquals(1, gap.code(), gap.all());
        assertTrue(gap.err().startsWith("audit trail TAMPERED: " + file.getFileName() + " line " + (at + 1)
                + " (seq " + (seq + 1) + "): record " + seq + " was removed"), gap.err());

        Files.write(file, original);
        assertEquals(0, d.berth("audit", "verify").code());
    }

    @Test
    @Order(5)
    void aCallCutOffBeforeItsAnswerIsAbortedAndTheChainSurvivesKill9() throws Exception {
        try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.connect(java.net.UnixDomainSocketAddress.of(d.socket()));
            String head = "POST /v1.47/containers/create?name=never HTTP/1.1\r\nHost: x\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"Ima";
            ch.write(java.nio.ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
            Thread.sleep(200);
        }
        JsonNode aborted = null;
        for (int i = 0; i < 50 && aborted == null; i++) {
            aborted = records(d, "--filter", "outcome=aborted").stream()
                    .filter(r -> r.path("query").asText().equals("name=never")).findFirst().orElse(null);
            Thread.sleep(100);
        }
        assertTrue(aborted != null, "an aborted record for the cut-off create");
        assertEquals(0, aborted.path("status").asInt(), aborted.toString());
        assertEquals("/containers/create", aborted.path("path").asText());

        long head = records(d).stream().mapToLong(r -> r.path("seq").asLong()).max().orElseThrow();
        d.kill9();
        d.start(null);
        d.docker("rm", "after-restart").fails();
        JsonNode after = only(records(d), "DELETE", "/containers/after-restart");
        assertEquals(head + 1, after.path("seq").asLong(), "the chain goes on after the last record");
        BerthDaemon.Result ok = d.berth("audit", "verify").ok();
        assertTrue(ok.out().startsWith("audit trail intact: "), ok.out());
    }
}
