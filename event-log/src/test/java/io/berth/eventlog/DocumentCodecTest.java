package io.berth.eventlog;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DocumentCodecTest {

    static final List<Envelope> BATCH = List.of(
            new Envelope(7, 99, "t\uD83D\uDC33é容", 1, null, "", "c", new Actor("unix", 1, 2, 3, "sh"), "{}"),
            new Envelope(8, 99, null, 2, "k", "i", null, null, "lone \uD800 surrogate"));

    static byte[] encoded() {
        byte[] doc = new byte[(int) DocumentCodec.encodedSize(BATCH)];
        assertEquals(doc.length, DocumentCodec.encode(BATCH, doc));
        return doc;
    }

    @Test
    void roundTripsAndWritesALoneSurrogateAsAQuestionMark() {
        List<Envelope> out = new ArrayList<>();
        DocumentCodec.decode(encoded(), encoded().length, out);
        assertEquals(BATCH.get(0), out.get(0));
        assertEquals("lone ? surrogate", out.get(1).payload());
        assertEquals(new DocumentCodec.Header(2, 7, 99), DocumentCodec.readHeader(encoded(), encoded().length));
    }

    @Test
    void everyDamagedByteAndEveryTruncationIsRecognised() {
        byte[] good = encoded();
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x5A;
            List<Envelope> out = new ArrayList<>();
            assertThrows(DocumentCodec.CorruptDocumentException.class, () -> DocumentCodec.decode(bad, bad.length, out),
                    "byte " + i);
            assertTrue(out.isEmpty());
        }
        for (int n = 0; n < good.length; n++) {
            int length = n;
            assertThrows(DocumentCodec.CorruptDocumentException.class,
                    () -> DocumentCodec.decode(good, length, new ArrayList<>()), "length " + n);
        }
    }

    @Test
    void readsFormatOneDocumentsWithoutAChecksum() {
        byte[] v2 = encoded();
        byte[] v1 = Arrays.copyOf(v2, v2.length - 4);
        v1[0] = DocumentCodec.FORMAT_V1;
        List<Envelope> out = new ArrayList<>();
        DocumentCodec.decode(v1, v1.length, out);
        assertEquals(BATCH.get(0), out.get(0));
        assertThrows(DocumentCodec.CorruptDocumentException.class,
                () -> DocumentCodec.decode(Arrays.copyOf(v1, v1.length + 1), v1.length + 1, new ArrayList<>()),
                "bytes left over");
    }
}
