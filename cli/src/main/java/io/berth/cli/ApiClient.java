package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.URLEncoder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A small HTTP/1.1 client of the Docker Engine API on a unix socket: one connection per request, bodies
 * with Content-Length or chunked, and hijacked connections for attach (101 UPGRADED, then raw bytes both
 * ways, with a half-close when our stdin ends).
 */
public final class ApiClient {

    public static final String VERSION_PREFIX = "/v1.47";
    static final ObjectMapper JSON = new ObjectMapper();

    private final Path socket;

    public ApiClient(Path socket) {
        this.socket = socket;
    }

    /** An HTTP response whose body is read as a stream. */
    public static final class Response implements AutoCloseable {
        public final int status;
        public final Map<String, String> headers;
        public final InputStream body;
        private final SocketChannel channel;

        Response(int status, Map<String, String> headers, InputStream body, SocketChannel channel) {
            this.status = status;
            this.headers = headers;
            this.body = body;
            this.channel = channel;
        }

        public byte[] bytes() throws IOException {
            return body.readAllBytes();
        }

        public JsonNode json() throws IOException {
            byte[] b = bytes();
            return b.length == 0 ? JSON.nullNode() : JSON.readTree(b);
        }

        /** The error message of a non-2xx answer ({"message": ...}), or the body as text. */
        public String errorMessage() throws IOException {
            byte[] b = bytes();
            try {
                JsonNode n = JSON.readTree(b);
                if (n != null && n.has("message")) {
                    return n.get("message").asText();
                }
            } catch (IOException ignored) {
                // not JSON
            }
            return new String(b, StandardCharsets.UTF_8).trim();
        }

        public boolean ok() {
            return status >= 200 && status < 300;
        }

        /**
         * Reads a JSONMessage stream (import, load, pull, push, build): one JSON document after another,
         * each to {@code each}; a non-2xx answer is an {@link ApiError}, an in-stream error
         * ({@code errorDetail} / {@code error}) a {@link StreamError}.
         */
        public void jsonMessages(java.util.function.Consumer<JsonNode> each) throws IOException {
            if (!ok()) {
                throw new ApiError(status, errorMessage());
            }
            try (com.fasterxml.jackson.databind.MappingIterator<JsonNode> messages = JSON.readerFor(JsonNode.class).readValues(body)) {
                while (messages.hasNextValue()) {
                    JsonNode m = messages.nextValue();
                    if (m.has("errorDetail") || m.has("error")) {
                        throw new StreamError(m.path("errorDetail").path("code").asInt(0),
                                m.path("errorDetail").path("message").asText(m.path("error").asText()));
                    }
                    each.accept(m);
                }
            }
        }

        /** Takes one line of a JSON-lines stream. */
        public interface LineHandler {
            void accept(String line) throws IOException;
        }

        /**
         * Reads a JSON-lines stream (events, audit records) to its end: each non-blank line to {@code each},
         * as it arrives; a non-2xx answer is an {@link ApiError}.
         */
        public void jsonLines(LineHandler each) throws IOException {
            if (!ok()) {
                throw new ApiError(status, errorMessage());
            }
            java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(body, StandardCharsets.UTF_8));
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (!line.isBlank()) {
                    each.accept(line);
                }
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** The daemon answered with an error status. */
    public static class ApiError extends IOException {
        public final int status;

