package dev.skiff.proxy.internal;

import dev.skiff.proxy.AcceptingLoops;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One event loop's kept-alive HTTP/1.1 connections to upstream endpoints, plaintext or TLS, reused
 * one request at a time without Vert.x's shared pool: a request takes the most recently released
 * connection to its endpoint, or opens one, on the calling event loop. The shared pool costs a
 * context, an endpoint lookup, an address parse and a lease per request; this is a map lookup and a
 * deque.
 *
 * <p>TLS connections are made with the client's SSL options of the moment (its credentials and
 * trust; ALPN offers HTTP/1.1 only) and remember the credentials they were made with ({@code
 * credentials}' answer then): once those have changed (a renewed certificate, a new trust bundle),
 * a connection is closed instead of being taken or kept, so new requests go out with the new
 * identity while a request in flight finishes on its old connection. Checking the peer's identity
 * is the caller's: nothing is written before it sends the request.
 *
 * <p>A connection to a server of this process that records where it serves its connections (the
 * mesh's sidecar listeners, {@link AcceptingLoops}) is checked once, after its first exchange: when
 * another event loop serves its accepted end, every request on it would wake that loop and every
 * answer this one, so the server is asked to accept on this loop too and new connections are opened
 * (one at a time, at most {@link #MAX_PLACEMENT_TRIES} in a row) until one is served here; the
 * misplaced ones are used meanwhile only when no other is free, and closed once one served here is.
 * A server in another process records nothing: its connections are used as before.
 *
 * <p>A connection goes back only after an exchange that ended well and whose response did not ask
 * to close it; a closed one leaves at once, and one unused for a minute is closed when its endpoint
 * is next called (an endpoint that is never called again keeps its idle connections until it closes
 * them or the client closes). Beyond {@code maxPerEndpoint} open connections to an endpoint,
 * requests go through the client's own pool instead, so nothing ever waits here. Confined to one
 * event loop: every method runs on it.
 */
public final class LoopConnections {
  /** How long a connection may sit unused before the next request to its endpoint closes it. */
  static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(60);

  /**
   * TLS handshakes to one endpoint under way at once on this event loop; further requests go
   * through the client's pool (HTTP/2 to mesh listeners) meanwhile. A burst would otherwise open a
   * connection per request, each paying a full handshake: connections opened at the same moment
   * cannot resume a session none of them has yet.
   */
  static final int MAX_TLS_OPENING = 4;

  /**
   * New connections opened in a row to an endpoint in this process whose accepted end another event
   * loop serves, in search of one served on this loop; past that, requests use those.
   */
  static final int MAX_PLACEMENT_TRIES = 8;

  private final HttpClientAgent client;
  private final int maxPerEndpoint;
  private final Supplier<?> credentials;
  private final Map<String, Endpoint> endpoints = new HashMap<>();

  /**
   * @param client the event loop's client; its options (TCP settings, lenient parsing, SSL) apply
   * @param maxPerEndpoint open connections per endpoint before requests use the client's pool
   * @param credentials what the client's TLS credentials are now, compared by identity: a TLS
   *     connection made with other credentials is not reused (called on any request over TLS)
   */
  public LoopConnections(HttpClientAgent client, int maxPerEndpoint, Supplier<?> credentials) {
    this.client = client;
    this.maxPerEndpoint = maxPerEndpoint;
    this.credentials = credentials;
  }

  /**
   * A request to {@code host:port} (over TLS when {@code tls}) with {@code options} (method, URI,
   * headers; not its address) on a kept or new connection; the connection is released or closed
   * when {@code over} completes, as the exchange ended. Fails as {@link HttpClientAgent#request}
   * would when no connection can be made.
   */
  public Future<HttpClientRequest> request(
      String host,
      int port,
      boolean tls,
      RequestOptions options,
      long connectTimeoutMillis,
      Future<?> over) {
    String key = (tls ? "tls:" : "") + host + ':' + port;
    Endpoint ep = endpoints.computeIfAbsent(key, k -> new Endpoint(k, host, port, tls));
    closeStale(ep);
    Kept kept = take(ep.idle);
    if (kept == null && !tryForThisLoop(ep)) {
      kept = take(ep.elsewhere);
    }
    if (kept != null) {
      return use(ep, kept, options, over)
          // Closed as it was taken (its close not yet seen): nothing was sent; a new one.
          .recover(err -> open(ep, options, connectTimeoutMillis, over));
    }
    if (ep.open >= maxPerEndpoint || (ep.tls && ep.opening >= MAX_TLS_OPENING)) {
      forgetIfUnused(ep);
      return client.request(
          new RequestOptions(options)
              .setHost(host)
              .setPort(port)
              .setSsl(tls)
              .setConnectTimeout(connectTimeoutMillis));
    }
    return open(ep, options, connectTimeoutMillis, over);
  }

  /**
   * The most recently released connection that may still be used, or null; TLS connections of
   * credentials since replaced are closed on the way (they are idle: nothing is lost).
   */
  private Kept take(ArrayDeque<Kept> idle) {
    for (Kept kept = idle.pollLast(); kept != null; kept = idle.pollLast()) {
      if (current(kept)) {
        return kept;
      }
      kept.conn.close();
    }
    return null;
  }

  /** Whether a connection was made with the credentials of now (always, for plaintext). */
  private boolean current(Kept kept) {
    return kept.credentials == null || kept.credentials == credentials.get();
  }

  private Future<HttpClientRequest> open(
      Endpoint ep, RequestOptions options, long connectTimeoutMillis, Future<?> over) {
    ep.open++;
    ep.opening++;
    // Read before connecting: a change meanwhile retires the new connection early, never late.
    Object madeWith = ep.tls ? credentials.get() : null;
    return client
        .connect(
            new HttpConnectOptions()
                .setHost(ep.host)
                .setPort(ep.port)
                .setSsl(ep.tls)
                .setProtocolVersion(HttpVersion.HTTP_1_1)
                .setConnectTimeout(connectTimeoutMillis))
        .andThen(
            ar -> {
              ep.opening--;
              if (ar.failed()) {
                ep.open--;
                forgetIfUnused(ep);
              }
            })
        .compose(
            conn -> {
              // What the client's pool does to each new connection: workloads' responses are
              // parsed leniently (bare LF line ends).
              Channels.lenientResponses(conn);
              Kept kept = new Kept(conn, madeWith);
              conn.closeHandler(v -> closed(ep, kept));
              return use(ep, kept, options, over);
            });
  }

  private Future<HttpClientRequest> use(
      Endpoint ep, Kept kept, RequestOptions options, Future<?> over) {
    if (kept.closed) {
      return Future.failedFuture(new IllegalStateException("connection closed"));
    }
    kept.reusable = false; // until this exchange's response says it may be
    return kept.conn
        .request(options)
        .andThen(
            ar -> {
              if (ar.failed()) {
                kept.conn.close();
                return;
              }
              HttpClientRequest req = ar.result();
              req.response().onSuccess(res -> kept.reusable = keepsAlive(res));
              over.onComplete(
                  done -> {
                    if (done.succeeded() && kept.reusable && !kept.closed && current(kept)) {
                      kept.idleSince = System.nanoTime();
                      if (!kept.placed) {
                        place(ep, kept);
                      }
                      if (!kept.elsewhere) {
                        ep.idle.addLast(kept);
                      } else if (ep.idle.isEmpty()) {
                        ep.elsewhere.addLast(kept);
                      } else {
                        kept.conn.close(); // one served on this loop is free: this one is spare
                      }
                    } else {
                      kept.conn.close();
                    }
                  });
            });
  }

  /**
   * Learns, after a connection's first exchange (its server has seen it by then), whether a server
   * of this process serves its accepted end on another event loop ({@link AcceptingLoops}); if so,
   * asks that server to accept on this loop too, and the connection is used only when no connection
   * served on this loop is free and {@link #tryForThisLoop} opens no new one. A connection to
   * another process has no entry and is used as any.
   */
  private void place(Endpoint ep, Kept kept) {
    kept.placed = true;
    Thread serving =
        AcceptingLoops.servingThread(kept.conn.localAddress(), kept.conn.remoteAddress());
    if (serving == null || serving == Thread.currentThread()) {
      ep.misplaced = 0;
      // Those served elsewhere were kept only for want of this one.
      for (Kept spare = ep.elsewhere.pollFirst(); spare != null; spare = ep.elsewhere.pollFirst()) {
        spare.conn.close();
      }
      return;
    }
    kept.elsewhere = true;
    ep.misplaced++;
    Context here = Vertx.currentContext();
    if (here != null) {
      ep.offered |= AcceptingLoops.askToServeHere(ep.port, here);
    }
  }

  /**
   * Whether to open a new connection rather than take one served on another loop: while the server
   * accepts on this loop too and fewer than {@link #MAX_PLACEMENT_TRIES} connections in a row
   * landed elsewhere, one at a time.
   */
  private boolean tryForThisLoop(Endpoint ep) {
    return ep.offered
        && !ep.elsewhere.isEmpty()
        && ep.misplaced < MAX_PLACEMENT_TRIES
        && ep.opening == 0
        && ep.open < maxPerEndpoint;
  }

  /**
   * Closes the endpoint's connections idle for longer than {@link #IDLE_NANOS}, oldest first (the
   * deque's head), as Vert.x's pool would have.
   */
  private static void closeStale(Endpoint ep) {
    closeStale(ep.idle);
    closeStale(ep.elsewhere);
  }

  private static void closeStale(ArrayDeque<Kept> idle) {
    long now = System.nanoTime();
    for (Kept oldest = idle.peekFirst();
        oldest != null && now - oldest.idleSince > IDLE_NANOS;
        oldest = idle.peekFirst()) {
      idle.pollFirst();
      oldest.conn.close();
    }
  }

  private void closed(Endpoint ep, Kept kept) {
    kept.closed = true;
    ep.open--;
    ep.idle.remove(kept);
    ep.elsewhere.remove(kept);
    forgetIfUnused(ep);
  }

  private void forgetIfUnused(Endpoint ep) {
    if (ep.open == 0) {
      endpoints.remove(ep.key);
    }
  }

  /** An HTTP/1.1 response keeps its connection unless it says close; HTTP/1.0 only if it asks. */
  private static boolean keepsAlive(HttpClientResponse res) {
    String connection = res.getHeader("connection");
    String c = connection == null ? "" : connection.toLowerCase(Locale.ROOT);
    return res.version() == HttpVersion.HTTP_1_0 ? c.contains("keep-alive") : !c.contains("close");
  }

  /** One endpoint's connections: how many are open, and those free for the next request. */
  private static final class Endpoint {
    final String key;
    final String host;
    final int port;
    final boolean tls;
    final ArrayDeque<Kept> idle = new ArrayDeque<>();

    /** Free connections whose accepted end another event loop of this process serves. */
    final ArrayDeque<Kept> elsewhere = new ArrayDeque<>();

    int open;

    /** Connections in a row found served on another loop of this process. */
    int misplaced;

    /** Whether the endpoint's server (in this process) was asked to accept on this loop too. */
    boolean offered;

    /** Of those, how many are still connecting (TCP and TLS handshake). */
    int opening;

    Endpoint(String key, String host, int port, boolean tls) {
      this.key = key;
      this.host = host;
      this.port = port;
      this.tls = tls;
    }
  }

  private static final class Kept {
    final HttpClientConnection conn;

    /** The TLS credentials it was made with; null for plaintext. */
    final Object credentials;

    boolean closed;
    boolean reusable;
    long idleSince;

    /** Whether {@link #place} has looked where its accepted end is served. */
    boolean placed;

    /** Whether another event loop of this process serves its accepted end. */
    boolean elsewhere;

    Kept(HttpClientConnection conn, Object credentials) {
      this.conn = conn;
      this.credentials = credentials;
    }
  }
}
