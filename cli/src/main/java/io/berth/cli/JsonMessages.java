package io.berth.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;

/**
 * How the docker CLI shows a JSONMessage (pull, push, build) when its output is not a terminal: a
 * {@code stream} verbatim, a {@code status} as "id: status" (or the status alone), progress bars not at
 * all, and {@code aux} (out-of-band data such as a built image's id) never.
 */
final class JsonMessages {

    private JsonMessages() {}

    static void print(JsonNode message, PrintStream to) {
        if (message.has("aux")) {
            return;
        }
        if (message.has("stream")) {
            to.print(message.path("stream").asText());
            to.flush();
        } else if (message.has("status") && !message.has("progress")) {
            String status = message.path("status").asText();
            to.println(message.hasNonNull("id") && !message.path("id").asText().isEmpty()
                    ? message.path("id").asText() + ": " + status : status);
        }
    }
}
