package io.berth.daemon.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.berth.daemon.build.Instruction.Flag;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DockerfileParserTest {

    private static List<Instruction> parse(String text) throws BuildException {
        return DockerfileParser.parse(text).instructions();
    }

    /** The one instruction after a {@code FROM scratch} line. */
    private static Instruction second(String line) throws BuildException {
        List<Instruction> all = parse("FROM scratch\n" + line + "\n");
        assertEquals(2, all.size());
        return all.get(1);
    }

    private static String error(String text) {
        return assertThrows(BuildException.class, () -> DockerfileParser.parse(text)).getMessage();
    }

    private static String errorOnSecondLine(String line) {
        return error("FROM scratch\n" + line + "\n");
    }

    // --- the file: lines, comments, continuations, directives

    @Test
    void readsEveryInstructionWithItsLineAndOriginal() throws BuildException {
        List<Instruction> all = parse("""
                # a comment
                ARG BASE=busybox
                FROM $BASE AS build

                RUN echo hi
                CMD ["sh"]
                """);
        assertEquals(4, all.size());
        assertEquals(new Instruction(2, "ARG", "ARG BASE=busybox", List.of(), false, List.of("BASE=busybox")), all.get(0));
        assertEquals(new Instruction(3, "FROM", "FROM $BASE AS build", List.of(), false, List.of("$BASE AS build")), all.get(1));
        assertEquals(new Instruction(5, "RUN", "RUN echo hi", List.of(), false, List.of("echo hi")), all.get(2));
        assertEquals(new Instruction(6, "CMD", "CMD [\"sh\"]", List.of(), true, List.of("sh")), all.get(3));
    }

    @Test
    void keywordsAreCaseInsensitiveAndLeadingWhitespaceIgnored() throws BuildException {
        List<Instruction> all = parse("from busybox\n   Run  echo   hi  \n\tcOpY a b\n");
        assertEquals(List.of("FROM", "RUN", "COPY"), all.stream().map(Instruction::keyword).toList());
        assertEquals("Run  echo   hi", all.get(1).original());
        assertEquals(List.of("echo   hi"), all.get(1).args());
    }

    @Test
    void continuationJoinsLinesKeepingTheContinuedLinesIndentation() throws BuildException {
        Instruction run = second("RUN apt-get update && \\\n    apt-get install -y curl");
        assertEquals(2, run.line());
        assertEquals("RUN apt-get update &&     apt-get install -y curl", run.original());
        assertEquals(List.of("apt-get update &&     apt-get install -y curl"), run.args());
    }

    @Test
    void continuationAllowsTrailingWhitespaceAfterTheEscape() throws BuildException {
        Instruction run = second("RUN a \\  \t\n b");
        assertEquals("RUN a  b", run.original());
    }

    @Test
    void doubledEscapeAtEndIsNotAContinuation() throws BuildException {
        List<Instruction> all = parse("FROM scratch\nRUN echo a\\\\\nRUN echo b\n");
        assertEquals(3, all.size());
        assertEquals(List.of("echo a\\\\"), all.get(1).args());
    }

    @Test
    void commentsAndBlankLinesInsideAContinuationAreDropped() throws BuildException {
        List<Instruction> all = parse("FROM scratch\nRUN a \\\n# a comment\n   # indented comment\n\n  \\\n  b\nCMD c\n");
        assertEquals("RUN a     b", all.get(1).original()); // "RUN a " + "  " + "  b"
        assertEquals(2, all.get(1).line());
        assertEquals(8, all.get(2).line());
    }

    @Test
    void aHashInsideAnInstructionIsText() throws BuildException {
        assertEquals(List.of("echo a # not a comment"), second("RUN echo a # not a comment").args());
    }

    @Test
    void continuationAtEndOfFileEndsTheInstruction() throws BuildException {
        assertEquals("RUN a b", second("RUN a \\\nb \\").original());
    }

    @Test
    void crlfLineEndingsAndByteOrderMark() throws BuildException {
        List<Instruction> all = parse("\uFEFFFROM scratch\r\nRUN a \\\r\n b\r\n");
        assertEquals("FROM scratch", all.get(0).original());
        assertEquals("RUN a  b", all.get(1).original());
    }

    @Test
    void escapeDirectiveSwitchesToBacktickForWindowsPaths() throws BuildException {
        Dockerfile file = DockerfileParser.parse("""
                # escape=`
                FROM mcr.microsoft.com/windows/nanoserver
                COPY testfile.txt c:\\
                RUN dir c:\\ `
                    && echo done
                """);
        assertEquals('`', file.escape());
        List<Instruction> all = file.instructions();
        assertEquals(List.of("testfile.txt c:\\"), all.get(1).args());
        assertEquals("RUN dir c:\\     && echo done", all.get(2).original());
        assertEquals(4, all.get(2).line());
    }

    @Test
    void directivesAreCaseInsensitiveAndMayBeSpacedAndSyntaxIsIgnored() throws BuildException {
        Dockerfile file = DockerfileParser.parse("#syntax=docker/dockerfile:1\n  #  ESCAPE = ` \nFROM scratch\n");
        assertEquals('`', file.escape());
        assertEquals(1, file.instructions().size());
    }

    @Test
    void defaultEscapeIsBackslash() throws BuildException {
        assertEquals('\\', DockerfileParser.parse("FROM scratch").escape());
    }

    @Test
    void directiveAfterACommentIsAComment() throws BuildException {
        Dockerfile file = DockerfileParser.parse("# hello\n# escape=`\nFROM scratch\nRUN a `\n");
        assertEquals('\\', file.escape());
        assertEquals(List.of("a `"), file.instructions().get(1).args());
    }

    @Test
    void directiveAfterABlankLineOrAnUnknownDirectiveIsAComment() throws BuildException {
        assertEquals('\\', DockerfileParser.parse("\n# escape=`\nFROM scratch\n").escape());
        assertEquals('\\', DockerfileParser.parse("# foo=bar\n# escape=`\nFROM scratch\n").escape());
        assertEquals('\\', DockerfileParser.parse("FROM scratch\n# escape=`\n").escape());
    }

    @Test
    void directiveErrors() {
        assertEquals("failed to parse Dockerfile: invalid escape token 'x' does not match ` or \\",
                error("# escape=x\nFROM scratch\n"));
        assertEquals("failed to parse Dockerfile: only one escape parser directive can be used",
                error("# escape=`\n# escape=\\\nFROM scratch\n"));
    }

    @Test
    void emptyFileAndFileWithoutInstructions() {
        assertEquals("the Dockerfile (Dockerfile) cannot be empty", error(""));
        assertEquals("the Dockerfile (build/Dockerfile.dev) cannot be empty",
                assertThrows(BuildException.class, () -> DockerfileParser.parse("", "build/Dockerfile.dev")).getMessage());
        assertEquals("failed to parse Dockerfile: file with no instructions", error("# only a comment\n\n   \n"));
        assertEquals("failed to parse my.Dockerfile: file with no instructions",
                assertThrows(BuildException.class, () -> DockerfileParser.parse("\n", "my.Dockerfile")).getMessage());
    }

    @Test
    void instructionBeforeFromIsRefusedButArgIsAGlobalArg() throws BuildException {
        assertEquals("no build stage in current context", error("RUN echo\nFROM scratch\n"));
        List<Instruction> all = parse("ARG A\nARG B=1\nFROM scratch\nARG A\n");
        assertEquals(List.of("ARG", "ARG", "FROM", "ARG"), all.stream().map(Instruction::keyword).toList());
    }

    @Test
    void syntaxErrorsOfTheWholeFileComeBeforeInstructionErrors() {
        assertEquals("failed to parse Dockerfile: ENV must have two arguments", error("FROM scratch\nFOO\nENV x\n"));
    }

    // --- unknown instructions

    @Test
    void unknownInstructionNamesItsLineAsWrittenWithDockersSuggestion() {
        assertEquals("dockerfile parse error on line 2: unknown instruction: RUNN (did you mean RUN?)", errorOnSecondLine("RUNN x"));
        assertEquals("dockerfile parse error on line 2: unknown instruction: copyy (did you mean copy?)", errorOnSecondLine("copyy a b"));
        assertEquals("dockerfile parse error on line 2: unknown instruction: FOOBAR", errorOnSecondLine("FOOBAR x"));
        assertEquals("dockerfile parse error on line 1: unknown instruction: Xyzzy", error("Xyzzy\n"));
    }

    // --- JSON (exec) form

    @Test
    void execFormForRunCmdEntrypointShell() throws BuildException {
        Instruction run = second("RUN [\"echo\", \"a b\", \"\\u00e9\\n\"]");
        assertTrue(run.json());
        assertEquals(List.of("echo", "a b", "é\n"), run.args());
        assertEquals("echo a b é\n", run.text());
        assertTrue(second("ENTRYPOINT [ ]").json());
        assertEquals(List.of(), second("ENTRYPOINT [ ]").args());
        assertEquals(List.of("/bin/bash", "-c"), second("SHELL [\"/bin/bash\", \"-c\"]").args());
        assertEquals(List.of("x"), second("CMD   [\"x\"]   ").args());
    }

    @Test
    void execFormForCopyAddVolume() throws BuildException {
        Instruction copy = second("COPY [\"a b\", \"/dest dir/\"]");
        assertTrue(copy.json());
        assertEquals(List.of("a b", "/dest dir/"), copy.args());
        assertEquals(List.of("a b", "/dest dir/"), copy.fields());
        assertEquals(List.of("/data", "/logs"), second("VOLUME [\"/data\", \"/logs\"]").args());
        assertEquals(List.of("http://x/y", "/y"), second("ADD [\"http://x/y\", \"/y\"]").args());
    }

    @Test
    void invalidJsonFallsBackToTheShellForm() throws BuildException {
        for (String args : List.of("['single', 'quotes']", "[\"unterminated\"", "[\"a\"] trailing", "[\"a\",]",
                "[\"a\" \"b\"]", "[\"\\q\"]")) {
            Instruction cmd = second("CMD " + args);
            assertFalse(cmd.json(), args);
            assertEquals(List.of(args), cmd.args(), args);
        }
        Instruction volume = second("VOLUME [/data]");
        assertFalse(volume.json());
        assertEquals(List.of("[/data]"), volume.fields());
    }

    @Test
    void validJsonArrayOfNonStringsIsAnError() {
        String message = "failed to parse Dockerfile: when using JSON array syntax, arrays must be comprised of strings only";
        assertEquals(message, errorOnSecondLine("CMD [\"a\", 1]"));
        assertEquals(message, errorOnSecondLine("COPY [\"a\", null]"));
        assertEquals(message, errorOnSecondLine("HEALTHCHECK CMD [[\"a\"]]"));
        assertEquals(message, errorOnSecondLine("ONBUILD RUN [true]"));
    }

    @Test
    void shellFormKeepsQuotesAndEscapes() throws BuildException {
        Instruction run = second("RUN echo \"a  b\" 'c' \\$HOME");
        assertFalse(run.json());
        assertEquals(List.of("echo \"a  b\" 'c' \\$HOME"), run.args());
    }

    @Test
    void fieldsSplitAtWhitespaceIgnoringQuotes() throws BuildException {
        assertEquals(List.of("\"a", "b\"", "/dest/"), second("COPY \"a b\"   /dest/").fields());
        assertEquals(List.of("80/tcp", "443"), second("EXPOSE 80/tcp\t443").fields());
    }

    // --- flags

    @Test
    void flagsAreParsedAtTheStartOfTheArguments() throws BuildException {
        Instruction copy = second("COPY --from=build --chown=\"1000:1000\" --link a --not-a-flag /b");
        assertEquals(List.of(new Flag("from", "build"), new Flag("chown", "1000:1000"), new Flag("link", "")), copy.flags());
        assertEquals(List.of("a --not-a-flag /b"), copy.args());
        assertEquals(Optional.of("build"), copy.flag("from"));
        assertEquals(Optional.empty(), copy.flag("chmod"));
    }

    @Test
    void flagsOfEachInstruction() throws BuildException {
        assertEquals(List.of(new Flag("platform", "linux/amd64")), parse("FROM --platform=linux/amd64 alpine\n").get(0).flags());
        Instruction run = second("RUN --mount=type=cache,target=/root/.cache --mount=type=tmpfs,target=/t --network=none --security=insecure make");
        assertEquals(List.of(new Flag("mount", "type=cache,target=/root/.cache"), new Flag("mount", "type=tmpfs,target=/t"),
                new Flag("network", "none"), new Flag("security", "insecure")), run.flags());
        assertEquals(List.of("make"), run.args());
        Instruction add = second("ADD --checksum=sha256:abc --keep-git-dir=true --chmod=644 --exclude=*.md --exclude=x --unpack=false src /d");
        assertEquals(6, add.flags().size());
        assertEquals(Optional.of("x"), add.flag("exclude"));
        Instruction copy = second("COPY --parents --chmod=755 --exclude=a a /b");
        assertEquals(List.of(new Flag("parents", ""), new Flag("chmod", "755"), new Flag("exclude", "a")), copy.flags());
    }

    @Test
    void doubleDashEndsTheFlags() throws BuildException {
        Instruction run = second("RUN --network=host -- --version");
        assertEquals(List.of(new Flag("network", "host")), run.flags());
        assertEquals(List.of("--version"), run.args());
    }

    @Test
    void flagErrors() {
        assertEquals("dockerfile parse error on line 2: Unknown flag: foo", errorOnSecondLine("RUN --foo=bar echo"));
        assertEquals("dockerfile parse error on line 2: Unknown flag: from", errorOnSecondLine("ADD --from=x a b"));
        assertEquals("dockerfile parse error on line 2: Unknown flag: checksum", errorOnSecondLine("COPY --checksum=x a b"));
        assertEquals("dockerfile parse error on line 2: Unknown flag: x", errorOnSecondLine("WORKDIR --x=1 /a"));
        assertEquals("dockerfile parse error on line 2: Unknown flag: x", errorOnSecondLine("ENV --x a=b"));
        assertEquals("dockerfile parse error on line 1: Unknown flag: plaform", error("FROM --plaform=linux/arm64 alpine\n"));
        assertEquals("dockerfile parse error on line 2: Missing a value on flag: from", errorOnSecondLine("COPY --from a b"));
        assertEquals("dockerfile parse error on line 2: Missing a value on flag: link", errorOnSecondLine("COPY --link= a b"));
        assertEquals("dockerfile parse error on line 2: Expecting boolean value for flag link, not: yes",
                errorOnSecondLine("COPY --link=yes a b"));
        assertEquals("dockerfile parse error on line 2: Duplicate flag specified: from", errorOnSecondLine("COPY --from=a --from=b a b"));
        assertEquals("dockerfile parse error on line 2: invalid network mode \"bridge\"", errorOnSecondLine("RUN --network=bridge x"));
        assertEquals("dockerfile parse error on line 2: security \"root\" is not valid", errorOnSecondLine("RUN --security=root x"));
    }

    @Test
    void dockerIgnoresTheFlagsOfArgStopsignalAndHealthcheckNone() throws BuildException {
        assertEquals(List.of(new Flag("x", "1")), second("STOPSIGNAL --x=1 SIGTERM").flags());
        assertEquals(List.of(new Flag("x", "")), second("ARG --x a").flags());
        assertEquals(List.of("NONE"), second("HEALTHCHECK --bogus NONE").args());
    }

    // --- argument rules per instruction

    @Test
    void fromArguments() throws BuildException {
        assertEquals(List.of("alpine:3.19", "as", "Build-1"), parse("FROM alpine:3.19 as Build-1\n").get(0).fields());
        assertEquals("dockerfile parse error on line 1: FROM requires either one or three arguments", error("FROM\n"));
        assertEquals("dockerfile parse error on line 1: FROM requires either one or three arguments", error("FROM a b\n"));
        assertEquals("dockerfile parse error on line 1: FROM requires either one or three arguments", error("FROM a from b\n"));
        assertEquals("dockerfile parse error on line 1: invalid name for build stage: \"1st\", name can't start with a number or contain symbols",
                error("FROM a AS 1st\n"));
        assertEquals("dockerfile parse error on line 1: invalid name for build stage: \"a/b\", name can't start with a number or contain symbols",
                error("FROM a AS a/b\n"));
    }

    @Test
    void copyAndAddNeedADestination() {
        assertEquals("dockerfile parse error on line 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined",
                errorOnSecondLine("COPY onlyone"));
        assertEquals("dockerfile parse error on line 2: ADD requires at least two arguments, but only one was provided. Destination could not be determined",
                errorOnSecondLine("ADD [\"x\"]"));
        assertEquals("dockerfile parse error on line 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined",
                errorOnSecondLine("COPY --from=a"));
    }

    @Test
    void envAndLabelForms() throws BuildException {
        Instruction env = second("ENV A=1 B=\"two words\" C=three\\ words");
        assertEquals(List.of("A=1 B=\"two words\" C=three\\ words"), env.args());
        assertEquals(List.of("name value with  spaces"), second("ENV name value with  spaces").args());
        assertEquals(List.of("maintainer=\"me\""), second("LABEL maintainer=\"me\"").args());
        assertEquals(List.of("description a label"), second("LABEL description a label").args());
    }

    @Test
    void envAndLabelErrors() {
        assertEquals("dockerfile parse error on line 2: ENV requires at least one argument", errorOnSecondLine("ENV"));
        assertEquals("dockerfile parse error on line 2: LABEL requires at least one argument", errorOnSecondLine("LABEL"));
        assertEquals("failed to parse Dockerfile: ENV must have two arguments", errorOnSecondLine("ENV onlyname"));
        assertEquals("failed to parse Dockerfile: LABEL must have two arguments", errorOnSecondLine("LABEL onlyname"));
        assertEquals("failed to parse Dockerfile: Syntax error - can't find = in \"b\". Must be of the form: name=value",
                errorOnSecondLine("ENV a=1 b"));
        assertEquals("dockerfile parse error on line 2: ENV names can not be blank", errorOnSecondLine("ENV =x"));
        assertEquals("dockerfile parse error on line 2: LABEL names can not be blank", errorOnSecondLine("LABEL a=b =c"));
    }

    @Test
    void argForms() throws BuildException {
        assertEquals(List.of("A B=2 C="), second("ARG A B=2 C=").args());
        assertEquals("dockerfile parse error on line 2: ARG requires at least one argument", errorOnSecondLine("ARG"));
        assertEquals("dockerfile parse error on line 2: ARG names can not be blank", errorOnSecondLine("ARG a =b"));
    }

    @Test
    void singleArgumentInstructionsKeepTheirWholeText() throws BuildException {
        assertEquals(List.of("/my app"), second("WORKDIR /my app").args());
        assertEquals(List.of("app:staff"), second("USER app:staff").args());
        assertEquals(List.of("SIGKILL"), second("STOPSIGNAL SIGKILL").args());
        assertEquals(List.of("Jane Doe <jane@example.com>"), second("MAINTAINER Jane Doe <jane@example.com>").args());
        for (String keyword : List.of("WORKDIR", "USER", "STOPSIGNAL", "MAINTAINER")) {
            assertEquals("dockerfile parse error on line 2: " + keyword + " requires exactly one argument", errorOnSecondLine(keyword));
        }
    }

    @Test
    void exposeAndVolume() throws BuildException {
        assertEquals(List.of("80 443/udp"), second("EXPOSE 80 443/udp").args());
        assertEquals(List.of("/a", "/b"), second("VOLUME /a /b").fields());
        assertEquals("dockerfile parse error on line 2: EXPOSE requires at least one argument", errorOnSecondLine("EXPOSE"));
        assertEquals("dockerfile parse error on line 2: VOLUME requires at least one argument", errorOnSecondLine("VOLUME"));
        assertEquals("dockerfile parse error on line 2: VOLUME requires at least one argument", errorOnSecondLine("VOLUME []"));
        assertEquals("dockerfile parse error on line 2: VOLUME specified can not be an empty string", errorOnSecondLine("VOLUME [\"/a\", \" \"]"));
    }

    @Test
    void runCmdEntrypointWithoutArguments() throws BuildException {
        assertEquals(List.of(), second("CMD").args());
        assertEquals(List.of(), second("RUN").args());
        assertEquals("", second("ENTRYPOINT").text());
    }

    @Test
    void shellNeedsJson() {
        assertEquals("dockerfile parse error on line 2: SHELL requires the arguments to be in JSON form", errorOnSecondLine("SHELL /bin/sh -c"));
        assertEquals("dockerfile parse error on line 2: SHELL requires at least one argument", errorOnSecondLine("SHELL []"));
        assertEquals("dockerfile parse error on line 2: SHELL requires at least one argument", errorOnSecondLine("SHELL"));
    }

    // --- HEALTHCHECK

    @Test
    void healthcheckForms() throws BuildException {
        Instruction shell = second("HEALTHCHECK --interval=30s --timeout=3s --start-period=1m30s --start-interval=500ms --retries=3 cmd curl -f http://localhost/ || exit 1");
        assertEquals(List.of("CMD", "curl -f http://localhost/ || exit 1"), shell.args());
        assertFalse(shell.json());
        assertEquals(List.of(new Flag("interval", "30s"), new Flag("timeout", "3s"), new Flag("start-period", "1m30s"),
                new Flag("start-interval", "500ms"), new Flag("retries", "3")), shell.flags());
        Instruction exec = second("HEALTHCHECK CMD [\"/bin/check\", \"--fast\"]");
        assertTrue(exec.json());
        assertEquals(List.of("CMD", "/bin/check", "--fast"), exec.args());
        Instruction none = second("HEALTHCHECK none");
        assertEquals(List.of("NONE"), none.args());
        assertEquals(List.of("CMD", "--not-a-flag"), second("HEALTHCHECK CMD --not-a-flag").args());
    }

    @Test
    void healthcheckErrors() {
        String prefix = "dockerfile parse error on line 2: ";
        assertEquals(prefix + "HEALTHCHECK requires at least one argument", errorOnSecondLine("HEALTHCHECK"));
        assertEquals(prefix + "HEALTHCHECK NONE takes no arguments", errorOnSecondLine("HEALTHCHECK NONE x"));
        assertEquals(prefix + "Missing command after HEALTHCHECK CMD", errorOnSecondLine("HEALTHCHECK CMD"));
        assertEquals(prefix + "Missing command after HEALTHCHECK CMD", errorOnSecondLine("HEALTHCHECK CMD []"));
        assertEquals(prefix + "Unknown type \"RUN\" in HEALTHCHECK (try CMD)", errorOnSecondLine("HEALTHCHECK run x"));
        assertEquals(prefix + "Unknown flag: interva", errorOnSecondLine("HEALTHCHECK --interva=1s CMD x"));
        assertEquals(prefix + "time: invalid duration \"soon\"", errorOnSecondLine("HEALTHCHECK --interval=soon CMD x"));
        assertEquals(prefix + "time: missing unit in duration \"30\"", errorOnSecondLine("HEALTHCHECK --timeout=30 CMD x"));
        assertEquals(prefix + "time: unknown unit \"d\" in duration \"1d\"", errorOnSecondLine("HEALTHCHECK --timeout=1d CMD x"));
        assertEquals(prefix + "Interval \"start-period\" cannot be less than 1ms", errorOnSecondLine("HEALTHCHECK --start-period=10us CMD x"));
        assertEquals(prefix + "Interval \"interval\" cannot be less than 1ms", errorOnSecondLine("HEALTHCHECK --interval=-1s CMD x"));
        assertEquals(prefix + "strconv.ParseInt: parsing \"three\": invalid syntax", errorOnSecondLine("HEALTHCHECK --retries=three CMD x"));
        assertEquals(prefix + "strconv.ParseInt: parsing \"9999999999\": value out of range", errorOnSecondLine("HEALTHCHECK --retries=9999999999 CMD x"));
        assertEquals(prefix + "--retries cannot be negative (-2)", errorOnSecondLine("HEALTHCHECK --retries=-2 CMD x"));
    }

    @Test
    void healthcheckZeroDurationsAreAccepted() throws BuildException {
        assertEquals(Optional.of("0"), second("HEALTHCHECK --interval=0 --timeout=0s CMD x").flag("interval"));
    }

    @Test
    void goDurations() throws BuildException {
        assertEquals(Duration.ofSeconds(90), GoDuration.parse("1m30s"));
        assertEquals(Duration.ofMillis(1500), GoDuration.parse("1.5s"));
        assertEquals(Duration.ofMillis(500), GoDuration.parse(".5s"));
        assertEquals(Duration.ofNanos(2_500), GoDuration.parse("2.5\u00b5s"));
        assertEquals(Duration.ofHours(-2).minusMinutes(45), GoDuration.parse("-2h45m"));
        assertEquals(Duration.ZERO, GoDuration.parse("+0"));
        assertEquals("time: invalid duration \"\"", assertThrows(BuildException.class, () -> GoDuration.parse("")).getMessage());
        assertEquals("time: invalid duration \".s\"", assertThrows(BuildException.class, () -> GoDuration.parse(".s")).getMessage());
        assertEquals("time: invalid duration \"99999999999h\"",
                assertThrows(BuildException.class, () -> GoDuration.parse("99999999999h")).getMessage());
    }

    // --- ONBUILD and parseInstruction

    @Test
    void onbuildKeepsItsTriggerAsRawText() throws BuildException {
        Instruction onbuild = second("ONBUILD RUN --mount=type=cache,target=/x [\"echo\", \"hi\"]");
        assertEquals(List.of("RUN --mount=type=cache,target=/x [\"echo\", \"hi\"]"), onbuild.args());
        assertFalse(onbuild.json());
        assertEquals(List.of(), onbuild.flags());
        assertEquals(List.of("ADD . /app/src"), second("onbuild   ADD . /app/src").args());
    }

    @Test
    void onbuildErrors() {
        String prefix = "dockerfile parse error on line 2: ";
        assertEquals(prefix + "ONBUILD requires at least one argument", errorOnSecondLine("ONBUILD"));
        assertEquals(prefix + "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", errorOnSecondLine("ONBUILD onbuild RUN x"));
        assertEquals(prefix + "FROM isn't allowed as an ONBUILD trigger", errorOnSecondLine("ONBUILD from alpine"));
        assertEquals(prefix + "MAINTAINER isn't allowed as an ONBUILD trigger", errorOnSecondLine("ONBUILD MAINTAINER me"));
        assertEquals(prefix + "Unknown flag: x", errorOnSecondLine("ONBUILD --x=1 RUN y"));
        assertEquals("failed to parse Dockerfile: ENV must have two arguments", errorOnSecondLine("ONBUILD ENV x"));
    }

    @Test
    void parseInstructionReadsATriggerOnItsOwn() throws BuildException {
        Instruction copy = DockerfileParser.parseInstruction("COPY --chown=app . /app/src", '\\', 7);
        assertEquals(new Instruction(7, "COPY", "COPY --chown=app . /app/src", List.of(new Flag("chown", "app")), false,
                List.of(". /app/src")), copy);
        Instruction cmd = DockerfileParser.parseInstruction("CMD [\"run\"]", '`', 1);
        assertTrue(cmd.json());
        assertEquals(List.of("run"), cmd.args());
        assertEquals("RUN a  b", DockerfileParser.parseInstruction("RUN a `\n b", '`', 1).original());
    }

    @Test
    void parseInstructionErrorsAreDockersBareReasons() {
        assertEquals("unknown instruction: FOO (did you mean FROM?)", assertThrows(BuildException.class,
                () -> DockerfileParser.parseInstruction("FOO bar", '\\', 1)).getMessage());
        assertEquals("unknown instruction: BOGUS", assertThrows(BuildException.class,
                () -> DockerfileParser.parseInstruction("BOGUS bar", '\\', 1)).getMessage());
        assertEquals("COPY requires at least two arguments, but only one was provided. Destination could not be determined",
                assertThrows(BuildException.class, () -> DockerfileParser.parseInstruction("COPY x", '\\', 1)).getMessage());
        assertEquals("onbuild trigger should be a single expression", assertThrows(BuildException.class,
                () -> DockerfileParser.parseInstruction("RUN a\nRUN b", '\\', 1)).getMessage());
    }
}
