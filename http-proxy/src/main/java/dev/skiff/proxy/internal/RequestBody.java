package dev.skiff.proxy.internal;

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
 * Sends the client's request body upstream as a stream, with back-pressure (a pipe), framed the way
 * the client framed it: a known {@code Content-Length} stays fixed-length, anything else goes
 * chunked, and a request without a body sends none. The body stays paused until this runs, however
 * long the request waited before (cold start, queueing).
 */
public final class RequestBody {
  private RequestBody() {}

  /**
   * Sends {@code up} with the body of {@code in}; completes with the upstream response head. A body
   * that stalls for {@code bodyTimeoutMillis} while wanted, or breaks, fails it with a {@link
   * dev.skiff.proxy.BadRequestException}.
   */
  public static Future<HttpClientResponse> send(
      HttpServerRequest in, HttpClientRequest up, Vertx vertx, long bodyTimeoutMillis) {
    return send(in, up, new ClientBody(in, vertx, bodyTimeoutMillis));
  }

  private static Future<HttpClientResponse> send(
      HttpServerRequest in, HttpClientRequest up, ClientBody body) {
    String length = in.getHeader("content-length");
    if (length != null) {
      if (length.trim().equals("0")) {
        resumeUnlessEnded(in);
        return up.send();
      }
      return stream(body, up, null);
    }
    if (in.version() != HttpVersion.HTTP_2) {
      if (isChunked(in)) {
        up.setChunked(true);
        return stream(body, up, null);
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
              return stream(body, up, first);
            });
  }

  private static Future<HttpClientResponse> stream(
      ClientBody body, HttpClientRequest up, Buffer first) {
    if (first != null) {
      up.write(first);
    }
    body.pipe()
        .endOnFailure(false)
        .to(up)
        .onFailure(err -> up.reset(0, err)); // the client aborted, broke or stalled its upload
    // The client's fault wins over whatever the reset made of the upstream exchange.
    return up.response()
        .recover(err -> Future.failedFuture(body.failure() != null ? body.failure() : err));
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
