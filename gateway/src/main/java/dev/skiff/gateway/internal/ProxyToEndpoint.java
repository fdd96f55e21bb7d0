package dev.skiff.gateway.internal;

import dev.skiff.gateway.UpstreamFailedException;
import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.proxy.EndpointProxy;
import dev.skiff.proxy.ProxySettings;
import dev.skiff.proxy.Stage;
import dev.skiff.proxy.UpstreamFailure;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import java.lang.System.Logger.Level;
import java.util.Set;

/**
 * The innermost stage: streams the request to the chosen endpoint and the response back ({@link
 * EndpointProxy}), and turns an upstream failure into 502 with a hint that fits an instance or the
 * activator.
 */
final class ProxyToEndpoint implements Stage<Exchange> {
  private static final System.Logger LOG = System.getLogger(ProxyToEndpoint.class.getName());

  /** Response headers the gateway sets itself. */
  private static final Set<String> OWNED = Set.of(RequestIds.HEADER, PickRevision.REVISION_HEADER);

  private final EndpointProxy proxy;

  ProxyToEndpoint(HttpClient client, ProxySettings settings) {
    this.proxy =
        new EndpointProxy(client, settings.connectTimeout(), settings.bodyReadTimeout(), OWNED);
  }

  @Override
  public Future<Void> serve(Exchange x) {
    Endpoint ep = x.endpoint();
    return proxy.proxy(x, ep.host(), ep.port(), (failure, cause) -> failed(x, failure, cause));
  }

  /**
   * The client is told which hop failed and for which revision, never the hop's address (an
   * internal detail); the address and the low-level cause go to the log with the request id.
   */
  private static UpstreamFailedException failed(
      Exchange x, UpstreamFailure failure, Throwable cause) {
    LOG.log(
        Level.WARNING,
        "request {0}: {1} {2} (revision {3}): {4}",
        x.requestId(),
        failure.phrase(),
        x.endpoint(),
        x.revision(),
        String.valueOf(cause));
    if (x.viaActivator()) {
      return new UpstreamFailedException(
          failure.phrase() + " the activator (revision " + x.revision() + ")",
          "the activator may be down or restarting; retry, and check that it runs and listens"
              + " where the gateway was told (the gateway's log has the details under the"
              + " request id)",
          cause);
    }
    return new UpstreamFailedException(
        failure.phrase() + " an instance of revision " + x.revision(),
        "the instance may have crashed or be shutting down; retry, and check the revision's"
            + " instance logs if it persists",
        cause);
  }
}
