package io.berth.daemon.api;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TimesTest {

    private static final long NOW = 1_800_000_000_000_000_000L;

    @Test
    void filterTimesAcceptGoDurationsCountingBackFromNow() {
        assertEquals(NOW - 24 * 3600_000_000_000L, Times.filterTime("24h", NOW));
        assertEquals(NOW - 5400_000_000_000L, Times.filterTime("1h30m", NOW));
        assertEquals(NOW - 1_500_000_000L, Times.filterTime("1.5s", NOW));
    }

    @Test
    void filterTimesAcceptUnixSecondsAndRfc3339() {
        assertEquals(1_700_000_000_000_000_000L, Times.filterTime("1700000000", NOW));
        assertEquals(1_700_000_000_250_000_000L, Times.filterTime("1700000000.25", NOW));
        assertEquals(1_700_000_000_000_000_000L, Times.filterTime("2023-11-14T22:13:20Z", NOW));
        assertEquals(400, assertThrows(ApiException.class, () -> Times.filterTime("yesterday", NOW)).kind().status);
    }

    @Test
    void epochSecondsFallsBackForAMissingTime() {
        assertEquals(1_700_000_000L, Times.epochSeconds("2023-11-14T22:13:20Z", 0));
        assertEquals(42L, Times.epochSeconds("", 42_000_000_000L));
    }
}
