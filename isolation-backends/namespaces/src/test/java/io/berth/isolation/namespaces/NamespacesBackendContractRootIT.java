package io.berth.isolation.namespaces;

import io.berth.plugin.isolation.IsolationBackend;
import io.berth.plugin.isolation.IsolationBackendContract;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The namespaces backend against the isolation contract, on the real kernel (root). */
class NamespacesBackendContractRootIT extends IsolationBackendContract {

    private static Path root;

    @BeforeAll
    static void buildRootfs() throws Exception {
        root = Files.createTempDirectory("berth-contract-rootfs");
        Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        NamespacesBackendRootIT.buildRootfs(root);
    }

    @AfterAll
    static void removeRootfs() throws Exception {
        NamespacesBackend.deleteTree(root);
    }

    @Override
    protected IsolationBackend newBackend() {
        return new NamespacesBackend();
    }

    @Override
    protected Path libexec() {
        return Path.of(System.getProperty("berth.libexec", "../../kernel-bridge/target/native")).toAbsolutePath();
    }

    @Override
    protected Path rootfs() {
        return root;
    }
}
