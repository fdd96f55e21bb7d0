package dev.skiff.proxy;

/**
 * Which HTTP a call to an endpoint over TLS speaks (a plaintext endpoint is always called with
 * HTTP/1.1). Both reuse their connections; they differ in what a request costs and what a burst
 * costs.
 */
public enum UpstreamProtocol {
  /**
   * One request at a time per keep-alive connection, as nginx's keepalive upstreams: the least work
   * per request (no stream set-up, no header compression state, no flow control), so the warm path
   * to an instance takes it. A burst opens a connection, and pays a handshake, per request in
   * flight beyond those already open.
   */
  HTTP_1_1,

  /**
   * Streams multiplexed over a few connections per endpoint (the peer must offer h2 by ALPN): a
   * burst held at the activator shares those connections instead of paying a handshake per request,
   * for more work per request.
   */
  HTTP_2
}
