package dev.skiff.node;

/**
 * Where one ready instance of a revision answers HTTP: the address of its front (a mesh sidecar, or
 * the plain loopback front without a mesh).
 *
 * @param instanceId the instance
 * @param host an address reachable from the gateway (loopback on one machine)
 * @param port its port
 * @param identity the SPIFFE ID a caller must see on the server certificate at that address ({@code
 *     spiffe://{td}/ns/{ns}/svc/{service}}), or null when the address speaks plaintext
 */
public record Endpoint(String instanceId, String host, int port, String identity) {}
