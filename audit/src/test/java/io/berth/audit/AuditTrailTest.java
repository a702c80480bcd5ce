package io.berth.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trail's chain, its files, restarts, retention, and what the verifier finds when the files are changed. */
class AuditTrailTest {

    /** Small files: about three records each. */
    static final long SMALL = 1000;

    @TempDir
    Path dir;

    static AuditRecord call(int i, Instant time) {
        int status = i % 3 == 0 ? 404 : 201;
        return new AuditRecord(time, "req-" + i, new AuditRecord.Caller("unix", 0, 0, 1000 + i, "docker"), "POST",
                "/containers/c" + i + "/start", "", "1.47", status, AuditRecord.Outcome.of(status),
                status == 404 ? "No such container: c" + i : null, 120 + i);
    }

    /** Appends {@code n} calls (numbered from {@code from}) to the trail in {@link #dir} and closes it. */
    void appendCalls(int from, int n, long segmentBytes) throws IOException {
        try (AuditTrail trail = AuditTrail.open(dir, segmentBytes, false)) {
            for (int i = from; i < from + n; i++) {
                trail.append(call(i, Instant.now()));
            }
        }
    }

    List<Path> files() throws IOException {
        List<Path> out = new ArrayList<>();
        Segments.list(dir).forEach(s -> out.add(s.path()));
        return out;
    }

    static List<String> lines(Path file) throws IOException {
        return new ArrayList<>(Files.readAllLines(file));
    }

    static void write(Path file, List<String> lines) throws IOException {
        Files.writeString(file, lines.isEmpty() ? "" : String.join("\n", lines) + "\n");
    }

    AuditVerifier.Result verify() throws IOException {
        return AuditVerifier.verify(dir);
    }

    static void assertTampered(AuditVerifier.Result r, String file, long line, String words) {
        assertFalse(r.ok(), r.describe());
        assertEquals(file, r.problem().file(), r.describe());
        assertEquals(line, r.problem().line(), r.describe());
        assertTrue(r.problem().message().contains(words), r.describe());
        assertTrue(r.describe().startsWith("audit trail TAMPERED: " + file + " line " + line), r.describe());
    }

    @Test
    void recordsAreChainedAndVerify() throws Exception {
        appendCalls(0, 5, AuditTrail.DEFAULT_SEGMENT_BYTES);
        List<Path> files = files();
        assertEquals(1, files.size());
        assertEquals("audit-00000000000000000000.jsonl", files.get(0).getFileName().toString());
        List<String> lines = lines(files.get(0));
        assertEquals(5, lines.size());
        String prev = Chain.GENESIS;
        for (int i = 0; i < 5; i++) {
            JsonNode r = Chain.JSON.readTree(lines.get(i));
            assertEquals(i, r.path("seq").asLong());
            assertEquals("call", r.path("type").asText());
            assertEquals(prev, r.path("prev").asText());
            assertEquals("docker", r.path("caller").path("command").asText());
            assertEquals(1000 + i, r.path("caller").path("pid").asInt());
            assertEquals(i % 3 == 0 ? "rejected" : "accepted", r.path("outcome").asText());
            assertTrue(r.path("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z"), lines.get(i));
            prev = r.path("hash").asText();
        }
        AuditVerifier.Result r = verify();
        assertTrue(r.ok(), r.describe());
        assertEquals(5, r.records());
        assertEquals(0, r.firstSeq());
        assertEquals(4, r.headSeq());
        assertEquals(prev, r.headHash());
        assertTrue(r.describe().contains("head: seq 4 hash " + prev), r.describe());
    }

    @Test
    void aRestartContinuesTheChain() throws Exception {
        appendCalls(0, 3, AuditTrail.DEFAULT_SEGMENT_BYTES);
        appendCalls(3, 2, AuditTrail.DEFAULT_SEGMENT_BYTES);
        appendCalls(5, 4, SMALL); // and across files
        AuditVerifier.Result r = verify();
        assertTrue(r.ok(), r.describe());
        assertEquals(9, r.records());
        assertEquals(8, r.headSeq());
        assertTrue(files().size() > 1, files().toString());
    }

    @Test
    void anEditedFieldIsFound() throws Exception {
        appendCalls(0, 5, AuditTrail.DEFAULT_SEGMENT_BYTES);
        Path file = files().get(0);
        List<String> lines = lines(file);
        lines.set(2, lines.get(2).replace("\"uid\":0", "\"uid\":1000"));
        write(file, lines);
        assertTampered(verify(), file.getFileName().toString(), 3, "edited");
        assertEquals(2, verify().problem().seq());
    }

