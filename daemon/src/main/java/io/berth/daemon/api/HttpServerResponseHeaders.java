package io.berth.daemon.api;

import io.berth.daemon.Version;
import io.vertx.core.http.HttpServerResponse;

/** The headers moby puts on every response; the docker CLI reads Api-Version and Ostype from them. */
final class HttpServerResponseHeaders {

    private static final String SERVER = "Docker/" + Version.ENGINE + " (linux)";

    private HttpServerResponseHeaders() {}

    static void add(HttpServerResponse response) {
        response.putHeader("Api-Version", Version.API)
                .putHeader("Server", SERVER)
                .putHeader("Ostype", "linux")
                .putHeader("Docker-Experimental", "false");
    }
}
