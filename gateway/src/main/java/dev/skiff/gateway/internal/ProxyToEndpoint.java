package dev.skiff.gateway.internal;

import dev.skiff.gateway.UpstreamFailedException;
import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.gateway.spi.LocalActivator;
import dev.skiff.gateway.spi.LocalInstances;
import dev.skiff.proxy.EndpointProxy;
import dev.skiff.proxy.InProcessHeaders;
import dev.skiff.proxy.KeptAliveClosedException;
import dev.skiff.proxy.NotProcessedException;
import dev.skiff.proxy.Replayable;
import dev.skiff.proxy.Stage;
import dev.skiff.proxy.TlsFailure;
import dev.skiff.proxy.UpstreamFailure;
import dev.skiff.proxy.UpstreamTlsException;
import dev.skiff.routing.Route;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.lang.System.Logger.Level;
import java.util.Set;

/**
 * The innermost stage: streams the request to the chosen endpoint and the response back ({@link
 * EndpointProxy}; over mutual TLS when the endpoint names an identity), and turns an upstream
 * failure into 502 with a hint that fits an instance or the activator. TLS failures are counted by
 * reason.
 *
 * <p>When the activator runs in this process ({@link LocalActivator}), a request for it is handed
 * over in process instead: its headers replaced by those the activator would have been sent, and
 * the activator answering on the client's own response. The gateway's own response headers stay the
 * gateway's, as over the network, where the activator's copies of them are dropped. An instance
 * whose sidecar runs in this process ({@link LocalInstances}) is entered the same way: its sidecar
 * answers on the client's response, having checked the gateway's identity, limited and counted the
 * request; any other instance is called over the network. Each request to an instance is counted by
 * path ({@code skiff.gateway.upstream.handoffs}).
 */
final class ProxyToEndpoint implements Stage<Exchange> {
  private static final System.Logger LOG = System.getLogger(ProxyToEndpoint.class.getName());

  /** Response headers the gateway sets itself. */
  private static final Set<String> OWNED = Set.of(RequestIds.HEADER, PickRevision.REVISION_HEADER);

  private final EndpointProxy proxy;

  private final GatewayMetrics metrics;
  private final LocalActivator localActivator;
  private final LocalInstances localInstances;

  ProxyToEndpoint(HttpClient client, GatewayConfig config, GatewayMetrics metrics) {
    this.proxy =
        new EndpointProxy(
                client,
                config.proxy().connectTimeout(),
                config.proxy().bodyReadTimeout(),
                OWNED,
                config.upstreamTls())
            // Instances (plaintext, or their sidecars over mTLS) over this event loop's own
            // kept-alive connections: Vert.x's shared pool costs a context, an address parse and a
            // lease per request.
            .withOwnConnections(config.proxy().maxConnectionsPerEndpoint());
    this.metrics = metrics;
    this.localActivator = config.localActivator();
    this.localInstances = config.localInstances();
  }

  @Override
  public Future<Void> serve(Exchange x) {
    if (x.viaActivator()) {
      metrics.handedToActivator(localActivator != null);
      if (localActivator != null) {
        return handInProcess(x, localActivator::serve);
      }
    }
    Endpoint ep = x.endpoint();
    if (!x.viaActivator()) {
      LocalInstances.LocalInstance local = localInstances.find(ep);
      metrics.handedToInstance(local != null);
      if (local != null) {
        return handInProcess(x, local::serve);
      }
    }
    return proxy.proxy(
        x, ep.host(), ep.port(), ep.identity(), (failure, cause) -> failed(x, failure, cause));
  }

  /** The activator's or an instance sidecar's in-process entry. */
  @FunctionalInterface
  private interface InProcess {
    Future<Void> serve(HttpServerRequest request, Future<Void> cancellation);
  }

