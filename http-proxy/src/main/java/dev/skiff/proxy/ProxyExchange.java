package dev.skiff.proxy;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * One request passing through a proxy: the client's request and response, the headers for the
 * upstream, the request id, and whether the exchange was abandoned. Components extend it with what
 * their stages decide. Confined to the request's event loop.
 */
public class ProxyExchange {
  private final HttpServerRequest request;
  private final Context context;
  private final Promise<Void> cancellation = Promise.promise();
  private final MultiMap upstreamHeaders = MultiMap.caseInsensitiveMultiMap();
  private boolean finished;
  private boolean clientGone;
  private String requestId;
  private String peerIdentity;

  public ProxyExchange(HttpServerRequest request, Context context) {
    this.request = request;
    this.context = context;
  }

  public final HttpServerRequest request() {
    return request;
  }

  public final HttpServerResponse response() {
    return request.response();
  }

  /** The event-loop context the request arrived on; every stage runs on it. */
  public final Context context() {
    return context;
  }

  /**
   * Fails (never succeeds) when the exchange is abandoned: the client left or a deadline passed.
   * Stages that wait or hold upstream resources listen to it to stop early.
   */
  public final Future<Void> cancellation() {
    return cancellation.future();
  }

  public final boolean cancelled() {
    return cancellation.future().isComplete();
  }

  /**
   * Abandons the exchange with {@code cause}; the first cause wins, and a finished one is left
   * alone.
   */
  public final void cancel(Throwable cause) {
    if (finished || cancellation.future().isComplete()) {
      return;
    }
    // Before failing: the listeners run synchronously and may finish the exchange right away.
    clientGone = cause instanceof ClientGoneException;
    cancellation.fail(cause);
  }

  /** Marks the exchange over; a later {@link #cancel} does nothing. */
  public final void finish() {
    finished = true;
  }

  /** True when the exchange was cancelled because the client went away. */
  public final boolean clientGone() {
    return clientGone;
  }

  /** The headers sent upstream, assembled by the component's forwarding stage. */
  public final MultiMap upstreamHeaders() {
    return upstreamHeaders;
  }

  /** The request's {@code X-Request-Id}; null until a stage sets it. */
  public final String requestId() {
    return requestId;
  }

  public final void requestId(String id) {
    this.requestId = id;
  }

  /**
   * The identity the client's certificate names, on a server listening with {@link ListenerTls};
   * null on a plaintext server, or when the certificate names none.
   */
  public final String peerIdentity() {
    return peerIdentity;
  }

  /** Set by the server when the exchange arrives over mutual TLS. */
  public final void peerIdentity(String identity) {
    this.peerIdentity = identity;
  }
}
