package io.berth.daemon.api;

import io.vertx.core.http.HttpMethod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps a method and a version-less path such as {@code /containers/{id}/json} to a handler. Path
 * parameters match one segment, except a trailing {@code {name*}} which matches the rest (image names
 * contain slashes).
 */
public final class Router {

    /** A route's code. It answers through the call, or throws {@link ApiException}. */
    @FunctionalInterface
    public interface Handler {
        void handle(ApiCall call) throws Exception;
    }

    record Route(HttpMethod method, String[] segments, Handler handler) {}

    record Match(Handler handler, Map<String, String> params) {}

    private final List<Route> routes = new ArrayList<>();

    public Router get(String pattern, Handler handler) {
        return add(HttpMethod.GET, pattern, handler);
    }

    public Router head(String pattern, Handler handler) {
        return add(HttpMethod.HEAD, pattern, handler);
    }

    public Router post(String pattern, Handler handler) {
        return add(HttpMethod.POST, pattern, handler);
    }

    public Router put(String pattern, Handler handler) {
        return add(HttpMethod.PUT, pattern, handler);
    }

    public Router delete(String pattern, Handler handler) {
        return add(HttpMethod.DELETE, pattern, handler);
    }

    public Router add(HttpMethod method, String pattern, Handler handler) {
        routes.add(new Route(method, split(pattern), handler));
        return this;
    }

    /** The handler for a request, or null when no route matches (a 404 "page not found"). */
    Match match(HttpMethod method, String path) {
        String[] segments = split(path);
        for (Route route : routes) {
            if (!route.method.equals(method)) {
                continue;
            }
            Map<String, String> params = match(route.segments, segments);
            if (params != null) {
                return new Match(route.handler, params);
            }
        }
        return null;
    }

    private static Map<String, String> match(String[] pattern, String[] path) {
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < pattern.length; i++) {
            String p = pattern[i];
            if (p.startsWith("{") && p.endsWith("*}")) {
                // takes every segment up to those the rest of the pattern needs (at least one)
                int after = pattern.length - i - 1;
                int end = path.length - after;
                if (end <= i) {
                    return null;
                }
                Map<String, String> tail = match(java.util.Arrays.copyOfRange(pattern, i + 1, pattern.length),
                        java.util.Arrays.copyOfRange(path, end, path.length));
                if (tail == null) {
                    return null;
                }
                params.putAll(tail);
                params.put(p.substring(1, p.length() - 2), String.join("/", java.util.Arrays.copyOfRange(path, i, end)));
                return params;
            }
            if (i >= path.length) {
                return null;
            }
            if (p.startsWith("{") && p.endsWith("}")) {
                params.put(p.substring(1, p.length() - 1), path[i]);
            } else if (!p.equals(path[i])) {
                return null;
            }
        }
        return pattern.length == path.length ? params : null;
    }

    private static String[] split(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        if (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p.isEmpty() ? new String[0] : p.split("/", -1);
    }
}