  /**
   * Enters the activator, or an instance's sidecar, in process. Cancelling the exchange fails the
   * call at once with the cancellation's cause (as a reset upstream stream would), and the callee
   * drops the request.
   */
  private Future<Void> handInProcess(Exchange x, InProcess callee) {
    keepOwnResponseHeaders(x.response());
    InProcessHeaders.replace(x.request().headers(), x.upstreamHeaders());
    Promise<Void> done = Promise.promise();
    x.cancellation().onFailure(done::tryFail);
    Future<Void> served;
    try {
      served = callee.serve(x.request(), x.cancellation());
    } catch (RuntimeException e) {
      served = Future.failedFuture(e);
    }
    served.onComplete(
        ar -> {
          if (ar.succeeded()) {
            done.tryComplete();
          } else if (!done.future().isComplete()) {
            done.tryFail(failed(x, UpstreamFailure.NO_RESPONSE, ar.cause()));
          }
        });
    return done.future();
  }

  /**
   * Whatever the callee in process writes, the headers the gateway owns ({@link #OWNED}) go out
   * with the gateway's values only, as when the gateway relays an answer from the network.
   */
  private static void keepOwnResponseHeaders(HttpServerResponse res) {
    MultiMap own = MultiMap.caseInsensitiveMultiMap();
    for (String name : OWNED) {
      own.add(name, res.headers().getAll(name));
    }
    res.headersEndHandler(
        v -> {
          for (String name : OWNED) {
            res.headers().remove(name);
          }
          res.headers().addAll(own);
        });
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
      if (tls.reason() == TlsFailure.HANDSHAKE_FAILED
          && tls.actual() == null
          && tls.getCause() != null
          && !x.viaActivator()) {
        // No certificate seen: the peer hung up or broke off during the handshake (an instance
        // whose process died as the gateway connected), not a wrong or untrusted instance. No
        // byte of the request was sent, so another instance may take it. (Without a cause no
        // handshake took place: this gateway has no upstream TLS, which no retry mends.)
        return new NothingSentException(
            failure.phrase() + " " + hop + ": handshake failed (" + tls.reason().tag() + ")",
            "the instance may have crashed or be shutting down; nothing was sent to it, so"
                + " retrying is safe; if it persists, check the mesh's trust bundle and the"
                + " gateway's log under the request id",
            cause);
      }
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
    if (failure == UpstreamFailure.CONNECT) {
      return new NothingSentException(
          failure.phrase() + " " + hop,
          "the instance may have crashed or be shutting down; nothing was sent to it, so retrying"
              + " is safe; check the revision's instance logs if it persists",
          cause);
    }
    if (cause instanceof NotProcessedException) {
      String what =
          failure.phrase()
              + " "
              + hop
              + ": it did not process the request (it was closing its HTTP/2 connection, or"
              + " refused the stream)";
      if (Replayable.withoutBody(x.request())) {
        // Sent twice to this instance, processed by neither: nothing took effect, and the whole
        // request is at hand, so another instance may take it whatever its method.
        return new NothingSentException(
            what,
            "the instance is likely shutting down; nothing of the request took effect there, so"
                + " retrying is safe",
            cause);
      }
      return new NoResponseException(
          what,
          "the instance is likely shutting down; nothing of the request took effect there, but"
              + " the gateway sends a request with a body again only once, to the same instance,"
              + " and only when it kept all of it ("
              + EndpointProxy.KEPT_BODY_BYTES
              + " bytes at most): sending it again is safe",
          cause);
    }
    if (cause instanceof KeptAliveClosedException) {
      return new NoResponseException(
          failure.phrase()
              + " "
              + hop
              + ": it closed a kept-alive connection as the request went out on it, before any"
              + " answer",
          "the instance likely closes idle connections sooner than the gateway's 60 s; the request"
              + " was not sent again, as its body was streamed or its method is not idempotent"
              + " (an Idempotency-Key makes a request without a body safe to resend): send it"
              + " again, or have the workload keep idle connections open for longer than 60 s",
          cause);
    }
    String hint =
        "the instance may have crashed or be shutting down; retry, and check the revision's"
            + " instance logs if it persists";
    if (failure == UpstreamFailure.NO_RESPONSE) {
      return new NoResponseException(failure.phrase() + " " + hop, hint, cause);
    }
    return new UpstreamFailedException(failure.phrase() + " " + hop, hint, cause);
  }

  private static String instance(Exchange x) {
    return "an instance of revision " + x.revision();
  }
}
