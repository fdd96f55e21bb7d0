package dev.skiff.nodeagent.internal;

import io.vertx.core.Future;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import java.util.concurrent.TimeUnit;

/**
 * Unary calls that keep the server's status message: Vert.x's generated client fails with the
 * status alone, and the message is what tells an operator what to fix.
 */
public final class Calls {
  private Calls() {}

  /** A call that ended with a non-OK status. */
  public static final class StatusException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient GrpcStatus status;

    public StatusException(GrpcStatus status, String message) {
      super(status + (message == null || message.isEmpty() ? "" : ": " + message));
      this.status = status;
    }

    public GrpcStatus status() {
      return status;
    }
  }

  /**
   * Sends {@code request} and answers the one response, failing within {@code timeoutMillis}.
   * Nothing is sent unless the server is the control plane of {@code trustDomain} (null: any).
   */
  public static <Req, Resp> Future<Resp> unary(
      GrpcClient client,
      SocketAddress server,
      String trustDomain,
      ServiceMethod<Resp, Req> method,
      Req request,
      long timeoutMillis) {
    return client
        .request(server, method)
        .compose(
            req -> {
              try {
                ControlPlaneTrust.check(req.connection(), trustDomain);
              } catch (RuntimeException e) {
                req.cancel();
                return Future.failedFuture(e);
              }
              req.timeout(timeoutMillis, TimeUnit.MILLISECONDS);
              req.end(request);
              return req.response();
            })
        .compose(
            resp ->
                resp.last()
                    .recover(
                        e ->
                            resp.status() != null && resp.status() != GrpcStatus.OK
                                ? Future.failedFuture(
                                    new StatusException(resp.status(), resp.statusMessage()))
                                : Future.failedFuture(e)));
  }

  /**
   * The reason when {@code e} is a refusal retrying cannot fix (UNAUTHENTICATED, PERMISSION_DENIED,
   * INVALID_ARGUMENT), else null.
   */
  public static String refusal(Throwable e) {
    GrpcStatus s = statusOf(e);
    if (s == GrpcStatus.UNAUTHENTICATED
        || s == GrpcStatus.PERMISSION_DENIED
        || s == GrpcStatus.INVALID_ARGUMENT) {
      return e.getMessage();
    }
    return null;
  }

  /** The status a failure carries, or null for transport failures (no answer at all). */
  public static GrpcStatus statusOf(Throwable e) {
    return e instanceof StatusException s ? s.status() : null;
  }
}
