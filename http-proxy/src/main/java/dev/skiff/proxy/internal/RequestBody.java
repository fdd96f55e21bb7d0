package dev.skiff.proxy.internal;

import dev.skiff.proxy.Replayable;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.Locale;

/**
 * Sends the client's request body upstream as a stream, with back-pressure, framed the way the
 * client framed it: a known {@code Content-Length} stays fixed-length, anything else goes chunked,
 * and a request without a body sends none. The body stays paused until this runs, however long the
 * request waited before (cold start, queueing). One per exchange, across its attempts: the first
 * may keep the bytes it sends, up to a bound ({@link KeptBody}), so that a second can send them
 * again.
 */
public final class RequestBody {
  private final HttpServerRequest in;
  private final ClientBody client;
  private final int keptBound;
  private final Future<?> exchangeOver;

  /** The body on its way; null until one is known to flow (never, for a request without one). */
  private KeptBody flowing;

  private RequestBody(
      HttpServerRequest in, ClientBody client, int keptBound, Future<?> exchangeOver) {
    this.in = in;
    this.client = client;
    this.keptBound = keptBound;
    this.exchangeOver = exchangeOver;
  }

  /**
   * The body of {@code in}. One that stalls for {@code bodyTimeoutMillis} while wanted, or breaks,
   * fails the attempt it flows to with a {@link dev.skiff.proxy.BadRequestException}; at most
   * {@code keptBound} bytes of it are kept for another attempt, and let go when {@code
   * exchangeOver} completes, however the exchange ended (answered, failed, cancelled, the client
   * gone).
   */
  public static RequestBody of(
      HttpServerRequest in,
      Vertx vertx,
      long bodyTimeoutMillis,
      int keptBound,
      Future<?> exchangeOver) {
    return new RequestBody(
        in, new ClientBody(in, vertx, bodyTimeoutMillis), keptBound, exchangeOver);
  }

  /**
   * Sends {@code up} with the body; completes with the upstream response head. On a later attempt,
   * the bytes kept by the first are sent first ({@link #whole} must hold). {@code keep}: keep the
   * bytes sent, for another attempt.
   */
  public Future<HttpClientResponse> send(HttpClientRequest up, boolean keep) {
    String length = in.getHeader("content-length");
    if (flowing != null) {
      if (length == null) {
        up.setChunked(true);
      }
      return flow(up, keep);
    }
    if (length != null) {
      if (length.trim().equals("0")) {
        resumeUnlessEnded(in);
        return up.send();
      }
      return stream(up, null, keep);
    }
    if (in.version() != HttpVersion.HTTP_2) {
      if (isChunked(in)) {
        up.setChunked(true);
        return stream(up, null, keep);
      }
      // HTTP/1.x without Content-Length or chunking has no body (RFC 9112 6.3).
      resumeUnlessEnded(in);
      return up.send();
    }
    if (in.isEnded() && in.bytesRead() == 0) {
      return up.send(); // a second attempt of a stream that ended without a body
    }
    // HTTP/2 without content-length: only the stream itself says whether a body follows.
    return firstChunk(in)
        .compose(
            first -> {
              if (first == null) {
                return up.send();
              }
              up.setChunked(true);
              return stream(up, first, keep);
            });
  }

  /**
   * Whether another attempt can send the whole body: there is none, or every byte read so far was
   * kept (the rest, if any, is still to come from the client).
   */
  public boolean whole() {
    return flowing != null ? flowing.whole() : Replayable.withoutBody(in);
  }

  private Future<HttpClientResponse> stream(HttpClientRequest up, Buffer first, boolean keep) {
    KeptBody body = new KeptBody(client, keptBound, first, keep);
    flowing = body;
    // Only a body that flows has anything to let go of: no listener for a request without one.
    exchangeOver.onComplete(over -> body.over());
    return flow(up, keep);
  }

  private Future<HttpClientResponse> flow(HttpClientRequest up, boolean keep) {
    flowing.to(up, keep);
    // The client's fault wins over whatever the reset made of the upstream exchange.
    return up.response()
        .recover(err -> Future.failedFuture(client.failure() != null ? client.failure() : err));
  }

  /**
   * Lets a request without a body end. A request sent a second time (a retry) ended with its first
   * attempt, and Vert.x's server request wrapper throws "Request has already been read" on a resume
   * after its end, which would leave the exchange unanswered.
   */
  private static void resumeUnlessEnded(HttpServerRequest in) {
    if (!in.isEnded()) {
      in.resume();
    }
  }

  /** The first chunk of the body, or null when the request ends without one. */
  static Future<Buffer> firstChunk(HttpServerRequest in) {
    Promise<Buffer> first = Promise.promise();
    in.exceptionHandler(first::tryFail);
    in.endHandler(v -> first.tryComplete(null));
    in.handler(
        chunk -> {
          in.pause();
          first.tryComplete(chunk);
        });
    in.fetch(1);
    return first.future();
  }

  static boolean isChunked(HttpServerRequest in) {
    for (String te : in.headers().getAll("transfer-encoding")) {
      if (te.toLowerCase(Locale.ROOT).contains("chunked")) {
        return true;
      }
    }
    return false;
  }
}
