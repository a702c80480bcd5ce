package io.berth.kernel.cgroup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CgroupFsTest {

    /** A cgroup filesystem whose reads fail the way the kernel's do. */
    private static CgroupFs failingWith(String message) {
        return new CgroupFs() {
            @Override
            public String read(Path file) throws IOException {
                throw new IOException(message);
            }
        };
    }

    @Test
    void readsPidsOnePerLine(@TempDir Path dir) throws IOException {
        Path procs = dir.resolve("cgroup.procs");
        Files.writeString(procs, "12\n345\n");
        assertEquals(List.of(12, 345), new CgroupFs().readPids(procs));
    }

    @Test
    void aMissingCgroupHasNoPids(@TempDir Path dir) throws IOException {
        assertEquals(List.of(), new CgroupFs().readPids(dir.resolve("gone/cgroup.procs")));
    }

    @Test
    void aCgroupBeingRemovedHasNoPids() throws IOException {
        // v1 answers ENODEV while a removed cgroup's directory is still listed
        assertEquals(List.of(), failingWith("No such device").readPids(Path.of("/x/cgroup.procs")));
    }

    @Test
    void otherReadErrorsAreReported() {
        assertThrows(IOException.class, () -> failingWith("Permission denied").readPids(Path.of("/x/cgroup.procs")));
    }
}
