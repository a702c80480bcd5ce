package io.berth.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** version, info, the API version prefixes, and the HTTP layer's hijack as non-CLI clients use it. */
class SystemE2EIT extends E2E {

    static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void versionReportsApi147(String c) throws Exception {
        String out = d.client(c, "version").ok().out();
        assertTrue(out.contains("Server"), out);
        assertTrue(out.matches("(?s).*API version:\\s+1\\.47.*"), "server API 1.47: " + out);
        if (c.equals("docker")) {
            assertEquals("1.47", d.docker("version", "-f", "{{.Server.APIVersion}}").ok().out().trim());
            assertEquals("1.47", d.docker("version", "-f", "{{.Client.APIVersion}}").ok().out().trim(),
                    "the CLI negotiated down to the daemon's API version");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker", "berth"})
    void infoListsDriversAndTheirStatus(String c) throws Exception {
        String out = d.client(c, "info").ok().out();
        assertTrue(out.contains("Storage Driver: overlay"), out);
        for (String driver : new String[] {"overlay", "none", "host", "namespaces"}) {
            assertTrue(out.contains(driver), "driver " + driver + " listed: " + out);
        }
        assertTrue(out.contains("usable"), "driver status listed: " + out);
        if (c.equals("docker")) {
            assertEquals("overlay", d.docker("info", "-f", "{{.Driver}}").ok().out().trim());
        }
    }

    @Test
    void everyApiPrefixFrom124To147IsAccepted() throws Exception {
        for (int minor = 24; minor <= 47; minor++) {
            String[] version = d.raw("GET", "/v1." + minor + "/version", null);
            assertTrue(version[0].contains(" 200 "), "/v1." + minor + "/version: " + version[0] + " " + version[1]);
            assertEquals("1.47", JSON.readTree(version[1]).path("ApiVersion").asText(), version[1]);
            String[] info = d.raw("GET", "/v1." + minor + "/info", null);
            assertTrue(info[0].contains(" 200 "), "/v1." + minor + "/info: " + info[0]);
            String[] list = d.raw("GET", "/v1." + minor + "/containers/json?all=1", null);
            assertTrue(list[0].contains(" 200 "), "/v1." + minor + "/containers/json: " + list[0]);
        }
        String[] unversioned = d.raw("GET", "/version", null);
        assertTrue(unversioned[0].contains(" 200 "), unversioned[0]);
        JsonNode v = JSON.readTree(unversioned[1]);
        assertTrue(v.path("Version").asText().matches("\\d+\\.\\d+\\.\\d+.*"), "a semver Version: " + v);
        assertTrue(unversioned[2].contains("api-version: 1.47"), "the Api-Version header: " + unversioned[2]);
    }

    @Test
    void aPrefixAboveTheMaximumIsRejected() throws Exception {
        String[] tooNew = d.raw("GET", "/v1.48/version", null);
        assertTrue(tooNew[0].contains(" 400 "), tooNew[0]);
        JsonNode body = JSON.readTree(tooNew[1]);
        assertEquals("client version 1.48 is too new. Maximum supported API version is 1.47", body.path("message").asText(), tooNew[1]);
        BerthDaemon.Result pinned = BerthDaemon.run(java.util.List.of("docker", "ps"),
                java.util.Map.of("DOCKER_HOST", "unix://" + d.socket(), "DOCKER_CONFIG", d.root.resolve("dockercfg").toString(),
                        "DOCKER_API_VERSION", "1.48"), null);
        assertEquals(1, pinned.code(), pinned.all());
        assertTrue(pinned.err().contains("Maximum supported API version is 1.47"), pinned.err());
    }

    @Test
    void pingAnswersHeadAndGet() throws Exception {
        String[] get = d.raw("GET", "/_ping", null);
        assertTrue(get[0].contains(" 200 ") && get[1].equals("OK"), get[0] + " " + get[1]);
        String[] head = d.raw("HEAD", "/_ping", null);
        assertTrue(head[0].contains(" 200 "), head[0]);
        assertTrue(head[2].contains("api-version: 1.47") && head[2].contains("ostype: linux"), head[2]);
    }

    @Test
    void hijackOnAReusedConnectionWithoutUpgrade() throws Exception {
        // docker-java (Testcontainers) attaches on a pooled keep-alive connection and sends no Upgrade header
        String id = d.docker("create", "busybox", "sh", "-c", "echo kept").ok().out().trim();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(d.socket()));
            var in = Channels.newInputStream(ch);
            ch.write(ByteBuffer.wrap("GET /v1.44/_ping HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            String head = readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            assertEquals("OK", new String(in.readNBytes(2), StandardCharsets.US_ASCII), "the ping body; the connection stays open");
            ch.write(ByteBuffer.wrap(("POST /v1.44/containers/" + id + "/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\n"
                    + "Host: x\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
            String hijack = readHead(in);
            assertTrue(hijack.startsWith("HTTP/1.1 200 OK"), hijack);
            d.docker("start", id).ok();
            byte[] frame = in.readNBytes(8 + 5);
            assertEquals(1, frame[0], "a stdout frame");
            assertEquals("kept\n", new String(frame, 8, 5, StandardCharsets.US_ASCII));
        }
        assertEquals("0", d.docker("wait", id).ok().out().trim());
        d.docker("rm", id).ok();
    }

    @Test
    void createAcceptsJsonFullOfNullsAndUnknownFields() throws Exception {
        String body = "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"Env\":null,\"Labels\":null,\"HostConfig\":{\"Binds\":null,"
                + "\"Memory\":0,\"NoSuchField\":42},\"NetworkingConfig\":null,\"Whatever\":{\"x\":[1,2]}}";
        String[] r = d.raw("POST", "/v1.44/containers/create?name=nulls", body);
        assertTrue(r[0].contains(" 201 "), r[0] + " " + r[1]);
        assertEquals(64, JSON.readTree(r[1]).path("Id").asText().length(), r[1]);
        d.docker("rm", "nulls").ok();
    }

    private static String readHead(java.io.InputStream in) throws java.io.IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        return head.toString();
    }
}
