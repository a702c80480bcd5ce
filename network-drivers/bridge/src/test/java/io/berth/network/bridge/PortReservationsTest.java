package io.berth.network.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.plugin.network.PortInUseException;
import io.berth.plugin.network.PortMapping;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real sockets on 127.0.0.1 (and a bind of 0.0.0.0, which sends nothing). */
class PortReservationsTest {

    static final String TARGET = "10.210.3.2";

    final PortReservations reservations = new PortReservations();

    @AfterEach
    void releaseEverything() {
        reservations.releaseAll();
    }

    @Test
    void aReservedTcpPortCanBeBoundByNobodyElseAndAcceptsNothing() throws Exception {
        int port = freePort();
        reservations.reserve("c1", tcp("127.0.0.1", port), TARGET);

        assertThrows(BindException.class, () -> bindServer("127.0.0.1", port));
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());

        reservations.release("c1");
        bindServer("127.0.0.1", port);
    }

    @Test
    void aWildcardReservationHoldsThePortOnEveryAddress() throws Exception {
        int port = freePort();
        reservations.reserve("c1", tcp("0.0.0.0", port), TARGET);
        assertThrows(BindException.class, () -> bindServer("127.0.0.1", port));
    }

    @Test
    void aReservedUdpPortCanBeBoundByNobodyElse() throws Exception {
        int port = freePort();
        reservations.reserve("c1", new PortMapping("udp", "127.0.0.1", port, 53), TARGET);
        assertThrows(BindException.class, () -> {
            try (DatagramSocket other = new DatagramSocket(null)) {
                other.setReuseAddress(true);
                other.bind(new InetSocketAddress("127.0.0.1", port));
            }
        });
        reservations.release("c1");
        new DatagramSocket(new InetSocketAddress("127.0.0.1", port)).close();
    }

    @Test
    void aPortAnotherProcessHoldsIsDockersError() throws Exception {
        try (ServerSocket other = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            int port = other.getLocalPort();
            PortInUseException e = assertThrows(PortInUseException.class,
                    () -> reservations.reserve("c1", tcp("127.0.0.1", port), TARGET));
            assertEquals("failed to bind host port for 127.0.0.1:" + port + ":10.210.3.2:80/tcp: address already in use",
                    e.getMessage());
        }
    }

    @Test
    void reservingIsIdempotentPerOwnerAndExclusiveBetweenOwners() throws Exception {
        int port = freePort();
        PortMapping mapping = tcp("127.0.0.1", port);
        reservations.reserve("c1", mapping, TARGET);
        reservations.reserve("c1", mapping, TARGET);
        assertThrows(PortInUseException.class, () -> reservations.reserve("c2", mapping, TARGET));

        reservations.release("c2");
        reservations.release("unknown");
        assertThrows(BindException.class, () -> bindServer("127.0.0.1", port));

        reservations.releaseAll();
        bindServer("127.0.0.1", port);
    }

    @Test
    void pickFreeChoosesABindablePortOfTheEphemeralRange() throws Exception {
        String[] range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).strip().split("\\s+");
        int port = reservations.pickFree("tcp", "127.0.0.1");
        assertTrue(port >= Integer.parseInt(range[0]) && port <= Integer.parseInt(range[1]), "port " + port);
        bindServer("127.0.0.1", port);
    }

    @Test
    void pickFreeSkipsHeldPortsAndSaysWhenNoneIsLeft(@TempDir Path dir) throws Exception {
        int low = freeRunOfThree();
        Path range = Files.writeString(dir.resolve("range"), low + "\t" + (low + 2) + "\n");
        PortReservations local = new PortReservations(range);
        try {
            local.reserve("c1", tcp("127.0.0.1", low), TARGET);
            local.reserve("c1", tcp("127.0.0.1", low + 2), TARGET);
            assertEquals(low + 1, local.pickFree("tcp", "127.0.0.1"));

            local.reserve("c1", tcp("127.0.0.1", low + 1), TARGET);
            IOException none = assertThrows(IOException.class, () -> local.pickFree("tcp", "127.0.0.1"));
            assertEquals("no free tcp port on 127.0.0.1 in " + low + "-" + (low + 2), none.getMessage());
        } finally {
            local.releaseAll();
        }
    }

    @Test
    void whatCannotBeReservedIsSaid() {
        assertThrows(IllegalArgumentException.class,
                () -> reservations.reserve("c1", new PortMapping("sctp", "127.0.0.1", 18080, 80), TARGET));
        assertThrows(IllegalArgumentException.class, () -> reservations.reserve("c1", tcp("::", 18080), TARGET));
        // 192.0.2.0/24 is documentation space: no host has it
        PortInUseException e = assertThrows(PortInUseException.class,
                () -> reservations.reserve("c1", tcp("192.0.2.77", 18080), TARGET));
        assertEquals("failed to bind host port for 192.0.2.77:18080:10.210.3.2:80/tcp: cannot assign requested address",
                e.getMessage());
        assertThrows(BindException.class, () -> reservations.pickFree("tcp", "192.0.2.77"));
    }

    static PortMapping tcp(String hostIp, int hostPort) {
        return new PortMapping("tcp", hostIp, hostPort, 80);
    }

    /** Binds like a typical server (SO_REUSEADDR on), then lets go. */
    static void bindServer(String ip, int port) throws IOException {
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(ip, port));
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return probe.getLocalPort();
        }
    }

    /** The first of three consecutive ports that are free on 127.0.0.1 right now. */
    static int freeRunOfThree() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int low = freePort();
            if (low + 2 <= 65535 && bindable(low + 1) && bindable(low + 2)) {
                return low;
            }
        }
        throw new IOException("no three consecutive free ports found");
    }

    static boolean bindable(int port) {
        try {
            bindServer("127.0.0.1", port);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
