package io.berth.daemon.registry;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Who a registry call acts as: nobody (anonymous) or a user with a password, given per call (berth's API
 * gets them in X-Registry-Auth and keeps them nowhere). The password leaves this object only as an
 * Authorization header; {@link #toString} never shows it, so a credential can be logged by mistake
 * without leaking.
 */
public final class Credentials {

    private static final Credentials ANONYMOUS = new Credentials(null, null);

    private final String username;
    private final String password;

    private Credentials(String username, String password) {
        this.username = username;
        this.password = password;
    }

    public static Credentials anonymous() {
        return ANONYMOUS;
    }

    /** A user and password; an empty or missing username means anonymous. */
    public static Credentials basic(String username, String password) {
        if (username == null || username.isEmpty()) {
            return ANONYMOUS;
        }
        return new Credentials(username, password == null ? "" : password);
    }

    public boolean isAnonymous() {
        return username == null;
    }

    /** The user name, or null when anonymous. */
    public String username() {
        return username;
    }

    /** "Basic base64(user:password)"; only for the Authorization header of a request. */
    String basicHeader() {
        if (isAnonymous()) {
            throw new IllegalStateException("anonymous credentials have no Authorization header");
        }
        String pair = username + ":" + password;
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return isAnonymous() ? "anonymous" : username + ":******";
    }
}