        public ApiError(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    /**
     * An error the daemon reported inside a JSONMessage stream, after its 200 answer:
     * {@code {"errorDetail": {"code": N, "message": ...}, "error": ...}}; {@code code} is 0 when absent.
     */
    public static final class StreamError extends ApiError {
        public final int code;

        public StreamError(int code, String message) {
            super(500, message);
            this.code = code;
        }
    }

    /** A request body produced by writing it (sent chunked as it is written), such as a build context's tar. */
    @FunctionalInterface
    public interface BodyWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * --filter k=v flags as the API's filters document: {"k": {"v": true}}, names lowercased and both
     * sides trimmed, sorted as Go marshals the maps (the docker CLI's FilterOpt).
     */
    public static com.fasterxml.jackson.databind.node.ObjectNode filters(java.util.List<String> flags) throws Flags.UsageException {
        java.util.Map<String, java.util.SortedSet<String>> sorted = new java.util.TreeMap<>();
        for (String filter : flags) {
            if (filter.isEmpty()) {
                continue;
            }
            int eq = filter.indexOf('=');
            if (eq < 0) {
                throw new Flags.UsageException("bad format of filter (expected name=value)");
            }
            sorted.computeIfAbsent(filter.substring(0, eq).strip().toLowerCase(Locale.ROOT), k -> new java.util.TreeSet<>())
                    .add(filter.substring(eq + 1).strip());
        }
        var node = JSON.createObjectNode();
        sorted.forEach((key, values) -> {
            var set = node.putObject(key);
            values.forEach(v -> set.put(v, true));
        });
        return node;
    }

    /** A name (container, network, ...) as it stands in a request's path. */
    public static String encode(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8);
    }

    /** "?k=v&...": the parameters in their map's order; a null value is left out. */
    public static String query(Map<String, String> params) {
        Map<String, java.util.List<String>> multi = new LinkedHashMap<>();
        params.forEach((k, v) -> multi.put(k, v == null ? java.util.List.of() : java.util.List.of(v)));
        return multiQuery(multi);
    }

    /** "?t=a&t=b&...": each parameter once per value, in the map's order (a TreeMap gives Go's url.Values order). */
    public static String multiQuery(Map<String, ? extends java.util.Collection<String>> params) {
        StringBuilder b = new StringBuilder();
        params.forEach((k, values) -> {
            for (String v : values) {
                b.append(b.length() == 0 ? '?' : '&').append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                        .append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
            }
        });
        return b.toString();
    }

    /**
     * Streams over the channel that read and write independently. (Channels.newInputStream and
     * newOutputStream share the channel's blocking lock, so a read waiting for container output would
     * hold up our stdin on JDK 17.)
     */
    static InputStream in(SocketChannel ch) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return len == 0 ? 0 : ch.read(java.nio.ByteBuffer.wrap(b, off, len));
            }
        };
    }

