package dev.skiff.gateway.internal;

import dev.skiff.proxy.MapErrors;
import dev.skiff.proxy.Stage;
import dev.skiff.routing.LiveRoutes;
import io.vertx.core.http.HttpClient;
import java.util.function.IntSupplier;

/** Assembles the request pipeline. The order of the stages is stated once, here. */
final class Pipeline {
  private Pipeline() {}

  static Stage<Exchange> assemble(
      GatewayConfig config,
      LiveRoutes routes,
      LiveDomains domains,
      IntSupplier httpsPort,
      GatewayMetrics metrics,
      Upstreams upstreams,
      HttpClient client) {
    // Outermost first; each stage does one thing and then calls the next.
    //  1 MeasureRequest        in-flight gauge, request counter by code, latency histogram.
    //                          Outermost, so it sees every outcome, errors included, and the full
    //                          duration.
    //  2 IdentifyRequest       X-Request-Id (kept or minted) and the hop's traceparent; before
    //                          error mapping so that error bodies carry the request id.
    //  3 MapErrors             the one place a failure becomes a status code and a JSON body
    //                          (GatewayErrors says which status).
    //  4 ServeDomain           custom domains: ACME HTTP-01 answers, 308 to HTTPS, HSTS, and the
    //                          mapped service's host to route by.
    //    RouteByHost           Host -> service or tag route in the current table; 404 otherwise.
    //  5 PickRevision          weighted random over the route's traffic percents.
    //  6 HandToActivator       with an activator: no ready endpoint, or the routing says so -> the
    //                          activator becomes the only endpoint; else the ready endpoints.
    //                          Chosen once per request, so flipping the routing never moves a
    //                          request; but a request no instance could be connected to (nothing
    //                          sent) goes to the activator rather than failing.
    //    or AwaitCapacity      without one: no ready endpoint -> wait for one (cold start), 503
    //                          after.
    //  7 LimitDuration         the route's timeoutSeconds over the upstream exchange, retries
    //                          included; 504 after (via the activator a second later, as a
    //                          backstop to the activator's own).
    //  8 RetryElsewhere        an attempt that failed for want of a connection (nothing sent; or
    //                          an idempotent request without a body whose connection broke before
    //                          a response head) goes to another instance of the revision, at most
    //                          3 attempts, within the retry budget; the failed instance is ejected.
    //                          Inside the timeout, outside the instance choice.
    //  9 PickEndpoint          peak-EWMA power of two choices among the endpoints, ejected ones
    //                          left out while others remain.
    // 10 SetForwardingHeaders  end-to-end headers, X-Forwarded-*, Forwarded, request id,
    //                          traceparent; via the activator also the revision and timeout
    //                          headers.
    // 11 ProxyToEndpoint       streams request and response over the pooled client (mutual TLS
    //                          to an endpoint that names an identity, which its certificate
    //                          must name); 502 on failure, TLS failures counted by reason.
    Stage<Exchange> toEndpoint =
        new LimitDuration(
            config.proxy().vertx(),
            new RetryElsewhere(
                config.endpoints(),
                upstreams.budget(),
                upstreams.outliers(),
                upstreams.nanoTime(),
                metrics,
                new PickEndpoint(
                    upstreams.balancer(),
                    new SetForwardingHeaders(
                        config.proxy().trustedProxies(),
                        new ProxyToEndpoint(client, config, metrics)))));
    Stage<Exchange> capacity =
        config.activator() != null
            ? new HandToActivator(
                config.endpoints(),
                config.activatorRouting(),
                config.activator(),
                metrics,
                toEndpoint)
            : new AwaitCapacity(
                config.proxy().vertx(),
                config.endpoints(),
                config.coldStartTimeout(),
                config.proxy().retryAfter(),
                toEndpoint);
    return new MeasureRequest(
        metrics,
        config.proxy().clock(),
        new IdentifyRequest(
            new MapErrors<>(
                GatewayErrors.RESPONDER,
                new ServeDomain(
                    domains,
                    config.acmeChallenges(),
                    config.tlsCertificates(),
                    httpsPort,
                    new RouteByHost(
                        routes, new PickRevision(config.proxy().retryAfter(), capacity))))));
  }
}
