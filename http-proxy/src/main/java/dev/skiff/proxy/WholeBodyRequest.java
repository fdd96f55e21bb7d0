package dev.skiff.proxy;

/**
 * A request whose body is already whole in memory: one handed to a workload in process, without a
 * connection (the mesh's outbound side entering a Wasm instance's sidecar). A workload that needs
 * the whole body before it can start (a CGI function) takes it here, at once, instead of through
 * data and end handlers after {@code resume()}: no turn of the event loop and no buffer to collect
 * it in. Confined to the request's event loop, like the request.
 */
public interface WholeBodyRequest {
  /**
   * The whole body (empty for none), taken once: the request then delivers no data and no end to
   * its handlers, and {@code resume()} does nothing. Null when it was taken already or its delivery
   * through the handlers has begun; read the body through the handlers then.
   */
  byte[] takeBody();
}
