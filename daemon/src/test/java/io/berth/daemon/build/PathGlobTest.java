package io.berth.daemon.build;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Go's filepath.Match, case by case (expectations from Go's documented semantics). */
class PathGlobTest {

    @Test
    void starAndQuestionMarkStopAtSlash() {
        assertTrue(PathGlob.matches("*.txt", "a.txt"));
        assertTrue(PathGlob.matches("*.txt", ".txt"));
        assertTrue(PathGlob.matches("*", ".hidden"));
        assertFalse(PathGlob.matches("*.txt", "a.txt.bak"));
        assertFalse(PathGlob.matches("*", "a/b"));
        assertTrue(PathGlob.matches("a*b*c", "aXXbYYc"));
        assertFalse(PathGlob.matches("a*b*c", "aXXbYYcd"));
        assertTrue(PathGlob.matches("?.go", "x.go"));
        assertFalse(PathGlob.matches("?.go", "xy.go"));
        assertFalse(PathGlob.matches("a?b", "a/b"));
        assertTrue(PathGlob.matches("**", "abc"));
    }

    @Test
    void classesRangesNegationAndEscapes() {
        assertTrue(PathGlob.matches("[abc].txt", "b.txt"));
        assertFalse(PathGlob.matches("[abc].txt", "d.txt"));
        assertTrue(PathGlob.matches("file[0-9]", "file7"));
        assertFalse(PathGlob.matches("file[0-9]", "filex"));
        assertTrue(PathGlob.matches("[^a]x", "bx"));
        assertFalse(PathGlob.matches("[^a]x", "ax"));
        assertTrue(PathGlob.matches("[\\]]", "]"));
        assertTrue(PathGlob.matches("\\*", "*"));
        assertFalse(PathGlob.matches("\\*", "x"));
        assertTrue(PathGlob.matches("é?", "éü"));
    }

    @Test
    void malformedPatternsMatchNothing() {
        assertFalse(PathGlob.matches("[", "["));
        assertFalse(PathGlob.matches("[]a]", "a"));
        assertFalse(PathGlob.matches("[a-", "a"));
        assertFalse(PathGlob.matches("a\\", "a"));
    }

    @Test
    void manyStarsStayFast() {
        assertTimeoutPreemptively(Duration.ofSeconds(2),
                () -> assertFalse(PathGlob.matches("*a*a*a*a*a*a*a*a*a*a*a*a*b", "a".repeat(200))));
    }

    @Test
    void wildcardDetectionHonoursEscapes() {
        assertTrue(PathGlob.hasWildcards("src/*.c"));
        assertTrue(PathGlob.hasWildcards("a?"));
        assertTrue(PathGlob.hasWildcards("[ab]"));
        assertFalse(PathGlob.hasWildcards("plain/file.txt"));
        assertFalse(PathGlob.hasWildcards("\\*literal"));
    }
}
