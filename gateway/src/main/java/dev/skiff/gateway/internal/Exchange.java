package dev.skiff.gateway.internal;

import dev.skiff.gateway.spi.Endpoint;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.Instant;
import java.util.List;

/**
 * One request passing through the gateway: the client's request and response, plus what the stages
 * decided so far (route, revision, endpoint, outgoing headers). Confined to the request's event loop.
 */
final class Exchange {
  private final HttpServerRequest request;
  private final Context context;
  private final Instant startedAt;
  private final Promise<Void> cancellation = Promise.promise();
  private final MultiMap upstreamHeaders = MultiMap.caseInsensitiveMultiMap();
  private boolean finished;
  private boolean clientGone;

  private String requestId;
  private TraceParent traceParent;
  private Route route;
  private String revision;
  private List<Endpoint> endpoints = List.of();
  private Endpoint endpoint;
  private boolean viaActivator;

  Exchange(HttpServerRequest request, Context context, Instant startedAt) {
    this.request = request;
    this.context = context;
    this.startedAt = startedAt;
  }

  HttpServerRequest request() {
    return request;
  }

  HttpServerResponse response() {
    return request.response();
  }

  /** The event-loop context the request arrived on; every stage runs on it. */
  Context context() {
    return context;
  }

  Instant startedAt() {
    return startedAt;
  }

  /**
   * Fails (never succeeds) when the exchange is abandoned: the client left or a deadline passed.
   * Stages that wait or hold upstream resources listen to it to stop early.
   */
  Future<Void> cancellation() {
    return cancellation.future();
  }

  /** Abandons the exchange with {@code cause}; the first cause wins, and a finished one is left alone. */
  void cancel(Throwable cause) {
    if (finished || cancellation.future().isComplete()) {
      return;
    }
    // Before failing: the listeners run synchronously and may finish the exchange right away.
    clientGone = cause instanceof ClientGoneException;
    cancellation.fail(cause);
  }

  void finish() {
    finished = true;
  }

  boolean clientGone() {
    return clientGone;
  }

  /** The headers sent to the instance, assembled by the forwarding stage. */
  MultiMap upstreamHeaders() {
    return upstreamHeaders;
  }

  String requestId() {
    return requestId;
  }

  void requestId(String id) {
    this.requestId = id;
  }

  TraceParent traceParent() {
    return traceParent;
  }

  void traceParent(TraceParent tp) {
    this.traceParent = tp;
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
