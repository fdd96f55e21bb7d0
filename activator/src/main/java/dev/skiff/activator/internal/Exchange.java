package dev.skiff.activator.internal;

import dev.skiff.api.stats.RevisionKey;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;

/**
 * One request passing through the activator: the gateway's request and response, plus what the
 * stages decided so far. Confined to the request's event loop.
 */
final class Exchange {
  private final HttpServerRequest request;
  private final Context context;
  private final Promise<Void> cancellation = Promise.promise();
  private final MultiMap upstreamHeaders = MultiMap.caseInsensitiveMultiMap();
  private boolean finished;
  private boolean clientGone;
  private Outcome outcome = Outcome.FORWARDED;

  private String requestId;
  private RevisionKey revision;
  private Duration timeout;
  private RevisionState state;
  private EndpointSlot slot;
  private boolean sent;

  Exchange(HttpServerRequest request, Context context) {
    this.request = request;
    this.context = context;
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

  /**
   * Fails (never succeeds) when the exchange is abandoned: the client left or the timeout passed.
   * Stages that wait or hold upstream resources listen to it to stop early.
   */
  Future<Void> cancellation() {
    return cancellation.future();
  }

  boolean cancelled() {
    return cancellation.future().isComplete();
  }

  /** Abandons the exchange with {@code cause}; the first cause wins; a finished one is left alone. */
  void cancel(Throwable cause) {
    if (finished || cancellation.future().isComplete()) {
      return;
    }
    clientGone = cause instanceof ClientGoneException;
    cancellation.fail(cause);
  }

  void finish() {
    finished = true;
  }

  boolean clientGone() {
    return clientGone;
  }

  Outcome outcome() {
    return outcome;
  }

  void outcome(Outcome o) {
    this.outcome = o;
  }

  /** The headers sent to the instance. */
  MultiMap upstreamHeaders() {
    return upstreamHeaders;
  }

  /** The gateway's {@code X-Request-Id}; may be null. */
  String requestId() {
    return requestId;
  }

  void requestId(String id) {
    this.requestId = id;
  }

  RevisionKey revision() {
    return revision;
  }

  void revision(RevisionKey r) {
    this.revision = r;
  }

  Duration timeout() {
    return timeout;
  }

  void timeout(Duration t) {
    this.timeout = t;
  }

  /** The revision's queue, slots and counters; set once the request counts as load. */
  RevisionState state() {
    return state;
  }

  void state(RevisionState s) {
    this.state = s;
  }

  /** The capacity slot the request holds while forwarded; null while queued. */
  EndpointSlot slot() {
    return slot;
  }

  void slot(EndpointSlot s) {
    this.slot = s;
  }

  /** True once the request started going to an instance; from then on it is never re-sent. */
  boolean sent() {
    return sent;
  }

  void markSent() {
    this.sent = true;
  }
}
