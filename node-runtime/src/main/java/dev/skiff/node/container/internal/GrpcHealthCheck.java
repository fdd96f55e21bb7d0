package dev.skiff.node.container.internal;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.lang.System.Logger.Level;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@code grpc} probe as the kubelet runs it: one unary {@code grpc.health.v1.Health/Check} over
 * HTTP/2 cleartext, which passes only when the answer's grpc-status is 0 and its {@code
 * HealthCheckResponse} says SERVING; any other status, a missing grpc-status, an HTTP status other
 * than 200, a malformed answer, a refused connection or no answer within the timeout fails it.
 * Answers true or false, never a failed future.
 */
public final class GrpcHealthCheck {
  static final String PATH = "/grpc.health.v1.Health/Check";
  private static final System.Logger LOG = System.getLogger(GrpcHealthCheck.class.getName());

  private final Vertx vertx;
  private final HttpClient h2c;

  /**
   * @param h2c an HTTP/2 prior-knowledge client (gRPC without TLS); the caller closes it
   */
  public GrpcHealthCheck(Vertx vertx, HttpClient h2c) {
    this.vertx = vertx;
    this.h2c = h2c;
  }

  /** Asks the server at {@code host:port} about {@code service} ("" for its overall health). */
  public Future<Boolean> check(String host, int port, String service, long timeoutMs) {
    return failure(host, port, service, timeoutMs).map(Objects::isNull);
  }

  /**
   * Asks as {@link #check} does and answers why the probe fails, or null when the server says
   * SERVING; never a failed future.
   */
  Future<String> failure(String host, int port, String service, long timeoutMs) {
    long timeout = Math.max(1, timeoutMs);
    Promise<String> verdict = Promise.promise();
    AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
    long timer =
        vertx.setTimer(
            timeout,
            t -> {
              if (fail(verdict, host, port, service, "no answer within " + timeout + " ms")) {
                HttpClientRequest r = sent.get();
                if (r != null) {
                  r.reset();
                }
              }
            });
    RequestOptions o =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setHost(host)
            .setPort(port)
            .setURI(PATH)
            .setConnectTimeout(timeout)
            .setIdleTimeout(timeout)
            .putHeader("content-type", "application/grpc")
            .putHeader("te", "trailers")
            // The deadline, so the server can give up when the probe does (as grpc-go sends it).
            .putHeader("grpc-timeout", timeout + "m")
            .putHeader("user-agent", "skiff-probe");
    h2c.request(o)
        .compose(
            req -> {
              sent.set(req);
              return req.send(GrpcHealthCodec.request(service));
            })
        .compose(resp -> resp.body().map(body -> outcome(resp, body)))
        .onComplete(
            ar -> {
              vertx.cancelTimer(timer);
              String failure = ar.succeeded() ? ar.result() : ar.cause().toString();
              if (failure == null) {
                verdict.tryComplete(null);
              } else {
                fail(verdict, host, port, service, failure);
              }
            });
    return verdict.future();
  }

  /** Why the answer fails the probe, or null when it says SERVING. */
  private static String outcome(HttpClientResponse resp, Buffer body) {
    if (resp.statusCode() != 200) {
      return "HTTP status " + resp.statusCode() + ", not a gRPC server";
    }
    // A status without a message comes in the headers alone ("trailers-only").
    MultiMap trailers = resp.trailers();
    String status =
        trailers.contains("grpc-status")
            ? trailers.get("grpc-status")
            : resp.headers().get("grpc-status");
    if (status == null) {
      return "no grpc-status in the answer";
    }
    if (!"0".equals(status.trim())) {
      String message =
          trailers.contains("grpc-message")
              ? trailers.get("grpc-message")
              : resp.headers().get("grpc-message");
      return "grpc-status " + status + (message == null ? "" : " (" + message + ")");
    }
    int serving;
    try {
      serving = GrpcHealthCodec.status(body);
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    return serving == GrpcHealthCodec.SERVING ? null : "status " + name(serving);
  }

  private static String name(int status) {
    return switch (status) {
      case 0 -> "UNKNOWN";
      case 2 -> "NOT_SERVING";
      case 3 -> "SERVICE_UNKNOWN";
      default -> String.valueOf(status);
    };
  }

  private static boolean fail(
      Promise<String> verdict, String host, int port, String service, String why) {
    if (!verdict.tryComplete(why)) {
      return false;
    }
    LOG.log(
        Level.DEBUG,
        "gRPC health check of service \"{0}\" at {1}:{2} failed: {3}",
        service,
        host,
        String.valueOf(port),
        why);
    return true;
  }
}
