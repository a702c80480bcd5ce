package io.berth.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MainTest {

    @Test
    void parsesDaemonFlags() throws Exception {
        Main.Options o = Main.parse(new String[] {"--data-root", "/d", "--exec-root=/e", "-H", "unix:///s.sock",
                "--storage-driver", "vfs", "--log-level", "debug", "--fsync", "--no-side-effects", "-p", "/pid"});
        assertEquals(Path.of("/d"), o.dataRoot());
        assertEquals(Path.of("/e"), o.execRoot());
        assertEquals("unix:///s.sock", o.host());
        assertEquals("vfs", o.storageDriver());
        assertEquals("debug", o.logLevel());
        assertTrue(o.fsync());
        assertTrue(o.noSideEffects());
        assertEquals(Path.of("/pid"), o.pidfile());
    }

    @Test
    void refusesBadFlags() {
        assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"--nope"}));
        assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"--data-root"}));
        assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"-H", "tcp://1.2.3.4:2375"}));
        assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"--log-level", "loud"}));
        assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"--history-retention-age", "soon"}));
        assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"--history-retention-size", "-1"}));
        assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"--snapshot-interval", "0"}));
        assertThrows(Main.UsageException.class, () -> Main.parse(new String[] {"--log-roll-cycle", "weekly"}));
    }

    @Test
    void parsesHistoryFlags() throws Exception {
        HistoryConfig h = Main.parse(new String[] {"--history-retention-age", "1d12h", "--history-retention-size=512m",
                "--snapshot-interval", "5000", "--log-roll-cycle", "minutely", "--audit-reads"}).history();
        assertEquals(java.time.Duration.ofHours(36), h.retentionAge());
        assertEquals(512L << 20, h.retentionBytes());
        assertEquals(5000, h.snapshotInterval());
        assertEquals("minutely", h.rollCycle());
        assertTrue(h.auditReads());
        assertEquals(HistoryConfig.defaults(), Main.parse(new String[0]).history());
    }
}
