package dev.skiff.proxy.testing;

import static dev.skiff.proxy.testing.Await.await;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An h2c (HTTP/2 prior knowledge) server on loopback whose first connection shuts down gracefully
 * the way a gRPC server at its connection-age limit or a server being stopped does: it holds the
 * requests that arrive on it until {@code held} of them are open, then sends GOAWAY with the lowest
 * held stream's id as its last stream, answers that stream (or, {@link Below#CLOSE}, closes the
 * connection without answering it) and leaves every stream above the id unprocessed, as RFC 9113
 * 6.8 lets it. With {@link Below#ALL} the last stream id is the highest held one instead and every
 * held stream is at or below it: the lowest is answered and the connection then closed. Later
 * connections answer every request at once. A request's body is read whole before it is answered,
 * and each answered body is recorded ({@link #bodies}); a gRPC request ({@code application/grpc})
 * is answered as a gRPC server does, its status in trailers. The GOAWAY is decided by the requests'
 * arrival, not a timer, so which streams lie above the id is forced.
 */
public final class GoingAwayUpstream {

  /** What becomes of the held streams at or below the GOAWAY's last stream id. */
  public enum Below {
    /** Only the lowest is at or below the id, and it is answered. */
    ANSWER,
    /** Only the lowest is at or below the id; the connection is closed without answering it. */
    CLOSE,
    /**
     * All held streams are at or below the id; the lowest is answered, then the connection closed
     * without answering the rest.
     */
    ALL
  }

  /** RFC 9113 8.7: the stream was refused before any processing. */
  public static final long REFUSED_STREAM = 7;

  private static final long NO_ERROR = 0;

  private final HttpServer server;
  private final int held;
  private final Below below;
  private final AtomicInteger connections = new AtomicInteger();
  private final Map<String, AtomicInteger> answered = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> unprocessed = new ConcurrentHashMap<>();
  private final Map<String, List<Buffer>> answeredBodies = new ConcurrentHashMap<>();
  private final List<HttpServerRequest> holding = new ArrayList<>();
  private final Map<HttpServerRequest, Future<Buffer>> bodies = new HashMap<>();
  private volatile int holdingCount;
  private final AtomicInteger refusals;
  private volatile HttpConnection first;
  private boolean goneAway;
  private final Map<HttpServerRequest, Integer> received = new HashMap<>();
  private int bodyBytesBeforeGoAway;
  private volatile boolean http2Only;

  /** The held request whose body the GOAWAY waits for, and the GOAWAY; null when none does. */
  private HttpServerRequest awaitedBody;

  private Runnable goAwayAfter;

  /**
   * A server that refuses the first {@code refusals} streams, on any connection, with RST_STREAM
   * REFUSED_STREAM, and answers every other request at once (no GOAWAY).
   */
  public static GoingAwayUpstream refusing(Vertx vertx, int refusals) {
    return new GoingAwayUpstream(
        vertx, new HttpServerOptions().setHttp2ClearTextEnabled(true), 0, Below.ANSWER, refusals);
  }

  public GoingAwayUpstream(Vertx vertx, int held, Below below) {
    this(vertx, new HttpServerOptions().setHttp2ClearTextEnabled(true), held, below, 0);
  }

  /**
   * The same on a listener of {@code options}: TLS with ALPN offering h2 (a sidecar's mTLS), say.
   */
  public GoingAwayUpstream(Vertx vertx, HttpServerOptions options, int held, Below below) {
    this(vertx, options, held, below, 0);
  }

  private GoingAwayUpstream(
      Vertx vertx, HttpServerOptions options, int held, Below below, int refusals) {
    this.refusals = new AtomicInteger(refusals);
    this.held = held;
    this.below = below;
    this.server =
        vertx
            .createHttpServer(options)
            .connectionHandler(
                c -> {
                  connections.incrementAndGet();
                  if (first == null && (!http2Only || c.protocolVersion() == HttpVersion.HTTP_2)) {
                    first = c;
                  }
                })
            .requestHandler(this::serve);
  }

  /**
   * Sends the GOAWAY only once the last held request has brought at least {@code bytes} of its body
   * (or all of it): the proxy has then read that much of it before it learns that the stream was
   * not processed.
   */
  public GoingAwayUpstream goingAwayAfterBodyBytes(int bytes) {
    this.bodyBytesBeforeGoAway = bytes;
    return this;
  }

  /**
   * Lets only the first HTTP/2 connection go away: HTTP/1.1 connections (a gateway's own to a
   * sidecar, beside its pool's HTTP/2 ones) answer each request once its body is whole.
   */
  public GoingAwayUpstream onlyHttp2GoesAway() {
    this.http2Only = true;
    return this;
  }

  public int listen() {
    return await(server.listen(0, "127.0.0.1")).actualPort();
  }

  public void close() {
    await(server.close());
  }

  /** Connections accepted so far. */
  public int connections() {
    return connections.get();
  }

  /** Requests held on the first connection, waiting for the GOAWAY. */
  public int holding() {
    return holdingCount;
  }

  /** How many times a request for {@code path} was answered (processed). */
  public int answered(String path) {
    AtomicInteger n = answered.get(path);
    return n == null ? 0 : n.get();
  }

  /** The bodies of the requests for {@code path} that were answered, in order. */
  public List<Buffer> bodies(String path) {
    return answeredBodies.getOrDefault(path, List.of());
  }

  /** How many times a request for {@code path} arrived on a stream above a GOAWAY's last id. */
  public int unprocessed(String path) {
    AtomicInteger n = unprocessed.get(path);
    return n == null ? 0 : n.get();
  }

  private void serve(HttpServerRequest req) {
    // Read as it comes, held or not: a held request's body left unread stalls the others'.
    bodies.put(req, collect(req));
    HttpConnection conn = req.connection();
    if (refusals.getAndDecrement() > 0) {
      count(unprocessed, req.path());
      req.response().reset(REFUSED_STREAM);
      return;
    }
    if (held == 0 || conn != first || goneAway) {
      answer(req);
      return;
    }
    holding.add(req);
    holdingCount = holding.size();
    if (holding.size() < held) {
      return;
    }
    goneAway = true;
    HttpServerRequest highest = holding.get(holding.size() - 1);
    if (received(highest) >= bodyBytesBeforeGoAway || highest.isEnded()) {
      goAway(conn);
    } else {
      goAwayAfter = () -> goAway(conn);
      awaitedBody = highest;
    }
  }

  // goAway(code, lastStreamId) is deprecated for shutdown(), which picks the last stream itself;
  // the test needs to choose it.
  @SuppressWarnings("deprecation")
  private void goAway(HttpConnection conn) {
    HttpServerRequest lowest = holding.get(0);
    if (below == Below.ALL) {
      // Answered first: once the GOAWAY is out, Vert.x's server did not complete the answer.
      int highest = (int) holding.get(holding.size() - 1).streamId();
      answer(lowest)
          .onSuccess(
              v -> {
                conn.goAway(NO_ERROR, highest);
                closeNow(conn);
              });
      return;
    }
    int last = (int) lowest.streamId();
    conn.goAway(NO_ERROR, last);
    for (HttpServerRequest r : holding) {
      if (r.streamId() > last) {
        count(unprocessed, r.path());
      }
    }
    if (below == Below.CLOSE) {
      closeNow(conn);
    } else {
      answer(lowest);
    }
  }

  /** Reads {@code req}'s body as it comes, counting its bytes; completes with all of it. */
  private Future<Buffer> collect(HttpServerRequest req) {
    Promise<Buffer> whole = Promise.promise();
    Buffer body = Buffer.buffer();
    received.put(req, 0);
    req.handler(
        chunk -> {
          body.appendBuffer(chunk);
          received.put(req, body.length());
          if (req == awaitedBody && body.length() >= bodyBytesBeforeGoAway) {
            awaitedBody = null;
            goAwayAfter.run();
          }
        });
    req.exceptionHandler(whole::tryFail);
    req.endHandler(
        v -> {
          if (req == awaitedBody) {
            awaitedBody = null;
            goAwayAfter.run();
          }
          whole.tryComplete(body);
        });
    return whole.future();
  }

  private int received(HttpServerRequest req) {
    return received.getOrDefault(req, 0);
  }

  /**
   * Closes the TCP connection at once. Vert.x's {@code close()} and {@code shutdown()} of an HTTP/2
   * connection wait for its open streams, which a held stream never ends.
   */
  private static void closeNow(HttpConnection conn) {
    ((ConnectionBase) conn).channel().close();
  }

  private Future<Void> answer(HttpServerRequest req) {
    return bodies
        .remove(req)
        .compose(
            body -> {
              count(answered, req.path());
              answeredBodies
                  .computeIfAbsent(req.path(), k -> new CopyOnWriteArrayList<>())
                  .add(body);
              String type = req.getHeader("content-type");
              if (type != null && type.startsWith("application/grpc")) {
                req.response().putHeader("content-type", "application/grpc");
                req.response().putTrailer("grpc-status", "0");
              }
              return req.response().end("ok " + req.path());
            });
  }

  private static void count(Map<String, AtomicInteger> counts, String path) {
    counts.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
  }
}
