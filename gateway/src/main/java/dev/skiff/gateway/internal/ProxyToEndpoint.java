package dev.skiff.gateway.internal;

import dev.skiff.gateway.UpstreamFailedException;
import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.proxy.EndpointProxy;
import dev.skiff.proxy.Stage;
import dev.skiff.proxy.UpstreamFailure;
import dev.skiff.proxy.UpstreamTlsException;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import java.lang.System.Logger.Level;
import java.util.Set;

/**
 * The innermost stage: streams the request to the chosen endpoint and the response back ({@link
 * EndpointProxy}; over mutual TLS when the endpoint names an identity), and turns an upstream
 * failure into 502 with a hint that fits an instance or the activator. TLS failures are counted by
 * reason.
 */
final class ProxyToEndpoint implements Stage<Exchange> {
  private static final System.Logger LOG = System.getLogger(ProxyToEndpoint.class.getName());

  /** Response headers the gateway sets itself. */
  private static final Set<String> OWNED = Set.of(RequestIds.HEADER, PickRevision.REVISION_HEADER);

  private final EndpointProxy proxy;
  private final GatewayMetrics metrics;

  ProxyToEndpoint(HttpClient client, GatewayConfig config, GatewayMetrics metrics) {
    this.proxy =
        new EndpointProxy(
            client,
            config.proxy().connectTimeout(),
            config.proxy().bodyReadTimeout(),
            OWNED,
            config.upstreamTls());
    this.metrics = metrics;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    Endpoint ep = x.endpoint();
    return proxy.proxy(
        x, ep.host(), ep.port(), ep.identity(), (failure, cause) -> failed(x, failure, cause));
  }

  /**
   * The client is told which hop failed and for which revision, never the hop's address (an
   * internal detail); the address and the low-level cause go to the log with the request id. A TLS
   * failure names the identities involved, which are no secret.
   */
  private UpstreamFailedException failed(Exchange x, UpstreamFailure failure, Throwable cause) {
    LOG.log(
        Level.WARNING,
        "request {0}: {1} {2} (revision {3}): {4}",
        x.requestId(),
        failure.phrase(),
        x.endpoint(),
        x.revision(),
        String.valueOf(cause));
    String hop = x.viaActivator() ? "the activator (revision " + x.revision() + ")" : instance(x);
    if (cause instanceof UpstreamTlsException tls) {
      Route r = x.route();
      metrics.tlsFailed(
          r == null ? null : r.namespace(),
          r == null ? null : r.service(),
          x.revision(),
          tls.reason());
      return new UpstreamFailedException(
          failure.phrase()
              + " "
              + hop
              + ": expected identity "
              + tls.expected()
              + ", "
              + (tls.actual() != null
                  ? "actual identity " + tls.actual()
                  : "handshake failed (" + tls.reason().tag() + ")"),
          "nothing was sent; the endpoint is not the one the gateway was told of (an address"
              + " reused by another instance, or certificates from another CA); retry, and check"
              + " the mesh's trust bundle and the gateway's log under the request id",
          cause);
    }
    if (x.viaActivator()) {
      return new UpstreamFailedException(
          failure.phrase() + " " + hop,
          "the activator may be down or restarting; retry, and check that it runs and listens"
              + " where the gateway was told (the gateway's log has the details under the"
              + " request id)",
          cause);
    }
    return new UpstreamFailedException(
        failure.phrase() + " " + hop,
        "the instance may have crashed or be shutting down; retry, and check the revision's"
            + " instance logs if it persists",
        cause);
  }

  private static String instance(Exchange x) {
    return "an instance of revision " + x.revision();
  }
}
