package dev.skiff.activator.internal;

import dev.skiff.proxy.HopByHop;
import dev.skiff.proxy.SkiffHeaders;
import dev.skiff.proxy.Stage;
import io.vertx.core.Future;
import java.util.Set;

/**
 * Assembles the headers the instance sees: the gateway's end-to-end headers as they came (so {@code
 * X-Forwarded-*}, {@code Forwarded}, {@code X-Request-Id} and {@code traceparent} pass unchanged),
 * without the activator's own routing headers, plus {@value SkiffHeaders#PROXIED_BY}.
 */
final class SetUpstreamHeaders implements Stage<Exchange> {
  /** Meant for the activator, or set by the HTTP client; never passed on. */
  private static final Set<String> OWNED =
      Set.of(
          "host",
          "expect",
          SkiffHeaders.lower(SkiffHeaders.REVISION_NAMESPACE),
          SkiffHeaders.lower(SkiffHeaders.REVISION_NAME),
          SkiffHeaders.lower(SkiffHeaders.REQUEST_TIMEOUT_MS),
          SkiffHeaders.lower(SkiffHeaders.PROXIED_BY));

  private final Stage<Exchange> next;

  SetUpstreamHeaders(Stage<Exchange> next) {
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    HopByHop.copy(x.request().headers(), x.upstreamHeaders(), OWNED);
    x.upstreamHeaders().set(SkiffHeaders.PROXIED_BY, SkiffHeaders.PROXIED_BY_ACTIVATOR);
    return Stage.call(next, x);
  }
}
