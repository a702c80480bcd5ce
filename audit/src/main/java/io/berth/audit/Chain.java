package io.berth.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How one audit record is written as one line, and the hash that chains it to the record before.
 *
 * <p>A record's body is a compact JSON object whose last field is {@code "prev"}, the hash of the record
 * before it ({@link #GENESIS} for the first record ever). Its hash is the SHA-256 of exactly those body
 * bytes (UTF-8), in hex. The line is the body with {@code ,"hash":"<hex>"} added as its last field:
 *
 * <pre>{"seq":7,"time":"…","type":"call",…,"prev":"9f2c…"  ,"hash":"41ab…"}</pre>
 * <p>(without the blanks). So the verifier hashes the bytes it reads, with no canonical form to agree on:
 * any change to a byte of the body changes the hash, and since each body holds the hash before it, a
 * record cannot be edited, removed or moved without breaking the chain after it.
 */
final class Chain {

    /** The {@code prev} of the first record of a trail. */
    static final String GENESIS = "0".repeat(64);

    static final ObjectMapper JSON = new ObjectMapper();

    private static final Pattern SEAL = Pattern.compile(",\"hash\":\"([0-9a-f]{64})\"}$");

    private Chain() {}

    /** {@code body} (its last field {@code prev}) sealed with its hash: one line, without the newline. */
    static Sealed seal(ObjectNode body) {
        String text;
        try {
            text = JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("an audit record that cannot be written as JSON", e);
        }
        String hash = sha256(text);
        return new Sealed(text.substring(0, text.length() - 1) + ",\"hash\":\"" + hash + "\"}", hash);
    }

    /** A line ready to be written and the hash the next record names as its {@code prev}. */
    record Sealed(String line, String hash) {}

    /**
     * One line read back: its fields (without the hash), the hash it states, and whether that hash is the
     * hash of its body.
     */
    record Opened(ObjectNode body, String statedHash, boolean intact) {

        long seq() {
            return body.path("seq").asLong(-1);
        }

        String prev() {
            return body.path("prev").asText("");
        }

        String type() {
            return body.path("type").asText("");
        }
    }

    /** Reads one line; a line that is no sealed JSON object at all is {@link Unreadable}. */
    static Opened open(String line) throws Unreadable {
        Matcher m = SEAL.matcher(line);
        if (!m.find()) {
            throw new Unreadable("not a sealed audit record (no hash at its end)");
        }
        String body = line.substring(0, m.start()) + "}";
        try {
            if (!(JSON.readTree(body) instanceof ObjectNode node)) {
                throw new Unreadable("not a JSON object");
            }
            return new Opened(node, m.group(1), sha256(body).equals(m.group(1)));
        } catch (JsonProcessingException e) {
            throw new Unreadable("not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** A line that cannot be read as a record. */
    static final class Unreadable extends Exception {
        Unreadable(String message) {
            super(message);
        }
    }

    static String sha256(String text) {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