    @Test
    void anEditResealedWithItsOwnHashBreaksTheNextLink() throws Exception {
        appendCalls(0, 5, AuditTrail.DEFAULT_SEGMENT_BYTES);
        Path file = files().get(0);
        List<String> lines = lines(file);
        ObjectNode body = Chain.open(lines.get(1)).body();
        body.put("status", 500);
        lines.set(1, Chain.seal(body).line());
        write(file, lines);
        assertTampered(verify(), file.getFileName().toString(), 3, "does not chain to seq 1");
    }

    @Test
    void aDeletedLineIsFound() throws Exception {
        appendCalls(0, 5, AuditTrail.DEFAULT_SEGMENT_BYTES);
        Path file = files().get(0);
        List<String> lines = lines(file);
        lines.remove(2);
        write(file, lines);
        assertTampered(verify(), file.getFileName().toString(), 3, "record 2 was removed");
    }

    @Test
    void swappedLinesAreFound() throws Exception {
        appendCalls(0, 5, AuditTrail.DEFAULT_SEGMENT_BYTES);
        Path file = files().get(0);
        List<String> lines = lines(file);
        String second = lines.get(1);
        lines.set(1, lines.get(2));
        lines.set(2, second);
        write(file, lines);
        assertTampered(verify(), file.getFileName().toString(), 2, "seq 2 follows seq 0");
    }

    @Test
    void aRemovedMiddleFileIsFound() throws Exception {
        appendCalls(0, 12, SMALL);
        List<Path> files = files();
        assertTrue(files.size() >= 3, files.toString());
        long secondStarts = Segments.list(dir).get(1).firstSeq();
        long thirdStarts = Segments.list(dir).get(2).firstSeq();
        Files.delete(files.get(1));
        assertTampered(verify(), files.get(2).getFileName().toString(), 1,
                "records " + secondStarts + " to " + (thirdStarts - 1) + " were removed");
    }

    @Test
    void oldestFilesRemovedByHandAreNotRetention() throws Exception {
        appendCalls(0, 12, SMALL);
        List<Path> files = files();
        Files.delete(files.get(0));
        AuditVerifier.Result r = verify();
        assertTampered(r, files.get(1).getFileName().toString(), 1, "no retention checkpoint accounts for them");
    }

    @Test
    void aTornLastLineIsANoteAndTheNextStartCutsItOffAndSaysSo() throws Exception {
        appendCalls(0, 4, AuditTrail.DEFAULT_SEGMENT_BYTES);
        Path file = files().get(0);
        String torn = "{\"seq\":4,\"time\":\"2026-";
        Files.writeString(file, torn, StandardOpenOption.APPEND);
        AuditVerifier.Result before = verify();
        assertTrue(before.ok(), before.describe());
        assertEquals(1, before.notes().size(), before.describe());
        assertTrue(before.notes().get(0).contains("line 5, " + torn.length() + " bytes) is incomplete"), before.describe());

        appendCalls(4, 2, AuditTrail.DEFAULT_SEGMENT_BYTES);
        AuditVerifier.Result after = verify();
        assertTrue(after.ok(), after.describe());
        assertTrue(after.notes().isEmpty(), after.describe());
        assertEquals(7, after.records(), "4 calls, the recovery, 2 calls");
        JsonNode recovered = Chain.JSON.readTree(lines(file).get(4));
        assertEquals("recovered", recovered.path("type").asText());
        assertEquals(4, recovered.path("seq").asLong());
        assertEquals(torn.length(), recovered.path("tornBytes").asInt());
        assertEquals(Chain.sha256(torn), recovered.path("tornSha256").asText());
        assertFalse(Files.readString(file).contains(torn + "\n"), "the torn bytes are gone");
    }

    @Test
    void retentionDropsOldestFilesAndItsCheckpointVerifies() throws Exception {
        appendCalls(0, 15, SMALL);
        List<Segments.Segment> before = Segments.list(dir);
        long total = 0;
        for (Segments.Segment s : before) {
            total += Files.size(s.path());
        }
        AuditTrail.Retention dropped;
        try (AuditTrail trail = AuditTrail.open(dir, SMALL, false)) {
            dropped = trail.applyRetention(null, total / 2);
            assertEquals(AuditTrail.Retention.NONE, trail.applyRetention(null, 0), "nothing more to drop");
            trail.append(call(99, Instant.now()));
        }
        assertTrue(dropped.files() > 0, dropped.toString());
        assertEquals(0, dropped.fromSeq());
        List<Segments.Segment> after = Segments.list(dir);
        assertEquals(dropped.toSeq() + 1, after.get(0).firstSeq());
        assertEquals(before.size() - dropped.files(), after.size() - (after.size() > before.size() - dropped.files() ? 1 : 0));
        AuditVerifier.Result r = verify();
        assertTrue(r.ok(), r.describe());
        assertEquals(dropped.toSeq() + 1, r.droppedBefore());
        assertEquals(dropped.toSeq() + 1, r.firstSeq());
        assertTrue(r.describe().contains("records before " + (dropped.toSeq() + 1) + " were dropped by retention"), r.describe());

        // and a second pass, by age: every file but the newest is older than an hour from now on
        try (AuditTrail trail = AuditTrail.open(dir, SMALL, false)) {
            Thread.sleep(5);
            AuditTrail.Retention byAge = trail.applyRetention(Duration.ofMillis(1), 0);
            assertTrue(byAge.files() > 0, byAge.toString());
        }
        AuditVerifier.Result again = verify();
        assertTrue(again.ok(), again.describe());
        assertEquals(Segments.list(dir).get(0).firstSeq(), again.droppedBefore());
    }

