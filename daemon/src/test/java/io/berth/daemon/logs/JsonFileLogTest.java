package io.berth.daemon.logs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonFileLogTest {

    private static final JsonFileLog.Query ALL = new JsonFileLog.Query(true, true, 0, Long.MAX_VALUE, -1);

    private static void append(Path file, String stream, String text) throws IOException {
        Files.writeString(file, "{\"log\":\"" + text + "\\n\",\"stream\":\"" + stream + "\",\"time\":\"2026-11-28T10:00:00.000000001Z\"}\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static List<String> read(JsonFileLog.Follower follower) throws IOException {
        List<String> out = new ArrayList<>();
        follower.read(ALL, e -> out.add(e.stream() + ":" + new String(e.data(), StandardCharsets.UTF_8).trim()));
        return out;
    }

    @Test
    void aFollowerReadsWhatWasWrittenBeforeTheLogWasRemoved(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("c-json.log");
        append(file, "stdout", "out");
        JsonFileLog log = new JsonFileLog(file);
        List<String> first = new ArrayList<>();
        long offset = log.read(ALL, e -> first.add(new String(e.data(), StandardCharsets.UTF_8).trim()));
        assertEquals(List.of("out"), first);
        try (JsonFileLog.Follower follower = log.follow(offset)) {
            append(file, "stderr", "err");
            Files.delete(file); // the container was removed before the follower's next poll
            assertEquals(List.of("stderr:err"), read(follower));
            assertEquals(List.of(), read(follower));
        }
    }

    @Test
    void aFollowerCrossesARotationWithoutLosingLines(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("c-json.log");
        append(file, "stdout", "a");
        JsonFileLog log = new JsonFileLog(file);
        try (JsonFileLog.Follower follower = log.follow(log.read(ALL, e -> { })) ) {
            append(file, "stdout", "b");
            Files.move(file, dir.resolve("c-json.log.1"));
            append(file, "stdout", "c");
            assertEquals(List.of("stdout:b", "stdout:c"), read(follower));
            append(file, "stdout", "d");
            assertEquals(List.of("stdout:d"), read(follower));
        }
    }
}
