package io.berth.daemon.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * The distribution API on one repository of one registry, as one principal: what a pull or a push
 * does, call by call. Open one per operation with {@link RegistryClient#open}; it keeps the
 * Authorization the registry granted (a bearer token is fetched once per scope and renewed before it
 * expires), so the calls after the first skip the challenge round trip.
 *
 * <p>Every method blocks its thread on the network: call them from a worker thread, never from an
 * event loop. Methods may be called from several threads at once (a pull fetches its layers in
 * parallel). A call fails with a {@link RegistryException} that says what failed and where; an
 * interrupt makes it fail with an {@link InterruptedIOException}.
 */
public final class RepositorySession {

    private static final int MAX_MANIFEST_BYTES = 8 << 20;
    private static final int BUFFER = 64 * 1024;

    private final RegistryClient client;
    private final RegistryHttp http;
    private final String repository;

    RepositorySession(RegistryClient client, RegistryHttp http, String repository) {
        this.client = client;
        this.http = http;
        this.repository = repository;
    }

    public String registry() {
        return http.registry;
    }

    public String repository() {
        return repository;
    }

    /**
     * The manifest {@code reference} (a tag or a digest) names, as served: an image manifest or an index.
     * A manifest fetched by digest is checked against that digest.
     *
     * @throws RegistryException NOT_FOUND "manifest for REGISTRY/REPO:REF not found: manifest unknown: …",
     *     UNSUPPORTED for schema 1 or an unknown media type, DIGEST_MISMATCH
     */
    public Manifest fetchManifest(String reference) throws IOException {
        pull();
        String what = "manifest for " + name(reference);
        HttpResponse<InputStream> r = http.send("GET", url("/manifests/" + reference),
                Map.of("Accept", MediaTypes.MANIFEST_ACCEPT), null, true, client.config().responseTimeout(), what);
        byte[] body = Errors.readAtMost(r, MAX_MANIFEST_BYTES + 1);
        if (r.statusCode() != 200) {
            throw Errors.fromResponse(r.statusCode(), body, what);
        }
        if (body.length > MAX_MANIFEST_BYTES) {
            throw new RegistryException(RegistryException.Kind.UNSUPPORTED, what + " is larger than " + MAX_MANIFEST_BYTES + " bytes");
        }
        Manifest m = Manifest.of(body, r.headers().firstValue("Content-Type").orElse(null));
        String claimed = r.headers().firstValue("Docker-Content-Digest").orElse(m.digest());
        if ((Digests.isSha256(reference) && !reference.equals(m.digest())) || !claimed.equals(m.digest())) {
            throw new RegistryException(RegistryException.Kind.DIGEST_MISMATCH,
                    what + ": the registry served content with digest " + m.digest());
        }
        return m;
    }

    /**
     * The image manifest {@code reference} names for {@code platform}: the manifest itself, or the
     * index entry for the platform when the reference names an index (a second request).
     *
     * @throws RegistryException UNSUPPORTED "no matching manifest for linux/amd64 in the manifest list entries"
     */
    public ResolvedManifest fetchImageManifest(String reference, Platform platform) throws IOException {
        Manifest top = fetchManifest(reference);
        if (!top.isIndex()) {
            return new ResolvedManifest(top, null);
        }
        Manifest image = fetchManifest(top.select(platform).digest());
        if (image.isIndex()) {
            throw new RegistryException(RegistryException.Kind.UNSUPPORTED,
                    "manifest for " + name(reference) + ": nested indexes are not supported");
        }
        return new ResolvedManifest(image, top);
    }

    /** Whether the repository has the blob (HEAD); a pusher skips the upload when it does. */
    public boolean blobExists(String digest) throws IOException {
        requireDigest(digest);
        pull();
        String what = "blob " + digest + " in " + name(null);
        HttpResponse<InputStream> r = http.send("HEAD", url("/blobs/" + digest), Map.of(), null, true,
                client.config().responseTimeout(), what);
        Errors.discard(r);
        if (r.statusCode() == 200) {
            return true;
        }
        if (r.statusCode() == 404) {
            return false;
        }
        throw Errors.fromResponse(r.statusCode(), null, what);
    }

    /**
     * Streams the blob into {@code sink} as it arrives, verifying its digest (and size, when given);
     * nothing is held in memory beyond one buffer. On a mismatch the sink has received bytes that
     * must be discarded: write to a temporary file and move it into place only when this returns.
     *
     * @param size the size the manifest declares, or -1
     * @return the number of bytes written
     * @throws RegistryException DIGEST_MISMATCH, NOT_FOUND, UNREACHABLE (also when the download stalls)
     */
    public long fetchBlob(String digest, long size, OutputStream sink, ProgressListener progress) throws IOException {
        requireDigest(digest);
        pull();
        String what = "blob " + digest + " in " + name(null);
        HttpResponse<InputStream> r = http.send("GET", url("/blobs/" + digest), Map.of(), null, true,
                client.config().responseTimeout(), what);
        if (r.statusCode() != 200) {
            throw Errors.fromResponse(r.statusCode(), Errors.readAtMost(r, 64 * 1024), what);
        }
        long total = size >= 0 ? size : r.headers().firstValueAsLong("Content-Length").orElse(-1);
        MessageDigest sha = Digests.newSha256();
        long count = 0;
        byte[] buffer = new byte[BUFFER];
        try (InputStream in = r.body(); StallWatch.Guard guard = client.stalls().watch(stallMillis(), in)) {
            while (true) {
                int n;
                guard.await();
                try {
                    n = in.read(buffer);
                } catch (IOException e) {
                    throw guard.resume() ? stalled(what) : Errors.unreachable(registry(), r.request(), e);
                }
                if (guard.resume()) {
                    throw stalled(what);
                }
                if (n < 0) {
                    break;
                }
                sha.update(buffer, 0, n);
                sink.write(buffer, 0, n);
                count += n;
                progress.progress(count, total);
            }
        }
        String actual = Digests.format(sha.digest());
        if (!actual.equals(digest) || size >= 0 && count != size) {
            throw new RegistryException(RegistryException.Kind.DIGEST_MISMATCH, what + ": received " + count
                    + " bytes with digest " + actual + (size >= 0 ? ", expected " + size + " bytes" : ""));
        }
        return count;
    }

    /**
     * Asks the registry to link a blob from another repository of the same registry instead of
     * uploading it (cross-repository mount).
     *
     * @return true when mounted; false when the registry declined (the caller uploads instead)
     */
    public boolean mountBlob(String digest, String fromRepository) throws IOException {
        requireDigest(digest);
        push();
        http.authorizer.addScope("repository:" + fromRepository + ":pull");
        String what = "mount of blob " + digest + " from " + fromRepository + " into " + name(null);
        HttpResponse<InputStream> r = http.send("POST",
                url("/blobs/uploads/?mount=" + encode(digest) + "&from=" + encode(fromRepository)),
                Map.of(), null, true, client.config().responseTimeout(), what);
        byte[] body = Errors.readAtMost(r, 64 * 1024);
        if (r.statusCode() == 201) {
            return true;
        }
        if (r.statusCode() == 202) {
            cancelUpload(location(r, what));
            return false;
        }
        throw Errors.fromResponse(r.statusCode(), body, what);
    }

    /**
     * Uploads a blob of known digest and size from {@code content} (read to exactly {@code size} bytes,
     * not closed), streaming it: monolithic (POST, then one PUT with the bytes) or, for blobs larger
     * than {@link RegistryConfig#uploadChunkSize}, in PATCH chunks and a closing PUT. The bytes are
     * hashed on the way; a chunked upload whose bytes do not match {@code digest} is cancelled before it
     * completes, and a monolithic one is refused by the registry. Check {@link #blobExists} first to
     * skip blobs the registry has.
     *
     * @param progress called on the HTTP client's threads as bytes go out
     * @throws RegistryException DIGEST_MISMATCH, UNAUTHORIZED, DENIED, UNREACHABLE (also on a stall)
     */
    public void pushBlob(String digest, long size, InputStream content, ProgressListener progress) throws IOException {
        requireDigest(digest);
        push();
        String what = "upload of blob " + digest + " to " + name(null);
        HttpResponse<InputStream> started = http.send("POST", url("/blobs/uploads/"), Map.of(), null, true,
                client.config().responseTimeout(), what);
        byte[] error = Errors.readAtMost(started, 64 * 1024);
        if (started.statusCode() != 202) {
            throw Errors.fromResponse(started.statusCode(), error, what);
        }
        URI location = location(started, what);
        UploadStream stream = new UploadStream(content, size, progress);
        long chunk = client.config().uploadChunkSize();
        HttpResponse<InputStream> done;
        if (chunk == 0 || size <= chunk) {
            done = upload("PUT", withDigest(location, digest), Map.of(), stream, size, what);
        } else {
            for (long offset = 0; offset < size; offset += chunk) {
                long length = Math.min(chunk, size - offset);
                HttpResponse<InputStream> r = upload("PATCH", location,
                        Map.of("Content-Range", offset + "-" + (offset + length - 1)), stream, length, what);
                byte[] body = Errors.readAtMost(r, 64 * 1024);
                if (r.statusCode() != 202) {
                    cancelUpload(location);
                    throw Errors.fromResponse(r.statusCode(), body, what);
                }
                location = location(r, what);
            }
            if (!stream.digest().equals(digest)) {
                cancelUpload(location);
                throw new RegistryException(RegistryException.Kind.DIGEST_MISMATCH,
                        what + ": the content has digest " + stream.digest());
            }
            done = http.send("PUT", withDigest(location, digest), Map.of(), null, true,
                    client.config().responseTimeout(), what);
        }
        byte[] body = Errors.readAtMost(done, 64 * 1024);
        if (done.statusCode() != 201) {
            throw Errors.fromResponse(done.statusCode(), body, what);
        }
        if (!stream.digest().equals(digest)) {
            throw new RegistryException(RegistryException.Kind.DIGEST_MISMATCH, what + ": the content has digest " + stream.digest());
        }
    }

    /**
     * Stores {@code manifest} under {@code tag} (or under its digest, when {@code tag} is one), byte for
     * byte; its blobs must be in the repository already.
     *
     * @return the manifest's digest, as the registry confirmed it
     */
    public String putManifest(String tag, Manifest manifest) throws IOException {
        push();
        String what = "manifest for " + name(tag);
        HttpResponse<InputStream> r = http.send("PUT", url("/manifests/" + tag),
                Map.of("Content-Type", manifest.mediaType()),
                () -> HttpRequest.BodyPublishers.ofByteArray(manifest.bytes()), true,
                client.config().responseTimeout(), what);
        byte[] body = Errors.readAtMost(r, 64 * 1024);
        if (r.statusCode() != 201) {
            throw Errors.fromResponse(r.statusCode(), body, what);
        }
        String confirmed = r.headers().firstValue("Docker-Content-Digest").orElse(manifest.digest());
        if (!confirmed.equals(manifest.digest())) {
            throw new RegistryException(RegistryException.Kind.DIGEST_MISMATCH,
                    what + ": the registry stored digest " + confirmed + ", not " + manifest.digest());
        }
        return confirmed;
    }

    private HttpResponse<InputStream> upload(String method, URI uri, Map<String, String> extra,
            UploadStream stream, long length, String what) throws IOException {
        Map<String, String> headers = new java.util.HashMap<>(extra);
        headers.put("Content-Type", "application/octet-stream");
        InputStream window = stream.window(length);
        try (StallWatch.Guard guard = client.stalls().watch(stallMillis(), null)) {
            stream.guardedBy(guard);
            guard.await();
            try {
                return http.send(method, uri, headers,
                        () -> HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> window), length),
                        false, null, what);
            } catch (InterruptedIOException e) {
                if (guard.resume()) {
                    throw stalled(what);
                }
                throw e;
            } catch (RegistryException e) {
                if (guard.resume()) {
                    throw stalled(what);
                }
                throw e;
            }
        }
    }

    private void cancelUpload(URI location) {
        try {
            Errors.discard(http.send("DELETE", location, Map.of(), null, true, client.config().responseTimeout(), "cancel upload"));
        } catch (IOException ignored) {
            // the registry purges abandoned uploads itself
        }
    }

    private URI location(HttpResponse<InputStream> r, String what) throws RegistryException {
        String location = r.headers().firstValue("Location").orElse(null);
        if (location == null) {
            throw new RegistryException(RegistryException.Kind.PROTOCOL, r.statusCode(), what + ": the registry sent no Location", null);
        }
        return r.request().uri().resolve(location);
    }

    private static URI withDigest(URI location, String digest) {
        String u = location.toString();
        return URI.create(u + (u.contains("?") ? "&" : "?") + "digest=" + encode(digest));
    }

    private RegistryException stalled(String what) {
        return new RegistryException(RegistryException.Kind.UNREACHABLE, -1, what + ": registry " + registry()
                + " moved no data for " + stallMillis() + " ms", null);
    }

    private long stallMillis() {
        return client.config().stallTimeout().toMillis();
    }

    private void pull() {
        http.authorizer.addScope("repository:" + repository + ":pull");
    }

    private void push() {
        http.authorizer.addScope("repository:" + repository + ":pull,push");
    }

    private URI url(String tail) {
        return http.resolve("/v2/" + repository + tail);
    }

    private String name(String reference) {
        String n = registry() + "/" + repository;
        if (reference == null) {
            return n;
        }
        return n + (Digests.isSha256(reference) ? "@" : ":") + reference;
    }

    private static void requireDigest(String digest) {
        if (!Digests.isSha256(digest)) {
            throw new IllegalArgumentException("not a sha256 digest: " + digest);
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
