package io.berth.plugin.network;

import java.io.IOException;

/** A published host port is taken (by another process on the host). The message says which. */
public class PortInUseException extends IOException {

    public PortInUseException(String message) {
        super(message);
    }
}
