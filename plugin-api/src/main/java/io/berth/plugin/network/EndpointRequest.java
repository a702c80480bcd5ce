package io.berth.plugin.network;

/**
 * A container asking for network access.
 *
 * @param containerId the container's full id
 * @param hostname    the container's hostname (for drivers that register names)
 * @param option      the part of the network mode after the colon, e.g. the target of
 *                    {@code container:<name>} already resolved to a pid's netns path; empty otherwise
 */
public record EndpointRequest(String containerId, String hostname, String option) {}
