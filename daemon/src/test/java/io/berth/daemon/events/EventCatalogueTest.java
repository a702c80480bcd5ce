package io.berth.daemon.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.events.Event.*;
import io.berth.eventlog.Actor;
import io.berth.eventlog.Envelope;
import io.berth.eventlog.PendingEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The event catalogue is frozen: every event type has a payload at its current revision in
 * src/test/resources/events/{Type}-{revision}.json, exactly as {@link EventCodec} writes the sample below. A
 * change of a record's fields makes this fail: give the type a new revision and an upcaster in
 * {@link Upcasters} (tested below against the old frozen payloads), then freeze the new revision with
 * {@code -Dberth.freeze-events=true}.
 */
public class EventCatalogueTest {

    static final Path FROZEN = Path.of("src/test/resources/events");
    static final ObjectMapper JSON = new ObjectMapper();
    static final String C = "c".repeat(64);
    static final String I = "sha256:" + "a".repeat(64);
    static final String L = "sha256:" + "b".repeat(64);
    static final String N = "d".repeat(64);

    public static List<Event> samples() {
        ObjectNode config = JSON.createObjectNode().put("Image", "busybox");
        config.putArray("Cmd").add("sh");
        ObjectNode hostConfig = JSON.createObjectNode().put("NetworkMode", "default");
        return List.of(
                new ContainerCreated(C, "web", "busybox", I, config, hostConfig, 1_700_000_000_000_000_001L, "overlay"),
                new ContainerStartRequested(C),
                new ContainerStarted(C, 4242, 123456, 4241, 123450, 1_700_000_000_100_000_000L),
                new ContainerStartFailed(C, 127, "exec: \"nope\": executable file not found in $PATH", 1_700_000_000_200_000_000L),
                new ContainerKillRequested(C, 15, 10),
                new ContainerSizeMeasured(C, 4096),
                new ContainerExited(C, 137, true, 1_700_000_001_000_000_000L, "exited while the daemon was down"),
                new ContainerRemoveRequested(C),
                new ContainerRemoved(C),
                new LayerCreated(L, L, "", 1_234_567),
                new LayerRemoved(L),
                new ImageCreated(I, List.of(L), 1_234_567, 1_600_000_000_000_000_000L, "imported", "{\"config\":{}}",
                        "", "", ImageCreated.IMPORT),
                new ImageDigestRecorded(I, "localhost:5000/app@sha256:" + "e".repeat(64)),
                new ImageDigestRemoved(I, "localhost:5000/app@sha256:" + "e".repeat(64)),
                new LayerBlobRecorded(L, "sha256:" + "f".repeat(64), 600_000, "application/vnd.oci.image.layer.v1.tar+gzip"),
                new ImageTagged(I, "busybox:latest"),
                new ImageUntagged(I, "busybox:latest"),
                new ImageDeleted(I),
                new NetworkCreated(N, "demo", "bridge", "10.210.0.0/24", "10.210.0.1", "", false, true,
                        Map.of("team", "a"), Map.of("com.docker.network.bridge.name", "br-demo"), 1_700_000_000_000_000_000L),
                new NetworkRemoved(N),
                new ContainerConnected(C, N, List.of("www"), "10.210.0.9", List.of("db:database")),
                new ContainerDisconnected(C, N),
                new EndpointAllocated(C, N, "eth0", "10.210.0.2", "02:42:0a:d2:00:02", true,
                        List.of(new PublishedPort("tcp", "127.0.0.1", 8080, 80))),
                new EndpointReleased(C, N),
                new CallRejected("DELETE", "/containers/nosuch", 404, "No such container: nosuch"),
                new HistoryTrimmed(200_001, 200_000, 1_700_000_000_000_000_000L, 52_428_800),
                new EventLogRepaired("/var/lib/berth/events/20261128F.cq4", "/var/lib/berth/events/damaged/20261128F.cq4.1",
                        4711, "checksum mismatch", 312, 1));
    }

    static Envelope envelope(PendingEvent p, int revision, String payload) {
        return new Envelope(7, 1_700_000_000_000_000_000L, p.type(), revision, p.aggregateKind(), p.aggregateId(),
                p.correlationId(), p.actor(), payload);
    }

    @Test
    void everyEventTypeHasASampleAndAFrozenPayloadThatIsStillWhatTheCodecWrites() throws IOException {
        Set<String> sampled = samples().stream().map(EventCodec::typeName).collect(Collectors.toCollection(TreeSet::new));
        Set<String> all = Arrays.stream(Event.class.getPermittedSubclasses()).map(Class::getSimpleName)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(all, sampled, "every event type needs a sample here");
        boolean freeze = Boolean.getBoolean("berth.freeze-events");
        for (Event sample : samples()) {
            PendingEvent p = EventCodec.encode(sample, "corr", Actor.DAEMON);
            Path file = FROZEN.resolve(p.type() + "-" + p.revision() + ".json");
            if (freeze && !Files.exists(file)) {
                Files.writeString(file, p.payload() + "\n");
            }
            if (!Files.exists(file)) {
                fail(file + " is missing: a new event type or revision must be frozen (-Dberth.freeze-events=true)");
            }
            String frozen = Files.readString(file, StandardCharsets.UTF_8).trim();
            assertEquals(frozen, p.payload(), p.type() + " revision " + p.revision() + " changed its fields: raise its"
                    + " revision and add an upcaster from the frozen payload");
            assertEquals(sample, EventCodec.decode(envelope(p, p.revision(), frozen)));
        }
    }

    @Test
    void imageCreatedRevisionOneIsLiftedWithTheOriginItImplies() throws IOException {
        assertEquals(2, EventCodec.revision("ImageCreated"));
        Map<String, String> expected = Map.of(
                "ImageCreated-1-imported.json", ImageCreated.UNKNOWN,
                "ImageCreated-1-before-builds.json", ImageCreated.UNKNOWN,
                "ImageCreated-1-committed.json", ImageCreated.COMMIT,
                "ImageCreated-1-built.json", ImageCreated.BUILD);
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String payload = Files.readString(FROZEN.resolve("revision1").resolve(e.getKey()), StandardCharsets.UTF_8).trim();
            PendingEvent p = new PendingEvent("ImageCreated", 1, "image", I, "corr", Actor.DAEMON, payload);
            ImageCreated lifted = (ImageCreated) EventCodec.decode(envelope(p, 1, payload));
            assertEquals(e.getValue(), lifted.origin(), e.getKey());
            assertEquals(I, lifted.id());
            assertEquals(List.of(L), lifted.layers());
            assertTrue(lifted.config().startsWith("{"), e.getKey());
        }
    }

    @Test
    void aRevisionNewerThanThisBerthKnowsIsRefused() {
        PendingEvent p = EventCodec.encode(new ContainerRemoved(C), "corr", Actor.DAEMON);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> EventCodec.decode(envelope(p, 2, p.payload())));
        assertTrue(e.getMessage().contains("newer than this berth knows"), e.getMessage());
    }
}
