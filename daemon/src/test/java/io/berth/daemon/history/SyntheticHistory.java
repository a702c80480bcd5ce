package io.berth.daemon.history;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.events.Event;
import io.berth.daemon.events.Event.*;
import io.berth.daemon.events.PublishedPort;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A plausible engine history, event by event, for tests and the boot benchmark: a few networks and
 * images, then containers that are created, connected, started, stopped, measured and removed, with a
 * bounded number alive at any time (as a busy host's), plus the occasional new image (the oldest unused
 * one is deleted beyond 30) or network (up to 20), tag, digest and failure.
 * The same seed gives the same events.
 */
public final class SyntheticHistory {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Random random;
    private final int liveContainers;
    private final Deque<Event> pending = new ArrayDeque<>();
    private final List<String> images = new ArrayList<>();
    private final Map<String, String> layerOf = new java.util.HashMap<>();
    private final Map<String, List<String>> tagsOf = new java.util.HashMap<>();
    private final List<String> networks = new ArrayList<>();
    /** Containers alive, with what happens to them next. */
    private final List<Life> alive = new ArrayList<>();
    private long counter;
    private long clock = 1_700_000_000_000_000_000L;

    private static final class Life {
        final String id;
        final String network;
        final String image;
        int step;

        Life(String id, String network, String image) {
            this.id = id;
            this.network = network;
            this.image = image;
        }
    }

    public SyntheticHistory(long seed, int liveContainers) {
        this.random = new Random(seed);
        this.liveContainers = liveContainers;
        for (int i = 0; i < 3; i++) {
            addNetwork();
        }
        for (int i = 0; i < 5; i++) {
            addImage();
        }
    }

    /** The next event. */
    public Event next() {
        while (pending.isEmpty()) {
            step();
        }
        return pending.poll();
    }

    /** The next {@code n} events (n small: one batch). */
    public List<Event> next(int n) {
        List<Event> batch = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            batch.add(next());
        }
        return batch;
    }

    private void step() {
        clock += 1_000_000L + random.nextInt(50_000_000);
        int dice = random.nextInt(1000);
        if (dice < 2) {
            addImage();
        } else if (dice < 3 && networks.size() < 20) {
            addNetwork();
        } else if (dice < 6 && !images.isEmpty()) {
            String image = pick(images);
            String tag = "app:v" + (counter++);
            pending.add(new ImageTagged(image, tag));
            tagsOf.get(image).add(tag);
            if (random.nextBoolean()) {
                pending.add(new ImageDigestRecorded(image, "localhost:5000/app@sha256:" + hex(64)));
            }
        } else if (alive.size() < liveContainers && (alive.isEmpty() || random.nextInt(3) == 0)) {
            create();
        } else {
            advance(alive.get(random.nextInt(alive.size())));
        }
    }

    private void create() {
        String id = hex(64);
        String network = pick(networks);
        ObjectNode config = JSON.createObjectNode();
        config.putArray("Cmd").add("sh").add("-c").add("sleep " + random.nextInt(1000));
        config.putObject("Labels").put("app", "svc" + random.nextInt(20));
        ObjectNode hostConfig = JSON.createObjectNode().put("NetworkMode", "bridge");
        String image = pick(images);
        pending.add(new ContainerCreated(id, "c" + (counter++), "app:latest", image, config, hostConfig,
                clock, "overlay"));
        pending.add(new ContainerConnected(id, network, List.of("alias" + random.nextInt(100)), "", List.of()));
        alive.add(new Life(id, network, image));
    }

    /** A container's life: start, run, stop, measure, maybe restart, then removal. */
    private void advance(Life c) {
        int pid = 1000 + random.nextInt(60000);
        switch (c.step++) {
            case 0 -> pending.add(new ContainerStartRequested(c.id));
            case 1 -> {
                if (random.nextInt(50) == 0) {
                    pending.add(new ContainerStartFailed(c.id, 127, "exec: \"nope\": not found", clock));
                    c.step = 5;
                } else {
                    pending.add(new ContainerStarted(c.id, pid, clock / 10_000_000, pid - 1, clock / 10_000_000, clock));
                    pending.add(new EndpointAllocated(c.id, c.network, "eth0", "10.0." + random.nextInt(255) + "."
                            + (2 + random.nextInt(250)), "02:42:ac:11:00:0" + random.nextInt(10), true,
                            random.nextBoolean() ? List.of(new PublishedPort("tcp", "0.0.0.0", 32768 + random.nextInt(20000), 80))
                                    : List.of()));
                }
            }
            case 2 -> pending.add(new ContainerKillRequested(c.id, 15, 10));
            case 3 -> {
                pending.add(new ContainerExited(c.id, random.nextInt(3) == 0 ? 137 : 0, false, clock, ""));
                pending.add(new EndpointReleased(c.id, c.network));
            }
            case 4 -> {
                pending.add(new ContainerSizeMeasured(c.id, random.nextInt(1 << 20)));
                if (random.nextInt(4) == 0) {
                    c.step = 0; // restarted later
                }
            }
            default -> {
                pending.add(new ContainerRemoveRequested(c.id));
                pending.add(new ContainerDisconnected(c.id, c.network));
                pending.add(new ContainerRemoved(c.id));
                alive.remove(c);
            }
        }
    }

    private void addImage() {
        String layer = "sha256:" + hex(64);
        String id = "sha256:" + hex(64);
        pending.add(new LayerCreated(layer, layer, "", 1000 + random.nextInt(100000)));
        pending.add(new ImageCreated(id, List.of(layer), 5000, clock, "",
                "{\"config\":{\"Cmd\":[\"sh\"],\"Env\":[\"PATH=/bin\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                        + layer + "\"]}}", null, null, ImageCreated.PULL));
        String tag = "app" + (counter++) + ":latest";
        pending.add(new ImageTagged(id, tag));
        pending.add(new LayerBlobRecorded(layer, "sha256:" + hex(64), 900, "application/vnd.oci.image.layer.v1.tar+gzip"));
        images.add(id);
        layerOf.put(id, layer);
        tagsOf.put(id, new ArrayList<>(List.of(tag)));
        if (images.size() > 30) {
            deleteOldestUnusedImage();
        }
    }

    /** rmi of the oldest image no container uses: untag, delete, remove its layer. */
    private void deleteOldestUnusedImage() {
        for (String image : images) {
            if (alive.stream().noneMatch(c -> c.image.equals(image))) {
                tagsOf.remove(image).forEach(tag -> pending.add(new ImageUntagged(image, tag)));
                pending.add(new ImageDeleted(image));
                pending.add(new LayerRemoved(layerOf.remove(image)));
                images.remove(image);
                return;
            }
        }
    }

    private void addNetwork() {
        String id = hex(64);
        int n = networks.size();
        pending.add(new NetworkCreated(id, "net" + n, "bridge", "10." + (100 + n) + ".0.0/24", "10." + (100 + n) + ".0.1",
                "", false, true, Map.of("team", "t" + n), Map.of(), clock));
        networks.add(id);
    }

    private String pick(List<String> from) {
        return from.get(random.nextInt(from.size()));
    }

    private String hex(int chars) {
        byte[] bytes = new byte[chars / 2];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
