package io.berth.daemon.network.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * An upstream DNS server on 127.0.0.1 (an ephemeral port, UDP and TCP) that answers with whatever the
 * test's function makes of each query; a null answer is silence. It keeps every query it received.
 */
final class FakeUpstream implements AutoCloseable {

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final Function<byte[], byte[]> udpAnswer;
    private final Function<byte[], byte[]> tcpAnswer;
    private final BlockingQueue<byte[]> udpQueries = new LinkedBlockingQueue<>();
    private final BlockingQueue<byte[]> tcpQueries = new LinkedBlockingQueue<>();

    FakeUpstream(Function<byte[], byte[]> answer) throws IOException {
        this(answer, answer);
    }

    FakeUpstream(Function<byte[], byte[]> udpAnswer, Function<byte[], byte[]> tcpAnswer) throws IOException {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        this.udpAnswer = udpAnswer;
        this.tcpAnswer = tcpAnswer;
        this.udp = new DatagramSocket(new InetSocketAddress(loopback, 0));
        this.tcp = new ServerSocket(udp.getLocalPort(), 8, loopback);
        daemon("fake-upstream-udp", this::serveUdp);
        daemon("fake-upstream-tcp", this::serveTcp);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) udp.getLocalSocketAddress();
    }

    /** The next query that arrived over UDP, or null after a few seconds. */
    byte[] nextUdpQuery() throws InterruptedException {
        return udpQueries.poll(5, TimeUnit.SECONDS);
    }

    byte[] nextTcpQuery() throws InterruptedException {
        return tcpQueries.poll(5, TimeUnit.SECONDS);
    }

    int udpQueriesWaiting() {
        return udpQueries.size();
    }

    @Override
    public void close() throws IOException {
        udp.close();
        tcp.close();
    }

    private void serveUdp() {
        byte[] buffer = new byte[65535];
        while (!udp.isClosed()) {
            try {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                udp.receive(packet);
                byte[] query = Arrays.copyOf(packet.getData(), packet.getLength());
                udpQueries.add(query);
                byte[] answer = udpAnswer.apply(query);
                if (answer != null) {
                    udp.send(new DatagramPacket(answer, answer.length, packet.getSocketAddress()));
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serveTcp() {
        while (!tcp.isClosed()) {
            try (Socket connection = tcp.accept()) {
                DataInputStream in = new DataInputStream(connection.getInputStream());
                byte[] query = new byte[in.readUnsignedShort()];
                in.readFully(query);
                tcpQueries.add(query);
                byte[] answer = tcpAnswer.apply(query);
                if (answer != null) {
                    DataOutputStream out = new DataOutputStream(connection.getOutputStream());
                    out.writeShort(answer.length);
                    out.write(answer);
                    out.flush();
                }
            } catch (IOException e) {
                if (tcp.isClosed()) {
                    return;
                }
            }
        }
    }

    private static void daemon(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
    }
}
