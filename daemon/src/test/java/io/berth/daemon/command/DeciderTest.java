package io.berth.daemon.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.api.ApiException;
import io.berth.daemon.command.Command.*;
import io.berth.daemon.events.Event;
import io.berth.daemon.state.EngineState;
import io.berth.plugin.isolation.StartedProcess;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DeciderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String IMAGE = "sha256:" + "a".repeat(64);
    private static final String C1 = "1".repeat(64);
    private EngineState state;

    @BeforeEach
    void setUp() {
        state = new EngineState();
        apply(new RegisterImage(IMAGE, "{\"config\":{\"Cmd\":[\"sh\"]}}", List.of(new NewLayer("sha256:" + "b".repeat(64), "sha256:" + "b".repeat(64), "", 10)),
                List.of("sha256:" + "b".repeat(64)), 10, 1, "", List.of("busybox:latest"), "import"));
    }

    private Decision apply(Command c) {
        Decision d = Decider.decide(state, c, 42);
        d.events().forEach(state::apply);
        return d;
    }

    private void create(String id, String name) {
        ObjectNode config = JSON.createObjectNode();
        apply(new CreateContainer(id, name, "busybox", IMAGE, config, JSON.createObjectNode(), "vfs"));
    }

    @Test
    void pruneDeletesOnlyUnusedCandidatesAndUntagsThemFirst() {
        String other = "sha256:" + "d".repeat(64);
        apply(new RegisterImage(other, "{}", List.of(), List.of("sha256:" + "b".repeat(64)), 10, 2, "", List.of("tool:1", "tool:2"), "import"));
        create(C1, "web"); // uses IMAGE
        Decision d = apply(new Command.PruneImages(List.of(IMAGE, other, "sha256:" + "e".repeat(64))));
        assertEquals(List.of(Map.of("Untagged", "tool:1"), Map.of("Untagged", "tool:2"), Map.of("Deleted", other)), d.value());
        assertTrue(state.image(other).isEmpty());
        assertTrue(state.image(IMAGE).isPresent(), "an image a container uses is never pruned");
    }

    @Test
    void registryDigestsAreRecordedOnceAndFindTheImage() throws Exception {
        String digest = "localhost:5000/app@sha256:" + "9".repeat(64);
        assertEquals(1, apply(new Command.RecordImageDigest(IMAGE, digest)).events().size());
        assertEquals(0, apply(new Command.RecordImageDigest(IMAGE, digest)).events().size(), "recorded once");
        assertEquals(0, apply(new Command.RecordImageDigest("sha256:" + "0".repeat(64), digest)).events().size(),
                "not for an image that is gone");
        assertEquals(List.of(digest), state.repoDigests(IMAGE));
        assertEquals(IMAGE, state.findImage(digest).orElseThrow().id());
        assertEquals(IMAGE, state.findImage("localhost:5000/app:v1@sha256:" + "9".repeat(64)).orElseThrow().id());
    }

    @Test
    void removingADigestReferenceKeepsATaggedImage() throws Exception {
        String digest = "localhost:5000/app@sha256:" + "9".repeat(64);
        apply(new Command.RecordImageDigest(IMAGE, digest));
        Decision d = apply(new RemoveImage(digest, false, false));
        assertEquals(List.of(Map.of("Untagged", digest)), d.value());
        assertTrue(state.image(IMAGE).isPresent(), "busybox:latest still names it");
        assertEquals(List.of(), state.repoDigests(IMAGE));

        // an image pulled by digest has no tag: removing its digest removes it
        String pulled = "sha256:" + "d".repeat(64);
        apply(new RegisterImage(pulled, "{}", List.of(), List.of("sha256:" + "b".repeat(64)), 10, 2, "", List.of(), "pull"));
        apply(new Command.RecordImageDigest(pulled, digest));
        Decision last = apply(new RemoveImage(digest, false, false));
        assertEquals(List.of(Map.of("Untagged", digest), Map.of("Deleted", pulled)), last.value());
        assertTrue(state.image(pulled).isEmpty(), "the last reference took the image with it");
    }

    @Test
    void namesAreUnique() {
        create(C1, "web");
        ApiException e = assertThrows(ApiException.class, () -> create("2".repeat(64), "web"));
        assertEquals(409, e.kind().status);
        assertTrue(e.getMessage().contains("is already in use by container \"" + C1 + "\""), e.getMessage());
    }

    @Test
    void startIsAnIntentUntilItsOutcome() {
        create(C1, "web");
        assertInstanceOf(Event.ContainerStartRequested.class, apply(new StartContainer(C1)).events().get(0));
        assertTrue(state.container(C1).orElseThrow().startPending());
        assertEquals(304, assertThrows(ApiException.class, () -> apply(new StartContainer(C1))).kind().status);
        apply(new RecordStart(C1, new StartedProcess(100, 5, 99, 4, 7)));
        assertTrue(state.container(C1).orElseThrow().running());
        assertEquals(100, state.container(C1).orElseThrow().pid());
        // a second report of the same outcome changes nothing (reactors are safe to run twice)
        assertEquals(0, apply(new RecordStart(C1, new StartedProcess(100, 5, 99, 4, 7))).events().size());
    }

    @Test
    void failedStartLeavesTheContainerCreated() {
        create(C1, "web");
        apply(new StartContainer(C1));
        apply(new RecordStartFailure(C1, 127, "exec: \"nosuch\": executable file not found in $PATH"));
        var c = state.container(C1).orElseThrow();
        assertEquals("created", c.status());
        assertEquals(127, c.exitCode());
        assertTrue(c.error().contains("executable file not found"));
    }

    @Test
    void exitOfAnotherPidIsIgnored() {
        create(C1, "web");
        apply(new StartContainer(C1));
        apply(new RecordStart(C1, new StartedProcess(100, 5, 99, 4, 7)));
        assertEquals(0, apply(new RecordExit(C1, 555, 1, false, 9, "")).events().size());
        apply(new RecordExit(C1, 100, 3, false, 9, ""));
        assertEquals("exited", state.container(C1).orElseThrow().status());
        assertEquals(3, state.container(C1).orElseThrow().exitCode());
    }

    @Test
    void runningContainersAreNotRemovedAndNotKilledTwice() {
        create(C1, "web");
        apply(new StartContainer(C1));
        apply(new RecordStart(C1, new StartedProcess(100, 5, 99, 4, 7)));
        assertEquals(409, assertThrows(ApiException.class, () -> apply(new RemoveContainer(C1, false))).kind().status);
        apply(new RecordExit(C1, 100, 0, false, 9, ""));
        assertEquals(409, assertThrows(ApiException.class, () -> apply(new KillContainer(C1, 9, -1, false))).kind().status);
        assertEquals(304, assertThrows(ApiException.class, () -> apply(new KillContainer(C1, 15, 10, true))).kind().status);
        apply(new RemoveContainer(C1, false));
        assertEquals("removing", state.container(C1).orElseThrow().status());
        apply(new RecordRemoved(C1));
        assertTrue(state.container(C1).isEmpty());
        assertTrue(state.containerIdByName("web").isEmpty());
    }

    @Test
    void rmiUntagsThenDeletes() {
        apply(new TagImage(IMAGE, "other:1"));
        Decision d = apply(new RemoveImage("busybox", false, false));
        assertEquals(List.of(Map.of("Untagged", "busybox:latest")), d.value());
        assertTrue(state.image(IMAGE).isPresent());
        Decision last = apply(new RemoveImage("other:1", false, false));
        assertEquals(2, ((List<?>) last.value()).size());
        assertTrue(state.image(IMAGE).isEmpty());
    }

    @Test
    void rmiOfAnImageInUseIsAConflictUnlessForced() {
        create(C1, "web");
        ApiException e = assertThrows(ApiException.class, () -> apply(new RemoveImage("busybox", false, false)));
        assertEquals(409, e.kind().status);
        assertTrue(e.getMessage().startsWith("conflict: unable to remove repository reference \"busybox\" (must force)"));
        apply(new RemoveImage("busybox", true, false));
        assertTrue(state.image(IMAGE).isPresent(), "a forced untag keeps an image that a container uses");
        assertTrue(state.image(IMAGE).orElseThrow().tags().isEmpty());
    }

    @Test
    void unknownContainerIsNotFound() {
        ApiException e = assertThrows(ApiException.class, () -> apply(new StartContainer("nope")));
        assertEquals(404, e.kind().status);
        assertEquals("No such container: nope", e.getMessage());
    }

    @Test
    void retagMovesTheReference() {
        String other = "sha256:" + "c".repeat(64);
        apply(new RegisterImage(other, "{}", List.of(), List.of("sha256:" + "b".repeat(64)), 10, 2, "", List.of("busybox:latest"), "import"));
        assertEquals(other, state.imageByReference("busybox:latest").orElseThrow().id());
        assertTrue(state.image(IMAGE).orElseThrow().tags().isEmpty());
    }

    // ---- build lineage: parents, the build cache, intermediate images -------------------------------

    private static final String LAYER = "sha256:" + "b".repeat(64);

    /** A build step's image on {@code parent}: untagged, with cache key {@code key}. */
    private String step(String parent, String hex, String key, long created) {
        String id = "sha256:" + hex.repeat(64);
        apply(new RegisterImage(id, "{}", List.of(), List.of(LAYER), 10, created, "", List.of(), parent, key, "build"));
        return id;
    }

    @Test
    void aBuildStepRemembersItsParentAndCacheKey() {
        String s1 = step(IMAGE, "1", "k1", 2);
        assertEquals(IMAGE, state.image(s1).orElseThrow().parent());
        assertEquals(s1, state.buildCache(IMAGE, "k1").orElseThrow().id());
        assertTrue(state.buildCache(IMAGE, "other").isEmpty());
        assertTrue(state.buildCache(s1, "k1").isEmpty(), "the key counts only under the same parent");
        assertEquals(List.of(s1), state.children(IMAGE).stream().map(i -> i.id()).toList());
    }

    @Test
    void removingABuiltImageRemovesItsUntaggedParentsButStopsAtATaggedOne() {
        String s1 = step(IMAGE, "1", "k1", 2);
        String s2 = step(s1, "2", "k2", 3);
        String s3 = step(s2, "3", "k3", 4);
        apply(new TagImage(s3, "app:1"));
        Decision d = apply(new RemoveImage("app:1", false, false));
        assertEquals(List.of(Map.of("Untagged", "app:1"), Map.of("Deleted", s3), Map.of("Deleted", s2),
                Map.of("Deleted", s1)), d.value());
        assertTrue(state.image(IMAGE).isPresent(), "busybox:latest is tagged: the chain stops there");
        assertTrue(state.buildCache(IMAGE, "k1").isEmpty(), "the cache went with the images");
    }

    @Test
    void noPruneKeepsTheParents() {
        String s1 = step(IMAGE, "1", "k1", 2);
        String s2 = step(s1, "2", "k2", 3);
        Decision d = apply(new RemoveImage(s2, false, true));
        assertEquals(List.of(Map.of("Deleted", s2)), d.value());
        assertTrue(state.image(s1).isPresent());
    }

    @Test
    void anImageWithChildrenCannotBeDeletedByIdEvenWithForce() {
        String s1 = step(IMAGE, "1", "k1", 2);
        step(s1, "2", "k2", 3);
        ApiException e = assertThrows(ApiException.class, () -> apply(new RemoveImage(s1, true, false)));
        assertEquals("conflict: unable to delete " + s1.substring(7, 19)
                + " (cannot be forced) - image has dependent child images", e.getMessage());
    }

    @Test
    void untaggingTheLastTagOfAParentKeepsItAsAnIntermediateImage() {
        String s1 = step(IMAGE, "1", "k1", 2);
        step(s1, "2", "k2", 3);
        apply(new TagImage(s1, "base:1"));
        Decision d = apply(new RemoveImage("base:1", false, false));
        assertEquals(List.of(Map.of("Untagged", "base:1")), d.value());
        assertTrue(state.image(s1).isPresent());
    }

    @Test
    void pruneSkipsIntermediateImagesAndTakesThemWithTheirLastChild() {
        String s1 = step(IMAGE, "1", "k1", 2);
        String s2 = step(s1, "2", "k2", 3);
        Decision d = apply(new PruneImages(List.of(s1, s2)));
        assertEquals(List.of(Map.of("Deleted", s2), Map.of("Deleted", s1)), d.value());
        assertTrue(state.image(s1).isEmpty());
    }
}
