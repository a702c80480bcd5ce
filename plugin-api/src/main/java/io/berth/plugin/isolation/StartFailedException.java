package io.berth.plugin.isolation;

/**
 * The container's process could not be started. The message is Docker's wording where Docker has one
 * (e.g. {@code exec: "nosuch": executable file not found in $PATH}), because clients match on it: the
 * docker CLI turns "executable file not found" and "no such file or directory" into exit code 127 and
 * "permission denied" into 126.
 */
public class StartFailedException extends Exception {

    /** What went wrong, as the exit code Docker would give the container. */
    public enum Kind {
        /** The command does not exist in the container (127). */
        NOT_FOUND(127),
        /** The command exists but cannot be executed (126). */
        NOT_EXECUTABLE(126),
        /** Anything else: namespaces, mounts, cgroups, bad user (128, as Docker records). */
        SETUP(128);

        public final int exitCode;

        Kind(int exitCode) {
            this.exitCode = exitCode;
        }
    }

    private final Kind kind;

    public StartFailedException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