    static OutputStream out(SocketChannel ch) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
        };
    }

    private SocketChannel connect() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            ch.close();
            throw new IOException("Cannot connect to the berth daemon at unix://" + socket + ". Is berthd running?");
        }
        return ch;
    }

    /** Sends a request; {@code body} may be null, a byte array, or an InputStream or a {@link BodyWriter} (sent chunked). */
    public Response request(String method, String path, Object body, String contentType) throws IOException {
        return request(method, path, body, contentType, Map.of());
    }

    /** As {@link #request(String, String, Object, String)}, with more headers (X-Registry-Auth). */
    public Response request(String method, String path, Object body, String contentType, Map<String, String> headers)
            throws IOException {
        SocketChannel ch = connect();
        OutputStream out = out(ch);
        writeHead(out, method, path, body, contentType, false, headers);
        writeBody(out, body);
        return readResponse(ch, in(ch), method.equals("HEAD"));
    }

    /** A request whose error statuses become {@link ApiError}. */
    public Response call(String method, String path, Object body) throws IOException {
        Response r = request(method, path, body instanceof JsonNode || body instanceof Map ? JSON.writeValueAsBytes(body) : body,
                body == null ? null : "application/json");
        if (!r.ok()) {
            String message = r.errorMessage();
            r.close();
            throw new ApiError(r.status, message);
        }
        return r;
    }

    public JsonNode json(String method, String path, Object body) throws IOException {
        try (Response r = call(method, path, body)) {
            return r.json();
        }
    }

    /** A hijacked connection: raw bytes after the 101 answer. */
    public static final class Hijacked implements AutoCloseable {
        public final InputStream in;
        public final OutputStream out;
        private final SocketChannel channel;

        Hijacked(InputStream in, OutputStream out, SocketChannel channel) {
            this.in = in;
            this.out = out;
            this.channel = channel;
        }

        /** Tells the daemon our input ended (stdin EOF), keeping the output open. */
        public void closeWrite() throws IOException {
            channel.shutdownOutput();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    public Hijacked hijack(String path, byte[] body) throws IOException {
        SocketChannel ch = connect();
        OutputStream out = out(ch);
        writeHead(out, "POST", path, body, body == null ? "text/plain" : "application/json", true);
        writeBody(out, body);
        InputStream in = new java.io.BufferedInputStream(in(ch));
        String status = readLine(in);
        Map<String, String> headers = readHeaders(in);
        int code = parseStatus(status);
        if (code != 101 && code != 200) {
            Response r = new Response(code, headers, bodyStream(in, headers, false), ch);
            String message = r.errorMessage();
            ch.close();
            throw new ApiError(code, message);
        }
        return new Hijacked(in, out, ch);
    }

    private void writeHead(OutputStream out, String method, String path, Object body, String contentType,
                           boolean upgrade) throws IOException {
        writeHead(out, method, path, body, contentType, upgrade, Map.of());
    }

    private void writeHead(OutputStream out, String method, String path, Object body, String contentType,
                           boolean upgrade, Map<String, String> extra) throws IOException {
        StringBuilder h = new StringBuilder();
        h.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: berth\r\nUser-Agent: berth-cli/0.1.0\r\n");
        extra.forEach((k, v) -> h.append(k).append(": ").append(v).append("\r\n"));
        if (upgrade) {
            h.append("Connection: Upgrade\r\nUpgrade: tcp\r\n");
        } else {
            h.append("Connection: close\r\n");
        }
        if (contentType != null) {
            h.append("Content-Type: ").append(contentType).append("\r\n");
        }
        if (body instanceof byte[] b) {
            h.append("Content-Length: ").append(b.length).append("\r\n");
        } else if (body instanceof InputStream || body instanceof BodyWriter) {
            h.append("Transfer-Encoding: chunked\r\n");
        } else if (!method.equals("GET") && !method.equals("HEAD")) {
            h.append("Content-Length: 0\r\n");
        }
        h.append("\r\n");
        out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    private static void writeBody(OutputStream out, Object body) throws IOException {
        if (body instanceof byte[] b) {
            out.write(b);
        } else if (body instanceof InputStream in) {
            ChunkedOutputStream chunked = new ChunkedOutputStream(out);
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                chunked.write(buf, 0, n);
            }
            chunked.close();
        } else if (body instanceof BodyWriter writer) {
            ChunkedOutputStream chunked = new ChunkedOutputStream(out);
            java.io.BufferedOutputStream buffered = new java.io.BufferedOutputStream(chunked, 1 << 16);
            writer.writeTo(buffered);
            buffered.flush();
            chunked.close();
        }
        out.flush();
    }

    /** Encodes a body chunked: each write a chunk, close the last (empty) chunk; the connection stays open. */
    static final class ChunkedOutputStream extends OutputStream {
        private final OutputStream out;

        ChunkedOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return; // an empty chunk would end the body
            }
            out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(b, off, len);
            out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }

        @Override
        public void close() throws IOException {
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    private static Response readResponse(SocketChannel ch, InputStream raw, boolean head) throws IOException {
        InputStream in = new java.io.BufferedInputStream(raw);
        int status = parseStatus(readLine(in));
        Map<String, String> headers = readHeaders(in);
        return new Response(status, headers, bodyStream(in, headers, head || status == 204 || status == 304), ch);
    }

    private static int parseStatus(String line) throws IOException {
        String[] p = line.split(" ", 3);
        if (p.length < 2 || !p[0].startsWith("HTTP/")) {
            throw new IOException("bad response from the daemon: " + line);
        }
        return Integer.parseInt(p[1]);
    }

    private static Map<String, String> readHeaders(InputStream in) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line; !(line = readLine(in)).isEmpty(); ) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        return headers;
    }

    private static InputStream bodyStream(InputStream in, Map<String, String> headers, boolean none) {
        if (none) {
            return InputStream.nullInputStream();
        }
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            return new ChunkedInputStream(in);
        }
        String length = headers.get("content-length");
        if (length != null) {
            return new BoundedInputStream(in, Long.parseLong(length));
        }
        return in;
    }

    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                if (b.size() == 0) {
                    throw new EOFException("the daemon closed the connection");
                }
                break;
            }
            b.write(c);
        }
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** Decodes a chunked body. */
    static final class ChunkedInputStream extends InputStream {
        private final InputStream in;
        private long remaining;
        private boolean done;

        ChunkedInputStream(InputStream in) {
            this.in = in;
        }

        private boolean nextChunk() throws IOException {
            if (done) {
                return false;
            }
            String line = readLine(in);
            int semi = line.indexOf(';');
            remaining = Long.parseLong((semi < 0 ? line : line.substring(0, semi)).trim(), 16);
            if (remaining == 0) {
                done = true;
                while (!readLine(in).isEmpty()) {
                    // trailers
                }
                return false;
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining == 0) {
                if (!nextChunk()) {
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n < 0) {
                throw new EOFException("truncated chunked body");
            }
            remaining -= n;
            if (remaining == 0) {
                readLine(in);
            }
            return n;
        }
    }

    static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long remaining;

        BoundedInputStream(InputStream in, long length) {
            this.in = in;
            this.remaining = length;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int c = in.read();
            if (c >= 0) {
                remaining--;
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }
    }
}
