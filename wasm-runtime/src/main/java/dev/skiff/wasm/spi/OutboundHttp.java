package dev.skiff.wasm.spi;

import io.vertx.core.Future;
import java.net.URI;

/**
 * Carries a Wasm function's outbound HTTP calls (the {@code wasi_experimental_http} host module).
 * The host decides nothing about destinations: the implementation resolves the URL, applies the
 * service's allowed hosts, and fails a call it will not make with {@link OutboundDeniedException}
 * (the ABI's {@code destination_not_allowed}); any other failure is the ABI's {@code
 * request_error}.
 */
public interface OutboundHttp {

  /**
   * Sends one request. Called on the function's Wasm worker thread, which waits for the future
   * (never an event loop); the implementation must not block the calling thread itself and must
   * complete the future within {@link OutboundRequest#timeout()}. A response body larger than
   * {@link OutboundRequest#maxResponseBytes()} fails the call.
   */
  Future<OutboundResponse> send(OutboundRequest request);

  /**
   * Checks, before anything else of the call is read, that the function may call {@code url}'s host
   * at all; throws {@link OutboundDeniedException} when not. Called on the Wasm worker thread; must
   * not block. The default admits every destination and leaves the decision to {@link #send}.
   */
  default void admit(URI url) {}

  /** No outbound calls at all: every destination is denied. */
  static OutboundHttp none() {
    return new OutboundHttp() {
      @Override
      public void admit(URI url) {
        throw new OutboundDeniedException(
            url.getHost(), "outbound HTTP is not available to functions on this host");
      }

      @Override
      public Future<OutboundResponse> send(OutboundRequest request) {
        admit(request.url());
        return Future.failedFuture(new IllegalStateException("unreachable"));
      }
    };
  }
}
