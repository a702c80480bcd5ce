package io.berth.daemon.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShellLexerTest {

    private static final Map<String, String> ENV = env(
            "PWD", "/home", "SHELL", "bash", "KOREAN", "한국어", "NULL", "",
            "space", "abc  def", "leading", "  ab c", "PORTS", "443 8080",
            "VERSION", "v1.2.3", "FILE", "archive.tar.gz", "PATHS", "a:b:c");

    private final ShellLexer lexer = new ShellLexer('\\');

    private static Map<String, String> env(String... namesAndValues) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            env.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return env;
    }

    private String expand(String word) throws BuildException {
        return lexer.expand(word, ENV);
    }

    private String expandError(String word) {
        return assertThrows(BuildException.class, () -> lexer.expand(word, ENV)).getMessage();
    }

    private static Map.Entry<String, String> pair(String name, String value) {
        return new SimpleImmutableEntry<>(name, value);
    }

    // --- quotes and escapes

    @Test
    void quotesAreRemoved() throws BuildException {
        assertEquals("hello", expand("he'll'o"));
        assertEquals("hello there  ", expand("hello\" there  \""));
        assertEquals("hel'lo", expand("\"hel'lo\""));
        assertEquals("''", expand("\"''\""));
        assertEquals("\"hello\"", expand("'\"hello\"'"));
        assertEquals("안녕하세요", expand("안'녕'하세요"));
    }

    @Test
    void escapeMakesTheNextCharacterLiteral() throws BuildException {
        assertEquals("he'llo", expand("he\\'llo"));
        assertEquals("abctdef", expand("abc\\tdef"));
        assertEquals("hello there", expand("hello\\ there"));
        assertEquals("hello", expand("hello\\"));
        assertEquals("hello\\", expand("hello\\\\"));
        assertEquals("he$PWD", expand("he\\$PWD"));
        assertEquals("he\\/home", expand("he\\\\$PWD"));
        assertEquals("${}", expand("\\${}"));
    }

    @Test
    void insideDoubleQuotesTheEscapeOnlyEscapesQuoteDollarAndItself() throws BuildException {
        assertEquals("abc\\tdef", expand("\"abc\\tdef\""));
        assertEquals("abc\\tdef", expand("\"abc\\\\tdef\""));
        assertEquals("he$PWD", expand("\"he\\$PWD\""));
        assertEquals("he\\/home", expand("\"he\\\\$PWD\""));
        assertEquals("say \"hi\"", expand("\"say \\\"hi\\\"\""));
    }

    @Test
    void singleQuotesKeepEverything() throws BuildException {
        assertEquals("hello\\\\there", expand("'hello\\\\there'"));
        assertEquals("$PWD", expand("'$PWD'"));
        assertEquals("\\$PWD", expand("'\\$PWD'"));
        assertEquals("he${XX}", expand("'he${XX}'"));
        assertEquals("hello\\", expand("'hello\\'"));
    }

    @Test
    void backtickEscape() throws BuildException {
        ShellLexer windows = new ShellLexer('`');
        assertEquals("C:\\Program Files\\app", windows.expand("C:\\Program` Files\\app", ENV));
        assertEquals("$PWD is /home", windows.expand("`$PWD is $PWD", ENV));
        assertEquals("a\"b", windows.expand("\"a`\"b\"", ENV));
        assertEquals("c:\\", windows.expand("c:\\", ENV));
    }

    @Test
    void unterminatedQuotesAreErrors() {
        assertEquals("failed to process \"he'llo\": unexpected end of statement while looking for matching single-quote", expandError("he'llo"));
        assertEquals("failed to process \"\\\"hello\": unexpected end of statement while looking for matching double-quote", expandError("\"hello"));
        assertEquals("failed to process \"\\\"hello\\\\\\\"\": unexpected end of statement while looking for matching double-quote",
                expandError("\"hello\\\""));
        assertEquals("failed to process \"he\\\\\\\\'llo\": unexpected end of statement while looking for matching single-quote",
                expandError("he\\\\'llo"));
    }

    // --- variables

    @Test
    void variables() throws BuildException {
        assertEquals("he/home", expand("he$PWD"));
        assertEquals("he/homexx", expand("he${PWD}xx"));
        assertEquals("hexx", expand("he${hi}xx"));
        assertEquals("he.", expand("he$pwd."));
        assertEquals("/home", expand("\"$PWD\""));
        assertEquals("he'/home'", expand("\"he'$PWD'\""));
        assertEquals("안녕한국어", expand("안녕$KOREAN"));
        assertEquals("}", expand("${aaa}}"));
    }

    @Test
    void aDollarWithoutANameStays() throws BuildException {
        assertEquals("$.", expand("$."));
        assertEquals("he$.x", expand("he$.x"));
        assertEquals("a$", expand("a$"));
        assertEquals("$ b", expand("$ b"));
    }

    @Test
    void positionalAndSpecialParametersAreNeverSet() throws BuildException {
        assertEquals("hex", expand("he$1x"));
        assertEquals("aaa", expand("$999aaa"));
        assertEquals("bbbaaa", expand("${001:-bbb}aaa"));
        assertEquals("@@", expand("$@@@"));
        assertEquals("aaa", expand("${@}aaa"));
        assertEquals("bbb", expand("${#:-bbb}"));
        assertEquals("", expand("$$"));
        assertEquals("", expand("${!:+bbb}"));
        assertEquals("", expand("$0"));
    }

    @Test
    void defaultAndAlternativeValues() throws BuildException {
        assertEquals("he000xx", expand("he${XXX:-000}xx"));
        assertEquals("he/homexx", expand("he${PWD:-000}xx"));
        assertEquals("he/homexx", expand("he${XXX:-$PWD}xx"));
        assertEquals("def", expand("${NULL:-def}"));
        assertEquals("", expand("${NULL-def}"));
        assertEquals("def", expand("${XXX-def}"));
        assertEquals("hexx", expand("he${XXX:+000}xx"));
        assertEquals("he000xx", expand("he${PWD:+000}xx"));
        assertEquals("", expand("${NULL:+set}"));
        assertEquals("set", expand("${NULL+set}"));
        assertEquals("he/home:xx", expand("he${PWD:+${PWD}:}xx"));
        assertEquals("bbb {foo", expand("${aaa:-bbb {foo}"));
        assertEquals("bbb}", expand("${aaa:-bbb}}"));
        assertEquals("a b", expand("${XXX:-a b}"));
        assertEquals("'q'", expand("${XXX:-\"'q'\"}"));
    }

    @Test
    void nestedDefaults() throws BuildException {
        assertEquals("c", expand("${a:-${b:-c}}"));
        assertEquals("he/homexx", expand("he${XXX:-${PWD:-yyy}}xx"));
        assertEquals("heyyyxx", expand("he${XXX:-${YYY:-yyy}}xx"));
        assertEquals("hebashxx", expand("he${PWD:+${SHELL}}xx"));
        assertEquals("hexx", expand("he${PWD:+${XXX}}xx"));
        assertEquals("1", lexer.expand("${a:-${b:-c}}", env("b", "1")));
    }

    @Test
    void escapedDollarInADefault() throws BuildException {
        assertEquals("he$PWD:xx", expand("he${XXX:-\\$PWD:}xx"));
        assertEquals("he${PWDz}xx", expand("he${XXX:-\\${PWD}z}xx"));
    }

    @Test
    void requiredValues() throws BuildException {
        assertEquals("he/home", expand("he${PWD?}"));
        assertEquals("he/home", expand("he${PWD:?}"));
        assertEquals("he", expand("he${NULL?}"));
        assertEquals("failed to process \"he${XXX?}\": XXX: is not allowed to be unset", expandError("he${XXX?}"));
        assertEquals("failed to process \"he${XXX:?}\": XXX: is not allowed to be unset", expandError("he${XXX:?}"));
        assertEquals("failed to process \"he${NULL:?}\": NULL: is not allowed to be empty", expandError("he${NULL:?}"));
        assertEquals("failed to process \"${TOKEN:?set TOKEN first}\": TOKEN: set TOKEN first", expandError("${TOKEN:?set TOKEN first}"));
    }

    @Test
    void substitutionSyntaxErrors() {
        assertEquals("failed to process \"${}\": syntax error: bad substitution", expandError("${}"));
        assertEquals("failed to process \"he${}xx\": syntax error: bad substitution", expandError("he${}xx"));
        assertEquals("failed to process \"${{aaa}\": syntax error: bad substitution", expandError("${{aaa}"));
        assertEquals("failed to process \"${:-bbb}\": syntax error: bad substitution", expandError("${:-bbb}"));
        assertEquals("failed to process \"${\": syntax error: missing '}'", expandError("${"));
        assertEquals("failed to process \"${aaa:-bbb\": syntax error: missing '}'", expandError("${aaa:-bbb"));
        assertEquals("failed to process \"${aaa:-bbb ${foo}\": syntax error: missing '}'", expandError("${aaa:-bbb ${foo}"));
        assertEquals("failed to process \"he${.}\": unsupported modifier (.) in substitution", expandError("he${.}"));
        assertEquals("failed to process \"he${XXX:YYY}\": unsupported modifier (:Y) in substitution", expandError("he${XXX:YYY}"));
        assertEquals("failed to process \"he${PWD:=000}xx\": unsupported modifier (:=) in substitution", expandError("he${PWD:=000}xx"));
        assertEquals("failed to process \"${FILE:#x}\": unsupported modifier (:#) in substitution", expandError("${FILE:#x}"));
        assertEquals("failed to process \"he${PWD\": unsupported modifier (\uFFFD) in substitution", expandError("he${PWD"));
    }

    @Test
    void patternRemovalAndReplacement() throws BuildException {
        assertEquals("1.2.3", expand("${VERSION#v}"));
        assertEquals("tar.gz", expand("${FILE#*.}"));
        assertEquals("gz", expand("${FILE##*.}"));
        assertEquals("archive.tar", expand("${FILE%.*}"));
        assertEquals("archive", expand("${FILE%%.*}"));
        assertEquals("archive.tar.gz", expand("${FILE%.zip}"));
        assertEquals("rchive.tar.gz", expand("${FILE#?}"));
        assertEquals("", expand("${UNSET#x}"));
        assertEquals("archive.zip.gz", expand("${FILE/tar/zip}"));
        assertEquals("X.gz", expand("${FILE/a*r/X}"));
        assertEquals("a b c", expand("${PATHS//:/ }"));
        assertEquals("a b:c", expand("${PATHS/:/ }"));
        assertEquals("archive.tar.gz", expand("${FILE/nope/x}"));
        assertEquals("a*b", lexer.expand("${S#\\*}", env("S", "*a*b")));
    }

    @Test
    void patternErrors() {
        assertEquals("failed to process \"${FILE#\\\\q}\": invalid pattern (\\q) in substitution: invalid escape '\\q'",
                expandError("${FILE#\\q}"));
        assertEquals("failed to process \"${FILE/a\": syntax error: missing '/' in ${}", expandError("${FILE/a"));
        assertEquals("failed to process \"${FILE/a/b\": syntax error: missing '}'", expandError("${FILE/a/b"));
    }

    @Test
    void nullValuesAreUnset() throws BuildException {
        Map<String, String> env = new HashMap<>();
        env.put("A", null);
        assertEquals("unset", lexer.expand("${A-unset}", env));
    }

    // --- words

    @Test
    void wordsSplitAtUnquotedWhitespace() throws BuildException {
        assertEquals(List.of("hello", "there"), lexer.words("hello there     ", ENV));
        assertEquals(List.of("hello there"), lexer.words("hello\\ there", ENV));
        assertEquals(List.of("hello there  "), lexer.words("hello\" there  \"", ENV));
        assertEquals(List.of("hello\"", "there"), lexer.words("hello\\\" there", ENV));
        assertEquals(List.of("hello\\there"), lexer.words("hello\"\\\\there\"", ENV));
        assertEquals(List.of("hello", "abc  defbye"), lexer.words("hello \"${space}\"bye", ENV));
    }

    @Test
    void unquotedVariablesAreSplitQuotedOnesNot() throws BuildException {
        assertEquals(List.of("helloabc", "defbye"), lexer.words("hello${space}bye", ENV));
        assertEquals(List.of("helloabc  defbye"), lexer.words("hello\"${space}\"bye", ENV));
        assertEquals(List.of("hello", "ab", "cdef"), lexer.words("hello${leading}def", ENV));
        assertEquals(List.of("hello  ab c", "def"), lexer.words("hello\"${leading}\" def", ENV));
        assertEquals(List.of("80", "443", "8080"), lexer.words("80 $PORTS", ENV));
    }

    @Test
    void emptyQuotedStringsMakeNoWordAsInDocker() throws BuildException {
        assertEquals(List.of(), lexer.words("\"\"", ENV));
        assertEquals(List.of("a", "b"), lexer.words("a '' b", ENV));
        assertEquals(List.of(), lexer.words("  ", ENV));
        assertEquals(List.of(), lexer.words("$UNSET", ENV));
    }

    @Test
    void wordsErrors() {
        assertEquals("failed to process \"hello\\\" there\": unexpected end of statement while looking for matching double-quote",
                assertThrows(BuildException.class, () -> lexer.words("hello\" there", ENV)).getMessage());
    }

    // --- name/value pairs

    @Test
    void envPairs() throws BuildException {
        assertEquals(List.of(pair("A", "1"), pair("B", "two words"), pair("C", "three words"), pair("D", ""), pair("E", "")),
                lexer.pairs("ENV", "A=1 B=\"two words\" C=three\\ words D= E=\"\"", ENV));
        assertEquals(List.of(pair("a", "x=y")), lexer.pairs("ENV", "a=\"x=y\"", ENV));
        assertEquals(List.of(pair("PATH", "/home/bin:/usr/bin")), lexer.pairs("ENV", "PATH=$PWD/bin:/usr/bin", ENV));
        assertEquals(List.of(pair("x", "'single' $PWD")), lexer.pairs("ENV", "x=\"'single' \\$PWD\"", ENV));
    }

    @Test
    void oldFormIsOneNameAndTheRestAsValue() throws BuildException {
        assertEquals(List.of(pair("name", "value with  spaces")), lexer.pairs("ENV", "name value with  spaces", ENV));
        assertEquals(List.of(pair("name", "quoted value")), lexer.pairs("ENV", "name \"quoted value\"", ENV));
        assertEquals(List.of(pair("dir", "/home/x")), lexer.pairs("ENV", "dir\t$PWD/x", ENV));
        assertEquals(List.of(pair("description", "a label")), lexer.pairs("LABEL", "description a label", ENV));
    }

    @Test
    void valuesSeeTheEnvironmentBeforeTheInstruction() throws BuildException {
        assertEquals(List.of(pair("a", "1"), pair("b", "0")), lexer.pairs("ENV", "a=1 b=$a", env("a", "0")));
        assertEquals(List.of(pair("a", "1"), pair("b", "")), lexer.pairs("ENV", "a=1 b=$a", Map.of()));
    }

    @Test
    void namesAreExpandedToo() throws BuildException {
        assertEquals(List.of(pair("key", "v")), lexer.pairs("ENV", "$K=v", env("K", "key")));
        assertEquals(List.of(pair("com.example.vendor", "ACME Inc"), pair("version", "1.0")),
                lexer.pairs("LABEL", "\"com.example.vendor\"=\"ACME Inc\" version=1.0", ENV));
    }

    @Test
    void argPairs() throws BuildException {
        assertEquals(List.of(pair("A", null), pair("B", "2"), pair("C", ""), pair("D", "x y")),
                lexer.pairs("ARG", "A B=2 C= D=\"x y\"", ENV));
        assertEquals(List.of(pair("V", "default")), lexer.pairs("ARG", "V=${V:-default}", Map.of()));
        assertEquals(List.of(pair("V", "set")), lexer.pairs("ARG", "V=${V:-default}", env("V", "set")));
    }

    @Test
    void backtickEscapedSpaceInAPair() throws BuildException {
        assertEquals(List.of(pair("dir", "C:\\Program Files")), new ShellLexer('`').pairs("ENV", "dir=C:\\Program` Files", ENV));
    }

    @Test
    void pairErrors() {
        assertEquals("ENV must have two arguments",
                assertThrows(BuildException.class, () -> lexer.pairs("ENV", "onlyname", ENV)).getMessage());
        assertEquals("LABEL must have two arguments",
                assertThrows(BuildException.class, () -> lexer.pairs("LABEL", "onlyname", ENV)).getMessage());
        assertEquals("Syntax error - can't find = in \"b\". Must be of the form: name=value",
                assertThrows(BuildException.class, () -> lexer.pairs("ENV", "a=1 b", ENV)).getMessage());
        assertEquals("Syntax error - can't find = in \"\\\"x y\\\"\". Must be of the form: name=value",
                assertThrows(BuildException.class, () -> lexer.pairs("LABEL", "a=1 \"x y\"", ENV)).getMessage());
        assertEquals("ENV requires at least one argument",
                assertThrows(BuildException.class, () -> lexer.pairs("ENV", "", ENV)).getMessage());
        assertEquals("ENV names can not be blank",
                assertThrows(BuildException.class, () -> lexer.pairs("ENV", "=x", ENV)).getMessage());
        assertEquals("ARG names can not be blank",
                assertThrows(BuildException.class, () -> lexer.pairs("ARG", "a =x", ENV)).getMessage());
        assertEquals("failed to process \"${b:?needed}\": b: needed",
                assertThrows(BuildException.class, () -> lexer.pairs("ENV", "a=${b:?needed}", ENV)).getMessage());
    }
}
