package io.berth.daemon.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ADD's downloads against an HTTP server on the loopback interface. */
class UrlFetcherTest {

    @TempDir
    Path dir;

    HttpServer server;
    String base;
    final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/files/app.tar.gz", ex -> {
            ex.getResponseHeaders().add("Last-Modified", "Wed, 21 Oct 2015 07:28:00 GMT");
            respond(ex, 200, "archive bytes");
        });
        server.createContext("/plain", ex -> respond(ex, 200, "no date"));
        server.createContext("/moved", ex -> {
            ex.getResponseHeaders().add("Location", "/files/app.tar.gz");
            respond(ex, 302, "");
        });
        server.createContext("/missing", ex -> respond(ex, 404, "  nothing here\n"));
        server.createContext("/broken", ex -> respond(ex, 500, "boom"));
        server.createContext("/dir/", ex -> {
            ex.getResponseHeaders().add("Content-Disposition", "attachment; filename=\"report.csv\"");
            respond(ex, 200, "a,b");
        });
        server.createContext("/", ex -> respond(ex, 200, "root"));
        server.createContext("/stall", ex -> {
            ex.sendResponseHeaders(200, 100);
            try (OutputStream out = ex.getResponseBody()) {
                out.write("partial".getBytes(StandardCharsets.UTF_8));
                out.flush();
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException ignored) {
                // the client gave up, as it should
            }
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Test
    void downloadsNamedAfterTheUrlPathWithMode0600AndLastModified() throws Exception {
        UrlFetcher.Fetched f = UrlFetcher.fetch(base + "/files/app.tar.gz?x=1", dir);
        assertEquals(dir.resolve("app.tar.gz"), f.file());
        assertEquals("app.tar.gz", f.name());
        assertEquals("archive bytes", Files.readString(f.file()));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f.file())));
        assertEquals(Instant.parse("2015-10-21T07:28:00Z"), Files.getLastModifiedTime(f.file()).toInstant());
        FileCopier.Source source = f.source("/dest/");
        assertEquals(new FileCopier.Source(dir, "app.tar.gz", true), source);
    }

    @Test
    void withoutLastModifiedTheMtimeIsTheEpoch() throws Exception {
        UrlFetcher.Fetched f = UrlFetcher.fetch(base + "/plain", dir);
        assertEquals(Instant.EPOCH, Files.getLastModifiedTime(f.file()).toInstant());
    }

    @Test
    void followsRedirectsAndNamesAfterTheRequestedUrl() throws Exception {
        UrlFetcher.Fetched f = UrlFetcher.fetch(base + "/moved", dir);
        assertEquals("moved", f.name());
        assertEquals("archive bytes", Files.readString(f.file()));
    }

    @Test
    void aPathEndingInSlashUsesContentDisposition() throws Exception {
        UrlFetcher.Fetched f = UrlFetcher.fetch(base + "/dir/", dir);
        assertEquals("report.csv", f.name());
        assertEquals("a,b", Files.readString(dir.resolve("report.csv")));
    }

    @Test
    void withoutAnyNameTheFileIsUnnamedAndCannotGoIntoADirectory() throws Exception {
        UrlFetcher.Fetched f = UrlFetcher.fetch(base + "/", dir);
        assertNull(f.name());
        assertEquals(dir.resolve(UrlFetcher.UNNAMED), f.file());
        assertEquals("ADD failed: cannot determine filename for source " + base + "/",
                assertThrows(BuildException.class, () -> f.source("/dest/")).getMessage());
        assertEquals(new FileCopier.Source(dir, UrlFetcher.UNNAMED, true), f.source("/dest/file"));
    }

    @Test
    void errorStatusesUseDockersText() {
        assertEquals("ADD failed: failed to GET " + base + "/missing with status 404 Not Found: nothing here",
                assertThrows(BuildException.class, () -> UrlFetcher.fetch(base + "/missing", dir)).getMessage());
        assertEquals("ADD failed: failed to GET " + base + "/broken with status 500 Internal Server Error: boom",
                assertThrows(BuildException.class, () -> UrlFetcher.fetch(base + "/broken", dir)).getMessage());
        assertEquals(0, dir.toFile().list().length);
    }

    @Test
    void aRefusedConnectionFails() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port + "/x";
        BuildException e = assertThrows(BuildException.class, () -> UrlFetcher.fetch(url, dir));
        assertTrue(e.getMessage().startsWith("ADD failed: Get \"" + url + "\": "), e.getMessage());
    }

    @Test
    void aStalledBodyTimesOutAndLeavesNoFile() {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            BuildException e = assertThrows(BuildException.class,
                    () -> UrlFetcher.fetch(base + "/stall", dir, Duration.ofSeconds(2), Duration.ofMillis(500)));
            assertTrue(e.getMessage().startsWith("ADD failed: reading " + base + "/stall: "), e.getMessage());
        });
        assertEquals(0, dir.toFile().list().length);
    }

    @Test
    void namesFollowDockersRule() {
        assertEquals("b.txt", UrlFetcher.fileName("/a/b.txt", Optional.empty()));
        assertEquals("b c", UrlFetcher.fileName("/a/b c", Optional.empty()));
        assertEquals("x.bin", UrlFetcher.fileName("/a/", Optional.of("attachment; filename=x.bin")));
        assertEquals("y", UrlFetcher.fileName("", Optional.of("inline; filename=\"../dir/y\"")));
        assertNull(UrlFetcher.fileName("/", Optional.of("attachment; filename=\"dir/\"")));
        assertNull(UrlFetcher.fileName("/..", Optional.empty()));
        assertEquals(Instant.EPOCH, UrlFetcher.lastModified(Optional.of("yesterday")));
    }
}
