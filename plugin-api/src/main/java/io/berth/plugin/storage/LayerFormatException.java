package io.berth.plugin.storage;

import java.io.IOException;

/** A layer tar that is malformed or hostile; the message names the entry and what is wrong with it. */
public class LayerFormatException extends IOException {
    public LayerFormatException(String message) {
        super(message);
    }
}
