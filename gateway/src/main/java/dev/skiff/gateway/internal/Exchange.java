package dev.skiff.gateway.internal;

import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.proxy.ProxyExchange;
import dev.skiff.routing.Route;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerRequest;
import java.time.Instant;
import java.util.List;

/**
 * One request passing through the gateway: the proxied exchange plus what the gateway's stages
 * decided so far (trace, route, revision, endpoint). Confined to the request's event loop.
 */
final class Exchange extends ProxyExchange {
  private final Instant startedAt;

  private TraceParent traceParent;
  private Route route;
  private String revision;
  private List<Endpoint> endpoints = List.of();
  private Endpoint endpoint;
  private boolean viaActivator;
  private String routeHost;

  Exchange(HttpServerRequest request, Context context, Instant startedAt) {
    super(request, context);
    this.startedAt = startedAt;
  }

  Instant startedAt() {
    return startedAt;
  }

  TraceParent traceParent() {
    return traceParent;
  }

  void traceParent(TraceParent tp) {
    this.traceParent = tp;
  }

  /**
   * The host to route by instead of the request's own (a mapped domain's service host); or null.
   */
  String routeHost() {
    return routeHost;
  }

  void routeHost(String host) {
    this.routeHost = host;
  }

  Route route() {
    return route;
  }

  void route(Route r) {
    this.route = r;
  }

  String revision() {
    return revision;
  }

  void revision(String r) {
    this.revision = r;
  }

  List<Endpoint> endpoints() {
    return endpoints;
  }

  void endpoints(List<Endpoint> eps) {
    this.endpoints = eps;
  }

  Endpoint endpoint() {
    return endpoint;
  }

  void endpoint(Endpoint e) {
    this.endpoint = e;
  }

  /** True when the request goes to the activator rather than straight to an instance. */
  boolean viaActivator() {
    return viaActivator;
  }

  /** Sends the request to the activator: its only endpoint, tagged with the revision's headers. */
  void viaActivator(Endpoint activator) {
    this.viaActivator = true;
    this.endpoints = List.of(activator);
  }
}
