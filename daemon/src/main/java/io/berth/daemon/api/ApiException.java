package io.berth.daemon.api;

/**
 * An API call that cannot be served, with Docker's status code and message. The kinds are few and
 * map to HTTP in one place ({@link Kind#status}); the message is what the docker CLI prints after
 * "Error response from daemon: ".
 */
public class ApiException extends RuntimeException {

    public enum Kind {
        INVALID(400), UNAUTHORIZED(401), FORBIDDEN(403), NOT_FOUND(404), CONFLICT(409), NOT_MODIFIED(304), NOT_IMPLEMENTED(501), INTERNAL(500);

        public final int status;

        Kind(int status) {
            this.status = status;
        }

        public static Kind of(int status) {
            for (Kind k : values()) {
                if (k.status == status) {
                    return k;
                }
            }
            return INTERNAL;
        }
    }

    private final Kind kind;
    private final boolean recorded;

    public ApiException(Kind kind, String message) {
        this(kind, message, false);
    }

    /** @param recorded true when the journal already wrote this refusal to the log */
    public ApiException(Kind kind, String message, boolean recorded) {
        super(message, null, false, false);
        this.kind = kind;
        this.recorded = recorded;
    }

    public boolean recorded() {
        return recorded;
    }

    public Kind kind() {
        return kind;
    }

    public static ApiException invalid(String message) {
        return new ApiException(Kind.INVALID, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(Kind.NOT_FOUND, message);
    }

    /** 403: the request is understood but refused in this state (Docker's errdefs.Forbidden). */
    public static ApiException forbidden(String message) {
        return new ApiException(Kind.FORBIDDEN, message);
    }

    public static ApiException notImplemented(String message) {
        return new ApiException(Kind.NOT_IMPLEMENTED, message);
    }

    public static ApiException conflict(String message) {
        return new ApiException(Kind.CONFLICT, message);
    }

    public static ApiException noSuchContainer(String name) {
        return notFound("No such container: " + name);
    }

    public static ApiException noSuchImage(String name) {
        return notFound("No such image: " + name);
    }
}