    @Test
    void aCheckpointWithTheWrongLastHashIsForged() throws Exception {
        appendCalls(0, 12, SMALL);
        try (AuditTrail trail = AuditTrail.open(dir, SMALL, false)) {
            trail.applyRetention(null, 1);
        }
        List<Path> files = files();
        Path newest = files.get(files.size() - 1);
        List<String> lines = lines(newest);
        int at = lines.size() - 1;
        ObjectNode checkpoint = Chain.open(lines.get(at)).body();
        assertEquals("checkpoint", checkpoint.path("type").asText());
        ((ObjectNode) checkpoint.path("dropped")).put("lastHash", Chain.sha256("something else"));
        lines.set(at, Chain.seal(checkpoint).line()); // resealed: its own hash is right, the chain before holds
        write(newest, lines);
        assertTampered(verify(), newest.getFileName().toString(), at + 1, "forged checkpoint");
    }

    @Test
    void aCheckpointForRecordsStillThereMustNameTheirHash() throws Exception {
        appendCalls(0, 6, SMALL);
        try (AuditTrail trail = AuditTrail.open(dir, SMALL, false)) {
            trail.flushed().get();
        }
        // a forged checkpoint appended at the head, claiming the first file was dropped, with a made-up hash
        List<Segments.Segment> segments = Segments.list(dir);
        Path newest = segments.get(segments.size() - 1).path();
        List<String> lines = lines(newest);
        Chain.Opened head = Chain.open(lines.get(lines.size() - 1));
        ObjectNode forged = Chain.JSON.createObjectNode();
        forged.put("seq", head.seq() + 1);
        forged.put("time", AuditRecord.time(Instant.now()));
        forged.put("type", "checkpoint");
        forged.putObject("dropped").put("fromSeq", 0).put("before", segments.get(1).firstSeq()).put("files", 1)
                .put("lastHash", Chain.sha256("made up"));
        forged.put("prev", head.statedHash());
        lines.add(Chain.seal(forged).line());
        write(newest, lines);
        assertTampered(verify(), newest.getFileName().toString(), lines.size(), "forged checkpoint");
    }

    @Test
    void readFiltersByFieldAndTime() throws Exception {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        try (AuditTrail trail = AuditTrail.open(dir, AuditTrail.DEFAULT_SEGMENT_BYTES, false)) {
            for (int i = 0; i < 6; i++) {
                trail.append(call(i, t0.plusSeconds(i)));
            }
            List<String> rejected = new ArrayList<>();
            trail.read(new AuditQuery(null, null, Map.of("outcome", Set.of("REJECTED"))), rejected::add);
            assertEquals(2, rejected.size(), rejected.toString());
            assertTrue(rejected.get(1).contains("\"seq\":3,"), rejected.toString());
            List<String> window = new ArrayList<>();
            trail.read(new AuditQuery(t0.plusSeconds(1), t0.plusSeconds(2), Map.of("path", Set.of("/containers/"),
                    "command", Set.of("docker"))), window::add);
            assertEquals(2, window.size(), window.toString());
            List<String> none = new ArrayList<>();
            trail.read(new AuditQuery(null, null, Map.of("uid", Set.of("1000"))), none::add);
            assertTrue(none.isEmpty(), none.toString());
        }
    }

    @Test
    void secretsInTheQueryAreRedacted() {
        assertEquals("t=app&buildargs=%7B%22TOKEN%22%3A%22REDACTED%22%7D&q=1",
                AuditRecord.redactQuery("t=app&buildargs=%7B%22TOKEN%22%3A%22s3cr3t%22%7D&q=1"));
        assertEquals("name=x&X-Auth-Thing=REDACTED&password=REDACTED&flag",
                AuditRecord.redactQuery("name=x&X-Auth-Thing=abc&password=hunter2&flag"));
        assertEquals("", AuditRecord.redactQuery(null));
        assertNull(new AuditVerifier.Result(true, 0, 0, -1, -1, "", 0, null, List.of()).problem());
    }
}
