package io.berth.daemon.registry;

import java.io.IOException;

/**
 * A registry operation that failed, with a kind the caller can act on and a message a person can read
 * (it names the registry or the reference, and never carries a credential).
 */
public class RegistryException extends IOException {

    public enum Kind {
        /** The manifest, blob or repository does not exist (404, MANIFEST_UNKNOWN, BLOB_UNKNOWN, NAME_UNKNOWN). */
        NOT_FOUND,
        /** Credentials were missing or wrong (401, UNAUTHORIZED). */
        UNAUTHORIZED,
        /** The credentials are fine but may not do this (403, DENIED). */
        DENIED,
        /** No connection: refused, no route, unknown host, timed out, or a transfer that stalled. */
        UNREACHABLE,
        /** Content did not match its digest, on either side. */
        DIGEST_MISMATCH,
        /** Too many requests (429, TOOMANYREQUESTS). */
        TOO_MANY_REQUESTS,
        /** Anything else the registry answered that the spec does not allow here, or a 5xx. */
        PROTOCOL,
        /** A manifest berth cannot use: schema 1, an unknown media type, no entry for the platform. */
        UNSUPPORTED
    }

    private final Kind kind;
    private final int status;

    public RegistryException(Kind kind, String message) {
        this(kind, -1, message, null);
    }

    public RegistryException(Kind kind, int status, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.status = status;
    }

    public Kind kind() {
        return kind;
    }

    /** The registry's HTTP status, or -1 when there was no answer. */
    public int status() {
        return status;
    }
}
