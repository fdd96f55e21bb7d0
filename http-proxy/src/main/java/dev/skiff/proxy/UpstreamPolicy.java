package dev.skiff.proxy;

/**
 * The caller's say in one {@link EndpointProxy#proxy} call: whether the request may still go once a
 * connection is obtained, and which exception each upstream failure becomes. Both methods run on
 * the request's event loop.
 */
@FunctionalInterface
public interface UpstreamPolicy {

  /**
   * Called once a connection is obtained, just before anything is written to it. Returns null to
   * send the request, or the exception to end the exchange with instead; then the connection is
   * reset and nothing was sent. By default the request goes.
   */
  default RuntimeException commit() {
    return null;
  }

  /** The exception the exchange ends with when the upstream failed as {@code failure} says. */
  RuntimeException failed(UpstreamFailure failure, Throwable cause);
}
