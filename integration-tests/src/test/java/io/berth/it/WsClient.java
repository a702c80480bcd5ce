package io.berth.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * A minimal WebSocket client (RFC 6455) on a unix socket, written for the tests so that berthd's
 * WebSocket is checked against an implementation that is not its own: the handshake, unmasked server
 * frames (text, continuation, close, ping), masked client frames. Reading is explicit: a test that does
 * not call {@link #next} leaves the daemon's messages unread, as a slow subscriber does.
 */
final class WsClient implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SocketChannel channel;
    private final InputStream in;
    private int closeCode = -1;

    private WsClient(SocketChannel channel, InputStream in) {
        this.channel = channel;
        this.in = in;
    }

    /** Connects and upgrades; throws with the daemon's status line and body when it answers otherwise. */
    static WsClient connect(Path socket, String pathAndQuery) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        byte[] key = new byte[16];
        RANDOM.nextBytes(key);
        String request = "GET " + pathAndQuery + " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n";
        ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1)));
        InputStream in = Channels.newInputStream(ch);
        String status = line(in);
        StringBuilder headers = new StringBuilder();
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            headers.append(h).append('\n');
        }
        if (!status.contains(" 101 ")) {
            String body = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
            ch.close();
            throw new IOException("no upgrade: " + status + "\n" + headers + body);
        }
        return new WsClient(ch, in);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** The next text message as JSON, or null once the daemon has closed the WebSocket (see {@link #closeCode}). */
    JsonNode next() throws IOException {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        while (true) {
            int b0 = in.read();
            int b1 = in.read();
            if (b0 < 0 || b1 < 0) {
                return null;
            }
            int opcode = b0 & 0x0f;
            boolean fin = (b0 & 0x80) != 0;
            long len = b1 & 0x7f;
            if (len == 126) {
                len = (in.read() << 8) | in.read();
            } else if (len == 127) {
                len = 0;
                for (int i = 0; i < 8; i++) {
                    len = (len << 8) | in.read();
                }
            }
            byte[] payload = in.readNBytes((int) len);
            if (opcode == 0x8) {
                closeCode = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
                return null;
            }
            if (opcode == 0x9 || opcode == 0xA) {
                continue; // ping / pong
            }
            message.write(payload);
            if (fin) {
                return JSON.readTree(message.toByteArray());
            }
        }
    }

    /** The close code the daemon sent, -1 before it closed. */
    int closeCode() {
        return closeCode;
    }

    @Override
    public void close() throws IOException {
        try {
            byte[] mask = new byte[4];
            RANDOM.nextBytes(mask);
            byte[] code = {0x03, (byte) 0xe8}; // 1000
            ByteBuffer frame = ByteBuffer.allocate(8);
            frame.put((byte) 0x88).put((byte) (0x80 | code.length)).put(mask);
            frame.put((byte) (code[0] ^ mask[0])).put((byte) (code[1] ^ mask[1])).flip();
            channel.write(frame);
        } catch (IOException ignored) {
            // already closed by the daemon
        } finally {
            channel.close();
        }
    }
}
