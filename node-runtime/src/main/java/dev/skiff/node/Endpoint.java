package dev.skiff.node;

/**
 * Where one ready instance of a revision answers HTTP: the address of its front (a mesh sidecar, or
 * the plain loopback front without a mesh).
 *
 * @param instanceId the instance
 * @param host an address reachable from the gateway (loopback on one machine)
 * @param port its port; 0 while the front's listener is not bound yet and the instance is served in
 *     process only (see {@link #listening()})
 * @param identity the SPIFFE ID a caller must see on the server certificate at that address ({@code
 *     spiffe://{td}/ns/{ns}/svc/{service}}), or null when the address speaks plaintext
 */
public record Endpoint(String instanceId, String host, int port, String identity) {
  /**
   * Whether callers over the network can reach the endpoint at {@code host:port}. One that is not
   * yet listening is ready for callers in this process that enter its front without a socket (the
   * activator, by {@link #instanceId()}); {@link EndpointRegistry#ready} leaves it out.
   */
  public boolean listening() {
    return port > 0;
  }
}
