package io.berth.daemon.state;

/** A read-only layer held by the storage driver; {@code chainId} is its identity. */
public record Layer(String chainId, String diffId, String parentChainId, long size) {}
