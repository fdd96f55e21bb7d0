package dev.skiff.node;

/**
 * Where one ready instance of a revision answers HTTP.
 *
 * @param instanceId the instance
 * @param host an address reachable from the gateway (loopback on one machine)
 * @param port its port
 */
public record Endpoint(String instanceId, String host, int port) {}
