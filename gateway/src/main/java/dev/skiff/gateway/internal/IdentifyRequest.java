package dev.skiff.gateway.internal;

import dev.skiff.proxy.Stage;
import io.vertx.core.Future;

/**
 * Gives the request its identity for the hop: {@code X-Request-Id} (the client's or a new one,
 * echoed on the response) and the W3C trace context the instance will see.
 */
final class IdentifyRequest implements Stage<Exchange> {
  private final Stage<Exchange> next;

  IdentifyRequest(Stage<Exchange> next) {
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    String id = RequestIds.acceptOrMint(x.request().getHeader(RequestIds.HEADER));
    x.requestId(id);
    x.response().putHeader(RequestIds.HEADER, id);
    x.traceParent(TraceParent.nextHop(x.request().getHeader(TraceParent.HEADER)));
    return Stage.call(next, x);
  }
}
