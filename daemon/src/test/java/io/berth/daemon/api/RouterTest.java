package io.berth.daemon.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.Test;

class RouterTest {

    @Test
    void matchesParametersAndRest() {
        Router r = new Router();
        Router.Handler a = c -> { };
        Router.Handler b = c -> { };
        r.get("/containers/{id}/json", a);
        r.get("/images/{name*}/json", b);
        assertEquals("abc", r.match(HttpMethod.GET, "/containers/abc/json").params().get("id"));
        assertEquals("localhost:5000/app/x:1", r.match(HttpMethod.GET, "/images/localhost:5000/app/x:1/json").params().get("name"));
        assertNull(r.match(HttpMethod.POST, "/containers/abc/json"));
        assertNull(r.match(HttpMethod.GET, "/containers/abc"));
    }

    @Test
    void filtersAcceptBothEncodings() {
        Filters go = Filters.parse("{\"label\":{\"a=b\":true},\"status\":{\"exited\":true}}");
        Filters py = Filters.parse("{\"label\":[\"a=b\"],\"status\":[\"exited\"]}");
        assertEquals(go.get("label"), py.get("label"));
        assertEquals(go.get("status"), py.get("status"));
        assertEquals(true, go.matchLabels(java.util.Map.of("a", "b")));
        assertEquals(false, go.matchLabels(java.util.Map.of("a", "c")));
    }

    @Test
    void humanDurations() {
        assertEquals("Less than a second", Times.human(java.time.Duration.ofMillis(300)));
        assertEquals("5 seconds", Times.human(java.time.Duration.ofSeconds(5)));
        assertEquals("About a minute", Times.human(java.time.Duration.ofSeconds(70)));
        assertEquals("2 minutes", Times.human(java.time.Duration.ofSeconds(130)));
        assertEquals("About an hour", Times.human(java.time.Duration.ofMinutes(61)));
        assertEquals(1795837972_500000000L, Times.parseUnixNanos("1795837972.5", 0));
    }
}
