package io.berth.daemon.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class EventTimeTest {

    static final long NOW = 1_800_000_000_123_456_789L;

    @Test
    void dockersTimestampsRfc3339AndDurations() {
        assertEquals(1_700_000_000_000_000_000L, Times.eventTime("1700000000", NOW));
        assertEquals(1_700_000_000_500_000_000L, Times.eventTime("1700000000.5", NOW));
        assertEquals(1_700_000_000_000_000_001L, Times.eventTime("1700000000.000000001", NOW));
        assertEquals(1_700_000_000_000_000_000L, Times.eventTime("2023-11-14T22:13:20Z", NOW));
        assertEquals(1_700_000_000_000_000_000L, Times.eventTime("2023-11-14T23:13:20+01:00", NOW));
        assertEquals(NOW - 600_000_000_000L, Times.eventTime("10m", NOW));
        assertEquals(NOW - 5_400_000_000_000L, Times.eventTime("1h30m", NOW));
    }

    @Test
    void garbageIsDockerdsBadRequest() {
        ApiException e = assertThrows(ApiException.class, () -> Times.eventTime("yesterday", NOW));
        assertEquals("invalid timestamp \"yesterday\": invalid seconds \"yesterday\": invalid syntax", e.getMessage());
        assertEquals(400, e.kind().status);
        e = assertThrows(ApiException.class, () -> Times.eventTime("17.x", NOW));
        assertEquals("invalid timestamp \"17.x\": invalid nanoseconds \"x\": invalid syntax", e.getMessage());
        assertThrows(ApiException.class, () -> Times.eventTime("2023-13-99T00:00:00Z", NOW));
    }
}
