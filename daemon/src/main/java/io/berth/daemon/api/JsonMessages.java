package io.berth.daemon.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.daemon.image.ImageProgress;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Docker's JSONMessage stream (pull, push, build): one JSON object per line on a chunked 200 response, written
 * from a worker thread in order through the response's context. Progress lines are throttled per id
 * (the CLI redraws them; on a non-terminal it drops them). An error after the stream started ends it
 * with {@code {"errorDetail": {"message": ...}, "error": ...}}, which the CLI turns into exit 1.
 */
final class JsonMessages implements io.berth.daemon.build.BuildOutput {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long PROGRESS_EVERY_NANOS = 100_000_000L;

    private final Context context;
    private final HttpServerResponse response;
    private final Map<String, Long> lastProgress = new ConcurrentHashMap<>();

    JsonMessages(Context context, HttpServerResponse response) {
        this.context = context;
        this.response = response;
        context.runOnContext(v -> response.setStatusCode(200).setChunked(true)
                .putHeader("Content-Type", "application/json"));
    }

    @Override
    public void status(String status) {
        send(JSON.createObjectNode().put("status", status));
    }

    @Override
    public void status(String id, String status) {
        ObjectNode m = JSON.createObjectNode().put("status", status);
        m.putObject("progressDetail");
        m.put("id", id);
        send(m);
    }

    @Override
    public void progress(String id, String status, long current, long total) {
        long now = System.nanoTime();
        Long last = lastProgress.get(id + status);
        if (last != null && now - last < PROGRESS_EVERY_NANOS && current < total) {
            return;
        }
        lastProgress.put(id + status, now);
        ObjectNode m = JSON.createObjectNode().put("status", status);
        ObjectNode detail = m.putObject("progressDetail").put("current", current);
        if (total > 0) {
            detail.put("total", total);
        }
        m.put("progress", bar(current, total));
        m.put("id", id);
        send(m);
    }

    /** {@code {"progressDetail":{},"aux":{...}}}: push's result. */
    void aux(ObjectNode aux) {
        ObjectNode m = JSON.createObjectNode();
        m.putObject("progressDetail");
        m.set("aux", aux);
        send(m);
    }

    /** Build output, printed verbatim by the client. */
    @Override
    public void stream(String text) {
        send(JSON.createObjectNode().put("stream", text));
    }

    /** {@code {"aux":{"ID":"sha256:..."}}}: the built image, for {@code --iidfile} and {@code -q}. */
    @Override
    public void imageId(String id) {
        ObjectNode m = JSON.createObjectNode();
        m.putObject("aux").put("ID", id);
        send(m);
    }

    void error(String message) {
        error(message, 0);
    }

    /** The error that ends the stream; a build's {@code code} (its failing step's exit status) is the CLI's exit code. */
    void error(String message, int code) {
        ObjectNode m = JSON.createObjectNode();
        ObjectNode detail = m.putObject("errorDetail");
        if (code != 0) {
            detail.put("code", code);
        }
        detail.put("message", message);
        m.put("error", message);
        send(m);
    }

    void end() {
        context.runOnContext(v -> response.end());
    }

    private void send(ObjectNode message) {
        Buffer line = Buffer.buffer(message.toString() + "\r\n");
        context.runOnContext(v -> response.write(line));
    }

    /** Docker's bar: "[=====>      ] 1.2MB/2.4MB", 50 wide. */
    static String bar(long current, long total) {
        if (total <= 0) {
            return humanSize(current);
        }
        int filled = (int) Math.min(50, current * 50 / total);
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < 50; i++) {
            b.append(i < filled - 1 || (filled == 50 && i < 49) ? '=' : i == Math.max(0, filled - 1) ? '>' : ' ');
        }
        return b.append("] ").append(humanSize(current)).append('/').append(humanSize(total)).toString();
    }

    private static String humanSize(double bytes) {
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        int i = 0;
        while (bytes >= 1000 && i < units.length - 1) {
            bytes /= 1000;
            i++;
        }
        return new java.math.BigDecimal(bytes).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString() + units[i];
    }
}
