package io.berth.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks an audit directory from its files alone: every record's hash matches its content, each record
 * names the hash of the one before it, sequence numbers follow without gap across files, and whatever is
 * missing at the start was dropped by retention, as a checkpoint record in the chain says.
 *
 * <p>What it finds, and how it tells them apart (the first problem is reported, with its file and line):
 * <ul>
 *   <li>an edited record: its hash is not the hash of its content;</li>
 *   <li>a removed record or file: a seq gap, or a record whose prev is not the hash of the record before;</li>
 *   <li>records moved: a seq that goes back;</li>
 *   <li>records missing at the start with no checkpoint accounting for them (records dropped by hand);</li>
 *   <li>a forged checkpoint: one whose last dropped hash is not the prev of the first record kept (nor the
 *       hash of that record where it is still there), or that claims records after itself.</li>
 * </ul>
 * Retention is not tampering: when it drops the oldest files it appends a checkpoint naming the first seq
 * kept and the hash of the last record dropped, which joins the chain's new start to its old one.
 *
 * <p>A line cut short at the very end of the newest file is a write a crash interrupted: reported as a
 * note, not as tampering (berthd cuts it off at its next start and records that it did). What a hash
 * chain cannot show: whoever can rewrite the files can recompute every hash after an edit, or cut records
 * off the end; record the head hash elsewhere to catch that ({@link Result#headHash}).
 */
public final class AuditVerifier {

    /** Where the trail was found broken: the file's name, its line (from 1), the record's seq (-1 unknown). */
    public record Problem(String file, long line, long seq, String message) {}

    /**
     * What a verification found.
     *
     * @param ok            no sign of tampering
     * @param records       records read
     * @param files         files read
     * @param firstSeq      seq of the oldest record kept (-1 for an empty trail)
     * @param headSeq       seq of the newest record (-1 for an empty trail)
     * @param headHash      hash of the newest record: record it elsewhere to detect a later rewrite
     * @param droppedBefore records before this seq were dropped by retention, as a checkpoint says; 0: none
     * @param problem       the first problem found, or null
     * @param notes         what is worth knowing but is no tampering (a torn last record)
     */
    public record Result(boolean ok, long records, int files, long firstSeq, long headSeq, String headHash,
                         long droppedBefore, Problem problem, List<String> notes) {

        public ObjectNode toJson() {
            ObjectNode n = Chain.JSON.createObjectNode();
            n.put("ok", ok);
            n.put("records", records);
            n.put("files", files);
            n.put("firstSeq", firstSeq);
            n.put("headSeq", headSeq);
            n.put("headHash", headHash);
            n.put("droppedBefore", droppedBefore);
            if (problem != null) {
                ObjectNode p = n.putObject("problem");
                p.put("file", problem.file());
                p.put("line", problem.line());
                p.put("seq", problem.seq());
                p.put("message", problem.message());
            }
            notes.forEach(n.putArray("notes")::add);
            return n;
        }

        public static Result fromJson(JsonNode n) {
            JsonNode p = n.path("problem");
            List<String> notes = new ArrayList<>();
            n.path("notes").forEach(x -> notes.add(x.asText()));
            return new Result(n.path("ok").asBoolean(), n.path("records").asLong(), n.path("files").asInt(),
                    n.path("firstSeq").asLong(-1), n.path("headSeq").asLong(-1), n.path("headHash").asText(""),
                    n.path("droppedBefore").asLong(), p.isObject()
                    ? new Problem(p.path("file").asText(), p.path("line").asLong(), p.path("seq").asLong(-1),
                            p.path("message").asText()) : null, notes);
        }

        /** For people: what was checked and the verdict, or the problem with its place. */
        public String describe() {
            StringBuilder s = new StringBuilder();
            notes.forEach(note -> s.append("note: ").append(note).append('\n'));
            if (!ok) {
                s.append("audit trail TAMPERED: ").append(problem.file()).append(" line ").append(problem.line());
                if (problem.seq() >= 0) {
                    s.append(" (seq ").append(problem.seq()).append(')');
                }
                return s.append(": ").append(problem.message()).toString();
            }
            if (records == 0) {
                return s.append("audit trail intact: no records").toString();
            }
            s.append("audit trail intact: ").append(records).append(" records in ").append(files)
                    .append(files == 1 ? " file" : " files").append(", seq ").append(firstSeq).append(" to ").append(headSeq);
            if (droppedBefore > 0) {
                s.append("; records before ").append(droppedBefore).append(" were dropped by retention");
            }
            return s.append("\nhead: seq ").append(headSeq).append(" hash ").append(headHash).toString();
        }
    }

    private AuditVerifier() {}

    /** Verifies every file of {@code dir} as it is. */
    public static Result verify(Path dir) throws IOException {
        return verify(dir, null);
    }

    /**
     * Verifies {@code dir}; with {@code limits}, only the files it names and each only up to its length there
     * (a trail being written: what was complete when the verification began).
     */
    static Result verify(Path dir, Map<Path, Long> limits) throws IOException {
        return new Pass().run(dir, limits);
    }

    /** A retention checkpoint as found in the chain. */
    private record Checkpoint(long seq, long droppedBefore, String lastHash, String file, long line) {}

    /** One walk over the files, oldest first. */
    private static final class Pass {
        long records;
        int files;
        long firstSeq = -1;
        String firstPrev;
        String firstFile = "";
        long lastSeq = -1;
        String lastHash;
        final List<Checkpoint> checkpoints = new ArrayList<>();
        final Map<Long, String> fileEnds = new HashMap<>(); // seq → hash of the last record of each file
        final List<String> notes = new ArrayList<>();

        Result run(Path dir, Map<Path, Long> limits) throws IOException {
            List<Segments.Segment> segments = Segments.list(dir);
            if (limits != null) {
                segments.removeIf(s -> !limits.containsKey(s.path()));
            }
            for (int i = 0; i < segments.size(); i++) {
                Segments.Segment segment = segments.get(i);
                if (limits != null && !Files.exists(segment.path())) {
                    continue; // dropped by retention while this ran
                }
                Problem p = file(segment, limits == null ? -1 : limits.get(segment.path()), i == segments.size() - 1);
                if (p != null) {
                    return result(p);
                }
            }
            return result(start());
        }

        private Problem file(Segments.Segment segment, long limit, boolean newest) throws IOException {
            String name = segment.path().getFileName().toString();
            Segments.Content content = Segments.read(segment.path(), limit);
            files++;
            long lineNo = 0;
            boolean firstOfFile = true;
            for (String line : content.lines()) {
                lineNo++;
                Chain.Opened r;
                try {
                    r = Chain.open(line);
                } catch (Chain.Unreadable e) {
                    return new Problem(name, lineNo, -1, "not an audit record (" + e.getMessage() + ")");
                }
                long seq = r.seq();
                if (!r.intact()) {
                    return new Problem(name, lineNo, seq, "edited: the record's content does not match its hash");
                }
                if (firstOfFile && seq != segment.firstSeq()) {
                    if (lastSeq >= 0 && segment.firstSeq() == lastSeq + 1 && seq > segment.firstSeq()) {
                        return new Problem(name, lineNo, seq, "records " + segment.firstSeq() + " to " + (seq - 1)
                                + " were removed (the file starts with seq " + seq + ")");
                    }
                    return new Problem(name, lineNo, seq, "the file's name says its first record is seq "
                            + segment.firstSeq() + ", not " + seq + ": files renamed or records moved");
                }
                firstOfFile = false;
                if (lastSeq < 0) {
                    firstSeq = seq;
                    firstPrev = r.prev();
                    firstFile = name;
                } else if (seq > lastSeq + 1) {
                    return new Problem(name, lineNo, seq, (seq == lastSeq + 2 ? "record " + (lastSeq + 1) + " was"
                            : "records " + (lastSeq + 1) + " to " + (seq - 1) + " were") + " removed or moved (seq " + seq
                            + " follows seq " + lastSeq + ")");
                } else if (seq <= lastSeq) {
                    return new Problem(name, lineNo, seq, "out of order: seq " + seq + " follows seq " + lastSeq
                            + " (records moved or replayed)");
                } else if (!r.prev().equals(lastHash)) {
                    return new Problem(name, lineNo, seq, "does not chain to seq " + lastSeq
                            + " (its prev is not that record's hash): a record was replaced");
                }
                if (r.type().equals(AuditRecord.CHECKPOINT)) {
                    JsonNode dropped = r.body().path("dropped");
                    checkpoints.add(new Checkpoint(seq, dropped.path("before").asLong(-1),
                            dropped.path("lastHash").asText(""), name, lineNo));
                }
                records++;
                lastSeq = seq;
                lastHash = r.statedHash();
            }
            if (lastSeq >= 0) {
                fileEnds.put(lastSeq, lastHash);
            }
            if (content.torn().length > 0) {
                if (!newest) {
                    return new Problem(name, lineNo + 1, -1, "an incomplete record in a file that is not the newest");
                }
                notes.add("the last record of " + name + " (line " + (lineNo + 1) + ", " + content.torn().length
                        + " bytes) is incomplete: a write cut short by a crash; berthd cuts it off at its next start");
            }
            return null;
        }

        /** Whether the oldest record kept is the genesis, or what a checkpoint says retention dropped before it. */
        private Problem start() {
            if (records == 0) {
                return null;
            }
            Checkpoint newest = null;
            for (Checkpoint c : checkpoints) {
                if (c.droppedBefore() < 1 || c.droppedBefore() > c.seq() || c.lastHash().isEmpty()) {
                    return new Problem(c.file(), c.line(), c.seq(), "forged checkpoint: it names no drop before itself");
                }
                if (c.droppedBefore() - 1 >= firstSeq) {
                    // the records it says were dropped are still here (retention stopped before deleting them)
                    String hash = fileEnds.get(c.droppedBefore() - 1);
                    if (hash == null || !hash.equals(c.lastHash())) {
                        return new Problem(c.file(), c.line(), c.seq(), "forged checkpoint: record "
                                + (c.droppedBefore() - 1) + " is here and is not the last record it says was dropped");
                    }
                }
                if (newest == null || c.droppedBefore() >= newest.droppedBefore()) {
                    newest = c;
                }
            }
            if (firstSeq == 0) {
                return firstPrev.equals(Chain.GENESIS) ? null
                        : new Problem(firstFile, 1, 0, "the first record does not start the chain (its prev is not the genesis)");
            }
            if (newest == null || newest.droppedBefore() < firstSeq) {
                long from = newest == null ? 0 : newest.droppedBefore();
                return new Problem(firstFile, 1, firstSeq, "records " + from + " to " + (firstSeq - 1)
                        + " were removed and no retention checkpoint accounts for them");
            }
            if (newest.droppedBefore() == firstSeq && !newest.lastHash().equals(firstPrev)) {
                return new Problem(newest.file(), newest.line(), newest.seq(), "forged checkpoint: the last dropped"
                        + " hash it names is not the prev of the first record kept (seq " + firstSeq + ")");
            }
            return null;
        }

        private Result result(Problem problem) {
            long dropped = 0;
            for (Checkpoint c : checkpoints) {
                dropped = Math.max(dropped, c.droppedBefore());
            }
            return new Result(problem == null, records, files, firstSeq, lastSeq, lastHash == null ? "" : lastHash,
                    dropped, problem, notes);
        }
    }
}
