package io.berth.benchmarks;

import io.berth.eventlog.Actor;
import io.berth.eventlog.PendingEvent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/** Realistic events for the benchmarks: a ContainerCreated with a ~300-byte JSON payload. */
final class Events {

    static final Actor ACTOR = new Actor("unix", 1000, 1000, 48213, "docker");

    private Events() {
    }

    static PendingEvent containerCreated(int i) {
        String id = String.format("%064x", (long) i * 0x9E3779B97F4A7C15L).substring(0, 64);
        String payload = "{\"id\":\"" + id + "\",\"name\":\"web-" + i + "\",\"image\":\"docker.io/library/nginx:1.27\","
                + "\"cmd\":[\"nginx\",\"-g\",\"daemon off;\"],\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin\"],"
                + "\"labels\":{\"com.example.team\":\"web\",\"tier\":\"frontend\"},"
                + "\"hostConfig\":{\"networkMode\":\"bridge\",\"memory\":268435456,\"restartPolicy\":\"unless-stopped\"}}";
        return new PendingEvent("ContainerCreated", 1, "container", id, UUID.randomUUID().toString(), ACTOR, payload);
    }

    static List<PendingEvent> batch(int size, int seed) {
        List<PendingEvent> b = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            b.add(containerCreated(seed + i));
        }
        return b;
    }

    static Path scratchDirectory(String name) {
        try {
            Path base = Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir")));
            return Files.createTempDirectory(Files.createDirectories(base), name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
