package io.berth.daemon.network.dns;

/** Where a query came from, and so where its one reply goes. Used on the DNS thread only. */
interface ReplyTo {

    /** Sends the reply; a client that has gone away is not an error. */
    void send(byte[] reply);

    /** Whether the query came over TCP: then it is forwarded over TCP and replies are not cut to UDP sizes. */
    boolean overTcp();
}
