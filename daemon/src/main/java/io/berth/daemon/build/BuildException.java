package io.berth.daemon.build;

/**
 * A build that cannot go on: the message is what the docker CLI prints (Docker's own text where Docker
 * has one), and {@link #code()} the exit status it ends with (the failing RUN's exit code, else 1).
 */
public final class BuildException extends Exception {

    private final int code;

    public BuildException(String message) {
        this(message, 1);
    }

    public BuildException(String message, int code) {
        super(message);
        this.code = code;
    }

    public BuildException(String message, Throwable cause) {
        super(message, cause);
        this.code = 1;
    }

    /** The exit status the client reports (errorDetail.code); never 0. */
    public int code() {
        return code == 0 ? 1 : code;
    }
}
