package io.berth.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProcStatTest {

    @Test
    void parsesFieldTwentyTwoEvenWithParenthesesInTheName() {
        String stat = "4242 (a) b) (c) S 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 987654 1000 10 "
                + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        assertEquals(987654L, ProcStat.parseStartTime(stat));
        assertEquals('S', ProcStat.parseState(stat));
    }

    @Test
    void readsItsOwnProcess() {
        long pid = ProcessHandle.current().pid();
        long start = ProcStat.startTime((int) pid);
        assertTrue(start > 0);
        assertTrue(ProcStat.isAlive((int) pid, start));
        assertEquals(-1, ProcStat.startTime(Integer.MAX_VALUE));
    }
}
