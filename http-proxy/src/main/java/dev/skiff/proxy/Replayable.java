package dev.skiff.proxy;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.Locale;
import java.util.Set;

/**
 * Whether a request that went out but got no answer may be sent again as it was: it has no body (a
 * body is streamed to the upstream and kept only for an HTTP/2 upstream's say that it did not
 * process the request, so it cannot be sent twice here), and its method is idempotent (RFC 9110
 * 9.2.2: GET, HEAD, OPTIONS, PUT, DELETE, TRACE) or it carries an {@code Idempotency-Key} (or
 * {@code X-Idempotency-Key}), which clients use to say that a POST may be repeated (Go's net/http
 * transport counts it so). The proxy's retry of a stale kept-alive connection and the gateway's
 * retry on another instance both follow it.
 */
public final class Replayable {
  private static final Set<String> IDEMPOTENT =
      Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");

  private Replayable() {}

  /** Whether {@code request} can be sent again as it was. */
  public static boolean request(HttpServerRequest request) {
    if (!IDEMPOTENT.contains(request.method().name().toUpperCase(Locale.ROOT))
        && !request.headers().contains("idempotency-key")
        && !request.headers().contains("x-idempotency-key")) {
      return false;
    }
    return withoutBody(request);
  }

  /**
   * Whether {@code request} has no body, so that sending it again sends all of it: what a request
   * that the upstream did not process at all ({@link Unprocessed}) needs to go to another instance,
   * whatever its method (the proxy's own second attempt, to the same upstream, may also send a body
   * it kept whole).
   */
  public static boolean withoutBody(HttpServerRequest request) {
    String length = request.getHeader("content-length");
    if (length != null) {
      return length.trim().equals("0");
    }
    if (request.version() == HttpVersion.HTTP_2) {
      // Only the stream says: it ended, and not a byte of a body came (an HTTP/2 GET, say). A
      // stream still open may yet bring a body, which the first attempt would have taken.
      return request.isEnded() && request.bytesRead() == 0;
    }
    // HTTP/1.x without Content-Length or Transfer-Encoding has no body (RFC 9112 6.3).
    return !request.headers().contains("transfer-encoding");
  }
}
