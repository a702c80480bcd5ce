package io.berth.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The native monitor's json-file writer, through `berth-monitor jsonlog` (no root needed). */
class MonitorJsonLogTest {

    static final Path MONITOR = Path.of("target/native/berth-monitor");

    @TempDir
    Path dir;

    List<String> run(byte[] input, long maxSize, int maxFiles) throws Exception {
        Path log = dir.resolve("c-json.log");
        Process p = new ProcessBuilder(MONITOR.toAbsolutePath().toString(), "jsonlog", log.toString(),
                Long.toString(maxSize), Integer.toString(maxFiles)).redirectErrorStream(true).start();
        try (OutputStream out = p.getOutputStream()) {
            out.write(input);
        }
        assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        return Files.readAllLines(log);
    }

    @Test
    void escapesAsGoEncodingJsonDoes() throws Exception {
        byte[] in = "a\u0001<&>X\"\\\tb\u2028\n".getBytes(StandardCharsets.UTF_8);
        in[5] = (byte) 0xff; // an invalid UTF-8 byte in place of X
        List<String> lines = run(in, 0, 1);
        assertEquals(1, lines.size());
        String l = lines.get(0);
        assertTrue(l.startsWith("{\"log\":\"a\\u0001\\u003c\\u0026\\u003e\\ufffd\\\"\\\\\\tb\\u2028\\n\",\"stream\":\"stdout\",\"time\":\""), l);
        assertTrue(l.matches(".*\"time\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z\"}$"), l);
    }

    @Test
    void longLinesAreSplitIntoRecordsOfAtMost16KiB() throws Exception {
        byte[] in = "x".repeat(40000).getBytes(StandardCharsets.US_ASCII);
        List<String> lines = run(in, 0, 1);
        int total = 0;
        for (String l : lines) {
            int n = l.length() - l.replace("x", "").length();
            assertTrue(n <= 16384, "record of " + n);
            total += n;
        }
        assertEquals(40000, total);
    }

    @Test
    void rotatesBySizeKeepingMaxFiles() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            sb.append("line-").append(i).append('\n');
        }
        List<String> last = run(sb.toString().getBytes(StandardCharsets.US_ASCII), 1000, 3);
        assertTrue(Files.exists(dir.resolve("c-json.log.1")));
        assertTrue(Files.exists(dir.resolve("c-json.log.2")));
        assertFalse(Files.exists(dir.resolve("c-json.log.3")));
        for (String f : List.of("c-json.log", "c-json.log.1", "c-json.log.2")) {
            assertTrue(Files.size(dir.resolve(f)) <= 1000, f);
        }
        assertTrue(last.get(last.size() - 1).startsWith("{\"log\":\"line-199\\n\""), last.toString());
    }

    @Test
    void reportsUsage() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(MONITOR.toAbsolutePath().toString(), "version").start();
        assertEquals("berth-monitor protocol 1", new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim());
        assertEquals(0, p.waitFor());
    }
}
