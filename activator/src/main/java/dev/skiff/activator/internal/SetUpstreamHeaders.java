package dev.skiff.activator.internal;

import dev.skiff.activator.Activator;
import dev.skiff.proxy.HopByHop;
import io.vertx.core.Future;
import java.util.Locale;
import java.util.Set;

/**
 * Assembles the headers the instance sees: the gateway's end-to-end headers as they came (so {@code
 * X-Forwarded-*}, {@code Forwarded}, {@code X-Request-Id} and {@code traceparent} pass unchanged),
 * without the activator's own routing headers, plus {@value Activator#PROXIED_BY_HEADER}.
 */
final class SetUpstreamHeaders implements Stage {
  /** Meant for the activator, or set by the HTTP client; never passed on. */
  private static final Set<String> OWNED =
      Set.of(
          "host",
          "expect",
          lower(Activator.REVISION_NAMESPACE_HEADER),
          lower(Activator.REVISION_NAME_HEADER),
          lower(Activator.REQUEST_TIMEOUT_HEADER),
          lower(Activator.PROXIED_BY_HEADER));

  private final Stage next;

  SetUpstreamHeaders(Stage next) {
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    HopByHop.copy(x.request().headers(), x.upstreamHeaders(), OWNED);
    x.upstreamHeaders().set(Activator.PROXIED_BY_HEADER, Activator.PROXIED_BY_VALUE);
    return Stage.call(next, x);
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
