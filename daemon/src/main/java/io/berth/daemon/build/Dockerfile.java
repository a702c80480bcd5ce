package io.berth.daemon.build;

import java.util.List;

/**
 * A parsed Dockerfile.
 *
 * @param escape       the escape character from the {@code # escape=} directive ('\\' by default)
 * @param instructions every instruction in order; ARG instructions before the first FROM are the global args
 */
public record Dockerfile(char escape, List<Instruction> instructions) {

    public Dockerfile {
        instructions = List.copyOf(instructions);
    }
}
