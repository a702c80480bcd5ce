package io.berth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DockerIgnoreTest {

    /** One line of the table: the .dockerignore's lines, a context path, and whether Docker leaves it out. */
    private record Case(List<String> patterns, String path, boolean excluded) {}

    private static Case c(String pattern, String path, boolean excluded) {
        return new Case(List.of(pattern), path, excluded);
    }

    private static Case c(List<String> patterns, String path, boolean excluded) {
        return new Case(patterns, path, excluded);
    }

    @Test
    void patternsMatchAsDockersPatternmatcher() {
        List<Case> table = List.of(
                c("*.md", "README.md", true),
                c("*.md", "docs/guide.md", false), // '*' stays within one path element
                c("*/*.md", "docs/guide.md", true),
                c("**/*.go", "main.go", true), // "**" spans no directory too
                c("**/*.go", "cmd/tool/main.go", true),
                c("**/*.go", "cmd/tool/main.gox", false),
                c("**/vendor", "a/b/vendor/x.go", true), // a directory that matches takes what is under it
                c("**file", "dir/dir/file", true),
                c("**file", "dir/profile", true), // a leading "**" without '/' is a plain suffix, as in Docker
                c("dir/**", "dir/a/b", true),
                c("dir/**", "dir", false),
                c("dir", "dir/sub/file", true),
                c("dir/", "dir/file", true), // cleaned: "dir/" is "dir"
                c("/abs", "abs", true), // a leading '/' is the context's root
                c("/abs", "sub/abs", false),
                c("a/../b", "b", true),
                c("./c", "c", true),
                c("a?c", "abc", true),
                c("a?c", "a/c", false),
                c("a[b-d]e", "ace", true),
                c("a[^b-d]e", "ace", false),
                c("abc.def", "abcXdef", false), // '.' is literal
                c("a(b)c+{d}$", "a(b)c+{d}$", true),
                c("a\\*b", "a*b", true),
                c("a\\*b", "axb", false),
                c(List.of("*.md", "!README.md"), "README.md", false),
                c(List.of("*.md", "!README.md"), "CHANGES.md", true),
                c(List.of("!README.md", "*.md"), "README.md", true), // the last pattern that matches decides
                c(List.of("secret", "!secret/keep.txt"), "secret/keep.txt", false),
                c(List.of("secret", "!secret/keep.txt"), "secret/drop.txt", true),
                c(List.of("**", "!src/**", "src/gen"), "src/main.go", false),
                c(List.of("**", "!src/**", "src/gen"), "src/gen/x.go", true),
                c(List.of("**", "!src/**", "src/gen"), "README.md", true),
                c("*", ".", false)); // the context itself is never excluded
        for (Case t : table) {
            DockerIgnore ignore = new DockerIgnore(DockerIgnore.parse(String.join("\n", t.patterns)));
            assertEquals(t.excluded, ignore.excludes(t.path), t.patterns + " on " + t.path);
        }
    }

    @Test
    void fileIsReadAsDockersIgnorefile() {
        String text = "\uFEFF# a comment\n  *.md  \n\n!README.md\n/abs/path\n! /kept\ndir/\n./a/../b\n #not a comment\r\nlast";
        assertEquals(List.of("*.md", "!README.md", "abs/path", "!kept", "dir", "b", "#not a comment", "last"),
                DockerIgnore.parse(text));
    }

    @Test
    void aWalkReincludesFilesUnderAnExcludedDirectory() {
        DockerIgnore ignore = new DockerIgnore(List.of("secret", "!secret/keep.txt", "build/"));
        DockerIgnore.Match secret = ignore.match("secret", DockerIgnore.TOP);
        assertTrue(secret.excluded);
        assertTrue(ignore.mayReinclude("secret"), "an exception names something under it: walk it");
        assertFalse(ignore.match("secret/keep.txt", secret).excluded);
        assertTrue(ignore.match("secret/drop.txt", secret).excluded);
        DockerIgnore.Match build = ignore.match("build", DockerIgnore.TOP);
        assertTrue(build.excluded);
        assertFalse(ignore.mayReinclude("build"), "no exception under build/: skip it whole");
        assertFalse(ignore.mayReinclude("sec"), "a prefix of a name is not its directory");
    }

    @Test
    void badPatternsAreErrors() {
        assertThrows(IllegalArgumentException.class, () -> new DockerIgnore(List.of("!")));
        assertThrows(IllegalArgumentException.class, () -> new DockerIgnore(List.of("a[b")));
    }

    @Test
    void buildFilesAreKeptEvenWhenIgnored() {
        List<String> kept = BuildContext.keepBuildFiles(List.of("*", "!src"), "Dockerfile", false);
        assertEquals(List.of("*", "!src", "!.dockerignore", "!Dockerfile"), kept);
        assertEquals(List.of("*", "!.dockerignore"), BuildContext.keepBuildFiles(List.of("*"), "-", true),
                "a Dockerfile from stdin is added, not kept");
        assertEquals(List.of("*.md"), BuildContext.keepBuildFiles(List.of("*.md"), "Dockerfile", false));
    }
}
