package io.berth.daemon.network.dns;

import static io.berth.daemon.network.dns.TestMessages.A;
import static io.berth.daemon.network.dns.TestMessages.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Reading queries and names off the wire, including what hostile bytes do. */
class DnsQueryTest {

    @Test
    void readsTheQuestion() throws Exception {
        DnsQuery q = DnsQuery.parse(query(0xBEEF, "Web.Example", 28));
        assertEquals(0xBEEF, q.id());
        assertEquals("Web.Example", q.name().text());
        assertTrue(q.name().plain());
        assertEquals(28, q.type());
        assertEquals(1, q.qclass());
        assertEquals(12 + 13 + 4, q.questionEnd());
        assertEquals(512, q.udpLimit());
    }

    @Test
    void followsCompressionPointers() throws Exception {
        // "example.com" at 12, then "www" + a pointer to it
        ByteBuffer b = ByteBuffer.allocate(64).position(12);
        b.put(TestMessages.labels("example.com"));
        int second = b.position();
        b.put((byte) 3).put("www".getBytes()).putShort((short) 0xC00C);
        DnsName name = DnsName.read(b.array(), second);
        assertEquals("www.example.com", name.text());
        assertEquals(second + 6, name.end(), "the name ends after its pointer");
    }

    @Test
    void refusesPointersThatDoNotPointBackLabelsOfUnknownTypeAndOverlongNames() {
        byte[] self = query(1, "a", A);
        self[12] = (byte) 0xC0;
        self[13] = 12;
        assertThrows(DnsFormatException.class, () -> DnsQuery.parse(self));

        byte[] forward = query(1, "a", A);
        forward[12] = (byte) 0xC0;
        forward[13] = 20;
        assertThrows(DnsFormatException.class, () -> DnsQuery.parse(forward));

        byte[] extended = query(1, "a", A);
        extended[12] = 0x41;
        assertThrows(DnsFormatException.class, () -> DnsQuery.parse(extended));

        ByteBuffer longName = ByteBuffer.allocate(400).position(12);
        for (int i = 0; i < 5; i++) {
            longName.put((byte) 63).put(new byte[63]);
        }
        longName.put((byte) 0);
        byte[] message = longName.array();
        message[5] = 1;
        assertThrows(DnsFormatException.class, () -> DnsQuery.parse(message));

        byte[] cut = java.util.Arrays.copyOf(query(1, "abc", A), 15);
        assertThrows(DnsFormatException.class, () -> DnsQuery.parse(cut));
    }

    @Test
    void aPointerLoopThroughEarlierLabelsEnds() {
        // "ab" at 12, then a pointer at 15 back to 12: a.b.a.b... until the 255-byte limit
        byte[] message = new byte[40];
        message[5] = 1;
        message[12] = 2;
        message[13] = 'a';
        message[14] = 'b';
        message[15] = (byte) 0xC0;
        message[16] = 12;
        assertThrows(DnsFormatException.class, () -> DnsQuery.parse(message));
    }

    @Test
    void namesWithDotsOrBinaryInLabelsAreNotPlain() throws Exception {
        byte[] q = query(1, "abc", A);
        q[14] = '.';
        assertFalse(DnsQuery.parse(q).name().plain());
        q[14] = 0;
        assertFalse(DnsQuery.parse(q).name().plain());
    }

    @Test
    void readsTheUdpSizeFromEdns() throws Exception {
        assertEquals(4096, DnsQuery.parse(TestMessages.queryWithEdns(1, "web", A, 4096)).udpLimit());
        assertEquals(512, DnsQuery.parse(TestMessages.queryWithEdns(1, "web", A, 100)).udpLimit());
        byte[] lying = query(1, "web", A);
        lying[11] = 3; // three additional records that are not there
        assertEquals(512, DnsQuery.parse(lying).udpLimit());
    }

    @Test
    void recognisesAnswersToItself() throws Exception {
        DnsQuery q = DnsQuery.parse(query(1, "Example.TEST", A));
        byte[] sent = TestMessages.withId(q.message(), 999);
        assertTrue(q.isAnsweredBy(TestMessages.answer(sent, "192.0.2.1", 5), 999));
        assertFalse(q.isAnsweredBy(TestMessages.answer(sent, "192.0.2.1", 5), 998), "another id");
        assertFalse(q.isAnsweredBy(sent, 999), "the query itself, QR clear");
        byte[] otherName = TestMessages.answer(query(999, "other.test", A), "192.0.2.1", 5);
        assertFalse(q.isAnsweredBy(otherName, 999), "another question");
        byte[] lowerCase = TestMessages.answer(query(999, "example.test", A), "192.0.2.1", 5);
        assertTrue(q.isAnsweredBy(lowerCase, 999), "names compare case-insensitively");
    }

    @Test
    void encodesNames() {
        assertEquals(13, DnsName.encode("web.example.").length);
        assertEquals(1, DnsName.encode("").length);
        assertThrows(IllegalArgumentException.class, () -> DnsName.encode("a..b"));
        assertThrows(IllegalArgumentException.class, () -> DnsName.encode("x".repeat(64)));
        assertThrows(IllegalArgumentException.class, () -> DnsName.encode("caf\u00e9"));
    }

    @Test
    void readsReverseNames() {
        assertEquals("172.18.0.3", LocalAnswers.reverseAddress("3.0.18.172.in-addr.arpa").getHostAddress());
        assertEquals("10.0.0.1", LocalAnswers.reverseAddress("1.0.0.10.IN-ADDR.ARPA").getHostAddress());
        assertNull(LocalAnswers.reverseAddress("0.18.172.in-addr.arpa"));
        assertNull(LocalAnswers.reverseAddress("256.0.18.172.in-addr.arpa"));
        assertNull(LocalAnswers.reverseAddress("x.0.18.172.in-addr.arpa"));
        assertNull(LocalAnswers.reverseAddress("1..18.172.in-addr.arpa"));
        assertNull(LocalAnswers.reverseAddress("web.example"));
    }
}
