package io.berth.daemon.state;

/** A layer as a registry stores it: the compressed blob's digest, size and media type. */
public record LayerBlob(String digest, long size, String mediaType) {}
