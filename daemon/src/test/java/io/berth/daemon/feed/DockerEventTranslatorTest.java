package io.berth.daemon.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.api.Filters;
import io.berth.daemon.events.Event;
import io.berth.daemon.events.Event.*;
import io.berth.daemon.state.EngineState;
import io.berth.eventlog.Actor;
import io.berth.eventlog.Envelope;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DockerEventTranslatorTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String C = "c".repeat(64);
    static final String I = "sha256:" + "a".repeat(64);
    static final String N = "d".repeat(64);
    static final long T0 = 1_800_000_000_000_000_000L;

    final EngineState state = new EngineState();
    final DockerEventTranslator translator = new DockerEventTranslator();
    long position;

    /** Translates then applies, as a feed does; returns "type action" of each Docker event. */
    List<DockerEvent> feed(Event event) {
        position++;
        Envelope env = new Envelope(position, T0 + position * 1_000_000_000L, event.getClass().getSimpleName(), 1,
                event.aggregateKind(), event.aggregateId(), "corr", Actor.DAEMON, "{}");
        List<DockerEvent> out = new ArrayList<>();
        translator.translate(state, env, event, out::add);
        state.apply(event);
        return out;
    }

    static List<String> actions(List<DockerEvent> events) {
        return events.stream().map(e -> e.type() + " " + e.action()).toList();
    }

    void createWeb() {
        ObjectNode config = JSON.createObjectNode().put("Image", "busybox");
        config.putObject("Labels").put("team", "a");
        feed(new ImageCreated(I, List.of(), 0, 1, "", "{\"config\":{\"Labels\":{\"ver\":\"1\"}}}", "", "", ImageCreated.IMPORT));
        List<DockerEvent> created = feed(new ContainerCreated(C, "web", "busybox", I, config, JSON.createObjectNode(), 5, "vfs"));
        assertEquals(List.of("container create"), actions(created));
        assertEquals(Map.of("team", "a", "image", "busybox", "name", "web"), created.get(0).attributes());
    }

    @Test
    void aContainersLifeIsDockersSequenceWithItsAttributes() {
        createWeb();
        feed(new ContainerStartRequested(C));
        assertEquals(List.of("container start"), actions(feed(new ContainerStarted(C, 10, 1, 9, 1, T0 + 3_000_000_000L))));
        List<DockerEvent> kill = feed(new ContainerKillRequested(C, 15, 10));
        assertEquals("15", kill.get(0).attributes().get("signal"));
        List<DockerEvent> exit = feed(new ContainerExited(C, 143, false, T0 + 10_000_000_000L, ""));
        assertEquals(List.of("container die", "container stop"), actions(exit));
        assertEquals("143", exit.get(0).attributes().get("exitCode"));
        assertEquals("7", exit.get(0).attributes().get("execDuration"));
        assertEquals("web", exit.get(1).attributes().get("name"));
        feed(new ContainerRemoveRequested(C));
        List<DockerEvent> destroy = feed(new ContainerRemoved(C));
        assertEquals(List.of("container destroy"), actions(destroy));
        assertEquals("web", destroy.get(0).attributes().get("name"), "a removed container keeps its name in its destroy");
        assertEquals(T0 + position * 1_000_000_000L, destroy.get(0).timeNanos());
        assertEquals(position, destroy.get(0).position());
    }

    @Test
    void aKillIsNoStopAndAnOomComesBeforeTheDie() {
        createWeb();
        feed(new ContainerStarted(C, 10, 1, 9, 1, T0));
        assertEquals("9", feed(new ContainerKillRequested(C, 9, -1)).get(0).attributes().get("signal"));
        assertEquals(List.of("container oom", "container die"),
                actions(feed(new ContainerExited(C, 137, true, T0 + 1, ""))));
    }

    @Test
    void imagesAndNetworksAreNamedAsDockerdNamesThem() {
        createWeb();
        List<DockerEvent> tag = feed(new ImageTagged(I, "busybox:latest"));
        assertEquals(Map.of("ver", "1", "name", "busybox:latest"), tag.get(0).attributes());
        assertEquals(I, tag.get(0).actorId());
        assertEquals(List.of("image untag"), actions(feed(new ImageUntagged(I, "busybox:latest"))));
        assertEquals(List.of("image pull"), actions(feed(new ImageCreated(I + "1", List.of(), 0, 1, "", "{}", "", "", ImageCreated.PULL))));
        assertEquals(List.of("image create"), actions(feed(new ImageCreated(I + "2", List.of(), 0, 1, "", "{}", I, "k", ImageCreated.BUILD))));
        assertTrue(feed(new ImageCreated(I + "3", List.of(), 0, 1, "", "{}", "", "", ImageCreated.UNKNOWN)).isEmpty(),
                "a revision 1 image that may have been imported, loaded or pulled makes no event");
        List<DockerEvent> net = feed(new NetworkCreated(N, "demo", "bridge", "10.0.0.0/24", "10.0.0.1", "", false, false,
                Map.of(), Map.of(), 1));
        assertEquals(Map.of("name", "demo", "type", "bridge"), net.get(0).attributes());
        List<DockerEvent> connect = feed(new EndpointAllocated(C, N, "eth0", "10.0.0.2", "02:42:0a:00:00:02", true, List.of()));
        assertEquals(List.of("network connect"), actions(connect));
        assertEquals(Map.of("container", C, "name", "demo", "type", "bridge"), connect.get(0).attributes());
        assertEquals(List.of("network disconnect"), actions(feed(new EndpointReleased(C, N))));
        assertEquals(List.of("network destroy"), actions(feed(new NetworkRemoved(N))));
        assertTrue(feed(new ContainerSizeMeasured(C, 5)).isEmpty());
        assertTrue(feed(new CallRejected("POST", "/x", 400, "no")).isEmpty());
    }

    @Test
    void everyTypeThatMakesADockerEventIsOneTheTranslatorSaysItConcerns() {
        for (Event e : io.berth.daemon.events.EventCatalogueTest.samples()) {
            EngineState s = new EngineState();
            io.berth.daemon.events.EventCatalogueTest.samples().forEach(s::apply);
            List<DockerEvent> out = new ArrayList<>();
            new DockerEventTranslator().translate(s, new Envelope(1, T0, e.getClass().getSimpleName(), 1,
                    e.aggregateKind(), e.aggregateId(), "c", Actor.DAEMON, "{}"), e, out::add);
            if (!out.isEmpty()) {
                assertTrue(DockerEventTranslator.concerns(e.getClass().getSimpleName()), e.getClass().getSimpleName());
            }
        }
    }

    @Test
    void theJsonIsDockersWithTheLegacyFields() throws Exception {
        DockerEvent e = new DockerEvent("container", "die", C, Map.of("exitCode", "3", "image", "busybox"), 1_795_839_270_462_068_480L, 9);
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(w)) {
            e.write(g);
        }
        JsonNode j = JSON.readTree(w.toString());
        assertEquals("container", j.path("Type").asText());
        assertEquals("die", j.path("Action").asText());
        assertEquals(C, j.path("Actor").path("ID").asText());
        assertEquals("3", j.path("Actor").path("Attributes").path("exitCode").asText());
        assertEquals("local", j.path("scope").asText());
        assertEquals(1_795_839_270L, j.path("time").asLong());
        assertEquals(1_795_839_270_462_068_480L, j.path("timeNano").asLong());
        assertEquals("die", j.path("status").asText());
        assertEquals(C, j.path("id").asText());
        assertEquals("busybox", j.path("from").asText());
    }

    static DockerEventFilter filter(String json) {
        return DockerEventFilter.of(Filters.parse(json));
    }

    static final DockerEvent DIE = new DockerEvent("container", "die", C,
            Map.of("image", "busybox:latest", "name", "web", "team", "a"), T0, 1);
    static final DockerEvent CONNECT = new DockerEvent("network", "connect", N,
            Map.of("container", C, "name", "demo", "type", "bridge"), T0, 2);
    static final DockerEvent TAG = new DockerEvent("image", "tag", I, Map.of("name", "busybox:latest"), T0, 3);

    @Test
    void filtersHaveDockerdsSemantics() {
        assertTrue(filter("").includes(DIE));
        assertTrue(filter("{\"type\":{\"container\":true}}").includes(DIE));
        assertFalse(filter("{\"type\":{\"container\":true}}").includes(CONNECT));
        assertTrue(filter("{\"type\":[\"container\",\"network\"]}").includes(CONNECT));
        assertTrue(filter("{\"event\":[\"die\"]}").includes(DIE));
        assertFalse(filter("{\"event\":[\"start\"]}").includes(DIE));
        assertTrue(filter("{\"container\":[\"web\"]}").includes(DIE));
        assertTrue(filter("{\"container\":[\"ccc\"]}").includes(DIE), "an id prefix");
        assertTrue(filter("{\"container\":[\"we\"]}").includes(DIE), "a name prefix, as dockerd's fuzzy match");
        assertFalse(filter("{\"container\":[\"db\"]}").includes(DIE));
        assertFalse(filter("{\"container\":[\"web\"]}").includes(CONNECT), "dockerd applies it to every type");
        assertTrue(filter("{\"network\":[\"demo\"]}").includes(CONNECT));
        assertTrue(filter("{\"image\":[\"busybox\"]}").includes(DIE), "the image without its tag");
        assertTrue(filter("{\"image\":[\"busybox:latest\"]}").includes(TAG));
        assertFalse(filter("{\"image\":[\"alpine\"]}").includes(DIE));
        assertTrue(filter("{\"label\":[\"team=a\"]}").includes(DIE));
        assertFalse(filter("{\"label\":[\"team=b\"]}").includes(DIE));
        assertFalse(filter("{\"label\":[\"team=a\",\"x\"]}").includes(DIE), "every label must match");
        assertTrue(filter("{\"scope\":[\"local\"]}").includes(DIE));
        assertFalse(filter("{\"scope\":[\"swarm\"]}").includes(DIE));
        assertFalse(filter("{\"daemon\":[\"x\"]}").includes(DIE), "a daemon filter keeps only events named like it");
    }

    @Test
    void anUnknownFilterIsDockersBadRequest() {
        io.berth.daemon.api.ApiException e = org.junit.jupiter.api.Assertions.assertThrows(
                io.berth.daemon.api.ApiException.class, () -> filter("{\"nope\":[\"x\"]}"));
        assertEquals("invalid filter 'nope'", e.getMessage());
        assertEquals(400, e.kind().status);
    }
}
