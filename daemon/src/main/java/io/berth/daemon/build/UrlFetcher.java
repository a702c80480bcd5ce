package io.berth.daemon.build;

import io.berth.storage.common.FsTrees;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The download of an ADD source given as an http:// or https:// URL, as Docker's legacy builder does it
 * (moby builder/dockerfile/copy.go downloadSource): redirects followed, a status of 400 or more fails
 * with Docker's text and the response body, the file is named after the last component of the URL path
 * (else the Content-Disposition filename, else {@value #UNNAMED}), written 0600, and its mtime is the
 * Last-Modified time or, without one, the Unix epoch. Connecting and every wait for more of the body are
 * bounded by timeouts. Runs on the build thread; blocks while downloading.
 */
public final class UrlFetcher {

    static final String UNNAMED = "__unnamed__";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
    private static final int ERROR_BODY_LIMIT = 64 * 1024;
    private static final Pattern DISPOSITION_FILENAME =
            Pattern.compile("(?i);\\s*filename\\s*=\\s*(?:\"((?:[^\"\\\\]|\\\\.)*)\"|([^;\\s]+))");
    private static final Map<Integer, String> REASONS = Map.ofEntries(
            Map.entry(400, "Bad Request"), Map.entry(401, "Unauthorized"), Map.entry(403, "Forbidden"),
            Map.entry(404, "Not Found"), Map.entry(405, "Method Not Allowed"), Map.entry(406, "Not Acceptable"),
            Map.entry(408, "Request Timeout"), Map.entry(409, "Conflict"), Map.entry(410, "Gone"),
            Map.entry(429, "Too Many Requests"), Map.entry(500, "Internal Server Error"),
            Map.entry(501, "Not Implemented"), Map.entry(502, "Bad Gateway"),
            Map.entry(503, "Service Unavailable"), Map.entry(504, "Gateway Timeout"));

    private UrlFetcher() {}

    /**
     * A downloaded file: {@code file} in the directory given to {@link #fetch}, {@code name} the name
     * Docker derives for it, or null when it cannot derive one (the file is then {@value #UNNAMED}).
     */
    public record Fetched(String url, Path file, String name) {

        /**
         * The file as a COPY/ADD source for {@code dest}. Docker cannot name a file it copies into a
         * directory destination without a name.
         */
        public FileCopier.Source source(String dest) throws BuildException {
            if (name == null && dest.endsWith("/")) {
                throw new BuildException("ADD failed: cannot determine filename for source " + url);
            }
            return new FileCopier.Source(file.getParent(), file.getFileName().toString(), true);
        }
    }

    /** Downloads {@code url} into the existing directory {@code dir}. */
    public static Fetched fetch(String url, Path dir) throws BuildException, IOException {
        return fetch(url, dir, CONNECT_TIMEOUT, READ_TIMEOUT);
    }

    static Fetched fetch(String url, Path dir, Duration connectTimeout, Duration readTimeout)
            throws BuildException, IOException {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new BuildException("ADD failed: parse \"" + url + "\": " + e.getMessage());
        }
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(readTimeout).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new BuildException("ADD failed: Get \"" + url + "\": " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BuildException("ADD failed: Get \"" + url + "\": interrupted", e);
        }
        try (InputStream body = response.body()) {
            if (response.statusCode() >= 400) {
                throw statusError(url, response.statusCode(), body, readTimeout);
            }
            String name = fileName(uri.getPath(), response.headers().firstValue("Content-Disposition"));
            Path file = dir.resolve(name == null ? UNNAMED : name);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE)) {
                copyWithReadTimeout(body, out, Long.MAX_VALUE, readTimeout);
            } catch (IOException e) {
                FsTrees.deleteTree(file);
                throw new BuildException("ADD failed: reading " + url + ": " + describe(e), e);
            }
            FileTime mtime = FileTime.from(lastModified(response.headers().firstValue("Last-Modified")));
            FsTrees.setTimes(file, mtime, mtime);
            return new Fetched(url, file, name);
        }
    }

    /** Docker's name for the download: the URL path's last component, else the Content-Disposition filename. */
    static String fileName(String urlPath, Optional<String> contentDisposition) {
        if (urlPath != null && !urlPath.isEmpty() && !urlPath.endsWith("/")) {
            String base = urlPath.substring(urlPath.lastIndexOf('/') + 1);
            if (usable(base)) {
                return base;
            }
        }
        if (contentDisposition.isPresent()) {
            Matcher m = DISPOSITION_FILENAME.matcher(contentDisposition.get());
            if (m.find()) {
                String filename = m.group(1) != null ? m.group(1).replaceAll("\\\\(.)", "$1") : m.group(2);
                if (!filename.endsWith("/")) {
                    String base = filename.substring(filename.lastIndexOf('/') + 1);
                    if (usable(base)) {
                        return base;
                    }
                }
            }
        }
        return null;
    }

    private static boolean usable(String name) {
        return !name.isEmpty() && !name.equals(".") && !name.equals("..");
    }

    /** The Last-Modified time, or the Unix epoch when there is none or it does not parse (as Docker). */
    static Instant lastModified(Optional<String> header) {
        if (header.isEmpty()) {
            return Instant.EPOCH;
        }
        try {
            return ZonedDateTime.parse(header.get().trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }

    private static BuildException statusError(String url, int status, InputStream body, Duration readTimeout) {
        String reason = REASONS.get(status);
        String message = "ADD failed: failed to GET " + url + " with status " + status
                + (reason == null ? "" : " " + reason);
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        try {
            copyWithReadTimeout(body, text, ERROR_BODY_LIMIT, readTimeout);
        } catch (IOException e) {
            return new BuildException(message + ": error reading body", 1);
        }
        return new BuildException(message + ": " + text.toString(StandardCharsets.UTF_8).trim(), 1);
    }

    /**
     * Copies up to {@code limit} bytes of {@code in} to {@code out}, failing when no byte arrives for
     * {@code readTimeout}: a watchdog closes the stream, which makes the blocked read fail.
     */
    private static void copyWithReadTimeout(InputStream in, OutputStream out, long limit, Duration readTimeout)
            throws IOException {
        AtomicLong lastProgress = new AtomicLong(System.nanoTime());
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "berth-add-download-watchdog");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1, readTimeout.toMillis() / 4);
        ScheduledFuture<?> check = watchdog.scheduleAtFixedRate(() -> {
            if (System.nanoTime() - lastProgress.get() > readTimeout.toNanos()) {
                timedOut.set(true);
                try {
                    in.close();
                } catch (IOException ignored) {
                    // The read it unblocks reports the failure.
                }
            }
        }, period, period, TimeUnit.MILLISECONDS);
        try {
            byte[] buf = new byte[65536];
            long left = limit;
            for (int n; left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) >= 0; ) {
                out.write(buf, 0, n);
                left -= n;
                lastProgress.set(System.nanoTime());
            }
        } catch (IOException e) {
            if (timedOut.get()) {
                throw new HttpTimeoutException("no data received for " + readTimeout.toSeconds() + "s");
            }
            throw e;
        } finally {
            check.cancel(false);
            watchdog.shutdownNow();
        }
        if (timedOut.get()) {
            throw new HttpTimeoutException("no data received for " + readTimeout.toSeconds() + "s");
        }
    }

    private static String describe(IOException e) {
        if (e instanceof ConnectException) {
            return "connect: connection refused";
        }
        if (e instanceof HttpTimeoutException) {
            return e.getMessage() == null ? "timeout" : e.getMessage();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
