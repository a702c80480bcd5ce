package io.berth.daemon.network.dns;

/** A message that does not follow the DNS wire format; the server answers FORMERR or drops it. */
final class DnsFormatException extends Exception {

    DnsFormatException(String message) {
        super(message, null, false, false);
    }
}
