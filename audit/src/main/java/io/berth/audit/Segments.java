package io.berth.audit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The files of an audit directory: {@code audit-<seq>.jsonl}, where seq (20 digits) is the sequence
 * number of the file's first record, so that names sort in chain order. The newest file is the one
 * being written; retention drops whole files, oldest first.
 */
final class Segments {

    private static final Pattern NAME = Pattern.compile("audit-(\\d{20})\\.jsonl");

    /** One file of the trail and the seq its name says it starts with. */
    record Segment(Path path, long firstSeq) {}

    private Segments() {}

    static Path path(Path dir, long firstSeq) {
        return dir.resolve(String.format("audit-%020d.jsonl", firstSeq));
    }

    /** The trail's files, oldest first; none when the directory does not exist. */
    static List<Segment> list(Path dir) throws IOException {
        List<Segment> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(p -> {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches()) {
                    out.add(new Segment(p, Long.parseLong(m.group(1))));
                }
            });
        }
        out.sort(Comparator.comparingLong(Segment::firstSeq));
        return out;
    }

    /**
     * A file's complete lines (each ended by a newline) and what follows the last newline: nothing, or a
     * record whose write was cut short.
     *
     * @param goodLength the bytes up to and including the last newline
     */
    record Content(List<String> lines, byte[] torn, long goodLength) {}

    /** Reads the first {@code limit} bytes of {@code file} (all of it when limit is negative). */
    static Content read(Path file, long limit) throws IOException {
        byte[] all = Files.readAllBytes(file);
        int length = limit < 0 ? all.length : (int) Math.min(limit, all.length);
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < length; i++) {
            if (all[i] == '\n') {
                lines.add(new String(all, start, i - start, java.nio.charset.StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return new Content(lines, java.util.Arrays.copyOfRange(all, start, length), start);
    }
}
