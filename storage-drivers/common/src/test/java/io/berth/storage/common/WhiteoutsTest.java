package io.berth.storage.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.plugin.storage.LayerFormatException;
import org.junit.jupiter.api.Test;

class WhiteoutsTest {

    @Test
    void classifiesAufsNames() throws Exception {
        assertInstanceOf(Whiteouts.Plain.class, Whiteouts.classify("a/b", "b"));
        assertInstanceOf(Whiteouts.Plain.class, Whiteouts.classify("a/.whx", ".whx"));
        assertEquals(new Whiteouts.Whiteout("gone"), Whiteouts.classify("a/.wh.gone", ".wh.gone"));
        assertEquals(new Whiteouts.Whiteout(".hidden"), Whiteouts.classify(".wh..hidden", ".wh..hidden"));
        assertInstanceOf(Whiteouts.Opaque.class, Whiteouts.classify("d/.wh..wh..opq", ".wh..wh..opq"));
        assertInstanceOf(Whiteouts.Meta.class, Whiteouts.classify(".wh..wh.plnk", ".wh..wh.plnk"));
    }

    @Test
    void rejectsWhiteoutsThatNameNothing() {
        for (String bad : new String[] {".wh.", ".wh..", ".wh..."}) {
            LayerFormatException e = assertThrows(LayerFormatException.class, () -> Whiteouts.classify("x/" + bad, bad));
            assertTrue(e.getMessage().startsWith("x/" + bad), e.getMessage());
        }
    }

    @Test
    void metaDirectories() {
        assertTrue(Whiteouts.isMetaDirectory(".wh..wh.plnk"));
        assertFalse(Whiteouts.isMetaDirectory(".wh..wh..opq"));
        assertFalse(Whiteouts.isMetaDirectory("etc"));
    }
}
