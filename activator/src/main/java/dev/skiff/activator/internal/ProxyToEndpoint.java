package dev.skiff.activator.internal;

import dev.skiff.activator.UpstreamFailedException;
import dev.skiff.activator.spi.LocalEndpoints;
import dev.skiff.proxy.EndpointProxy;
import dev.skiff.proxy.InProcessHeaders;
import dev.skiff.proxy.Stage;
import dev.skiff.proxy.UpstreamFailure;
import dev.skiff.proxy.UpstreamPolicy;
import dev.skiff.proxy.UpstreamTlsException;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import java.lang.System.Logger.Level;
import java.util.Set;

/**
 * The innermost stage: streams the request to the granted endpoint and the response back ({@link
 * EndpointProxy}). Until the request is handed to the connection, failures are {@link
 * EndpointGoneException} (nothing was sent; the request may be queued again); after, {@link
 * UpstreamFailedException}. An endpoint that names an identity is called over mutual TLS; a TLS
 * failure (the certificate names another identity, an unknown CA, expired) is a 502 at once and not
 * re-queued: the next endpoint tried may well be the same one.
 *
 * <p>An instance this process serves itself ({@link LocalEndpoints}) is handed the request in
 * process, with the headers it would have been sent: no connection, no handshake; its sidecar still
 * authorizes the activator, limits and counts.
 */
final class ProxyToEndpoint implements Stage<Exchange> {
  private static final System.Logger LOG = System.getLogger(ProxyToEndpoint.class.getName());

  private final EndpointProxy proxy;
  private final ActivatorMetrics metrics;
  private final LocalEndpoints local;

  ProxyToEndpoint(HttpClient client, ActivatorConfig config, ActivatorMetrics metrics) {
    this.proxy =
        new EndpointProxy(
            client,
            config.proxy().connectTimeout(),
            config.proxy().bodyReadTimeout(),
            Set.of(),
            config.upstreamTls());
    this.metrics = metrics;
    this.local = config.localEndpoints();
  }

  @Override
  public Future<Void> serve(Exchange x) {
    EndpointSlot slot = x.slot();
    if (slot.gone()) {
      return Future.failedFuture(removed(slot));
    }
    LocalEndpoints.LocalEndpoint inProcess = local.find(slot.endpoint());
    if (inProcess == null && !slot.endpoint().listening()) {
      // Served in process only, and its entry is gone (the instance stops): there is no address
      // to fall back on. Nothing was sent; another endpoint, or the queue, takes the request.
      return Future.failedFuture(
          new EndpointGoneException(
              slot + " is no longer served in process and has no listener", true, null));
    }
    metrics.forwarded(inProcess != null);
    if (x.trace() != null) {
      x.trace().handed();
    }
    if (inProcess != null) {
      x.markSent();
      InProcessHeaders.replace(x.request().headers(), x.upstreamHeaders());
      return inProcess.serve(x.request(), x.cancellation());
    }
    return proxy.proxy(
        x,
        slot.endpoint().host(),
        slot.endpoint().port(),
        slot.endpoint().identity(),
        new OnSlot(x, slot, metrics));
  }

  /** Sends only while the slot's endpoint is still ready; marks the request sent once it goes. */
  private static final class OnSlot implements UpstreamPolicy {
    private final Exchange x;
    private final EndpointSlot slot;
    private final ActivatorMetrics metrics;

    OnSlot(Exchange x, EndpointSlot slot, ActivatorMetrics metrics) {
      this.x = x;
      this.slot = slot;
      this.metrics = metrics;
    }

    @Override
    public RuntimeException commit() {
      if (slot.gone()) {
        return removed(slot);
      }
      x.markSent();
      return null;
    }

    @Override
    public RuntimeException failed(UpstreamFailure failure, Throwable cause) {
      if (failure == UpstreamFailure.CONNECT) {
        return new EndpointGoneException(
            failure.phrase() + " " + slot + ": " + cause.getMessage(), true, cause);
      }
      LOG.log(
          Level.WARNING,
          "request {0}: {1} {2} (revision {3}): {4}",
          x.requestId(),
          failure.phrase(),
          slot,
          x.revision(),
          String.valueOf(cause));
      if (cause instanceof UpstreamTlsException tls) {
        metrics.tlsFailed(x.revision(), tls.reason());
        return new UpstreamFailedException(
            failure.phrase()
                + " an instance of revision "
                + x.revision()
                + ": expected identity "
                + tls.expected()
                + ", "
                + (tls.actual() != null
                    ? "actual identity " + tls.actual()
                    : "handshake failed (" + tls.reason().tag() + ")"),
            "nothing was sent; the endpoint is not the instance the activator was told of (an"
                + " address reused by another instance, or certificates from another CA); retry,"
                + " and check the mesh's trust bundle and the activator's log",
            cause);
      }
      // The client is never told the instance's address (an internal detail); the log has it.
      return new UpstreamFailedException(
          failure.phrase() + " an instance of revision " + x.revision(),
          "the instance may have crashed or be shutting down; the request was sent, so it was not"
              + " retried; retry if it is safe to, and check the revision's instance logs",
          cause);
    }
  }

  private static EndpointGoneException removed(EndpointSlot slot) {
    return new EndpointGoneException(
        slot + " left the ready set before the request was sent", false, null);
  }
}
