package dev.skiff.gateway.internal;

import dev.skiff.gateway.UpstreamFailedException;
import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.proxy.EndpointProxy;
import dev.skiff.proxy.Stage;
import dev.skiff.proxy.UpstreamFailure;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import java.time.Duration;
import java.util.Set;

/**
 * The innermost stage: streams the request to the chosen endpoint and the response back ({@link
 * EndpointProxy}), and turns an upstream failure into 502 with a hint that fits an instance or the
 * activator.
 */
final class ProxyToEndpoint implements Stage<Exchange> {
  /** Response headers the gateway sets itself. */
  private static final Set<String> OWNED = Set.of(RequestIds.HEADER, PickRevision.REVISION_HEADER);

  private final EndpointProxy proxy;

  ProxyToEndpoint(HttpClient client, Duration connectTimeout) {
    this.proxy = new EndpointProxy(client, connectTimeout, OWNED);
  }

  @Override
  public Future<Void> serve(Exchange x) {
    Endpoint ep = x.endpoint();
    return proxy.proxy(x, ep.host(), ep.port(), (failure, cause) -> failed(x, failure, cause));
  }

  private static UpstreamFailedException failed(
      Exchange x, UpstreamFailure failure, Throwable cause) {
    String what = failure.phrase();
    if (x.viaActivator()) {
      return new UpstreamFailedException(
          what
              + " the activator at "
              + x.endpoint()
              + " (revision "
              + x.revision()
              + "): "
              + cause.getMessage(),
          "the activator may be down or restarting; retry, and check that it runs and listens"
              + " where the gateway was told",
          cause);
    }
    return new UpstreamFailedException(
        what + " " + x.endpoint() + " (revision " + x.revision() + "): " + cause.getMessage(),
        "the instance may have crashed or be shutting down; retry, and check the revision's"
            + " instance logs if it persists",
        cause);
  }
}
