package dev.skiff.controlplane.internal.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.validation.FieldError;
import dev.skiff.api.validation.ValidationException;
import dev.skiff.controlplane.BadRequestException;
import dev.skiff.controlplane.CompactedException;
import dev.skiff.controlplane.ConflictException;
import dev.skiff.controlplane.ControlPlaneException;
import dev.skiff.controlplane.ForbiddenException;
import dev.skiff.controlplane.InvalidResourceException;
import dev.skiff.controlplane.MisdirectedRequestException;
import dev.skiff.controlplane.NotFoundException;
import dev.skiff.controlplane.PayloadTooLargeException;
import dev.skiff.controlplane.SlicedBody;
import dev.skiff.controlplane.StoreClosedException;
import dev.skiff.controlplane.UnauthorizedException;
import dev.skiff.controlplane.UnsupportedMediaTypeException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes answers. This is the one place that maps outcomes to HTTP statuses and error bodies {@code
 * {"error", "details": [{field, message, hint}], "hint"}}.
 */
final class Replies {
  private static final System.Logger LOG = System.getLogger(Replies.class.getName());
  private static final long LINGER_MILLIS = 10_000;
  private static final String FIX_FIELDS =
      "fix the fields listed in details and send the manifest again";

  /** The JSON error body. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record ErrorBody(String error, List<FieldError> details, String hint) {}

  private Replies() {}

  static void send(RoutingContext ctx, Reply reply) {
    var resp =
        ctx.response().setStatusCode(reply.status()).putHeader("Content-Type", reply.contentType());
    if (reply.body() instanceof Path file) {
      resp.sendFile(file.toString());
    } else if (reply.body() instanceof String text
        && !reply.contentType().equals("application/json")) {
      SlicedBody.end(resp, ctx.request().version(), Buffer.buffer(text));
    } else {
      SlicedBody.end(resp, ctx.request().version(), Buffer.buffer(Json.write(reply.body())));
    }
  }

  /** The HTTP status for an outcome. */
  static int status(Throwable t) {
    if (t instanceof BadRequestException) {
      return 400;
    } else if (t instanceof UnauthorizedException) {
      return 401;
    } else if (t instanceof ForbiddenException) {
      return 403;
    } else if (t instanceof UnsupportedMediaTypeException) {
      return 415;
    } else if (t instanceof MisdirectedRequestException) {
      return 421;
    } else if (t instanceof NotFoundException) {
      return 404;
    } else if (t instanceof ConflictException) {
      return 409;
    } else if (t instanceof CompactedException) {
      return 410;
    } else if (t instanceof PayloadTooLargeException) {
      return 413;
    } else if (t instanceof InvalidResourceException || t instanceof ValidationException) {
      return 422;
    } else if (t instanceof StoreClosedException) {
      return 503;
    }
    return 500;
  }

  static void failure(RoutingContext ctx, Throwable t) {
    int status = status(t);
    ErrorBody body;
    if (t instanceof ControlPlaneException e) {
      body =
          new ErrorBody(e.getMessage(), e.details(), e.details().isEmpty() ? e.hint() : FIX_FIELDS);
    } else if (t instanceof ValidationException e) {
      body = new ErrorBody(e.getMessage(), e.errors(), FIX_FIELDS);
    } else {
      LOG.log(
          System.Logger.Level.ERROR,
          ctx.request().method() + " " + ctx.request().path() + " failed",
          t);
      body = new ErrorBody("internal error: " + t, List.of(), "see the control plane's log");
    }
    if (status >= 500 && t instanceof ControlPlaneException) {
      LOG.log(
          System.Logger.Level.WARNING,
          ctx.request().method() + " " + ctx.request().path() + ": " + t,
          t);
    }
    if (status == 401) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"skiff\"");
    }
    send(ctx, status, body, status == 413);
  }

  /** A failure that Vert.x Web reports by status alone: no route, wrong method, a handler crash. */
  static void failure(RoutingContext ctx, int status) {
    ErrorBody body =
        switch (status) {
          case 404 ->
              new ErrorBody(
                  "no route " + ctx.request().method() + " " + ctx.request().path(),
                  List.of(),
                  "the API is described in docs/rest-api.md; paths start with /v1/");
          case 405 ->
              new ErrorBody(
                  "method " + ctx.request().method() + " is not allowed on " + ctx.request().path(),
                  List.of(),
                  "see docs/rest-api.md for the methods each path takes");
          default -> new ErrorBody("request failed with status " + status, List.of(), null);
        };
    send(ctx, status, body, false);
  }

  private static void send(RoutingContext ctx, int status, ErrorBody body, boolean close) {
    var resp = ctx.response();
    if (resp.headWritten()) {
      resp.reset();
      return;
    }
    resp.setStatusCode(status).putHeader("Content-Type", "application/json");
    if (close && ctx.request().version() != HttpVersion.HTTP_2) {
      lingeringClose(ctx);
    }
    resp.end(Json.write(body));
  }

  /**
   * After refusing an oversized HTTP/1.1 body: answer with {@code Connection: close}, discard
   * (never buffer) what the client still sends, and close once it is done or after a grace period.
   * Closing at once would make the client's next write fail with a reset that can destroy our
   * answer before it reads it. (HTTP/2 needs none of this: ending the response resets just the
   * stream.)
   */
  private static void lingeringClose(RoutingContext ctx) {
    var req = ctx.request();
    var conn = req.connection();
    ctx.response().putHeader("Connection", "close");
    if (req.isEnded()) {
      ctx.response().endHandler(v -> conn.close());
      return;
    }
    long timer = ctx.vertx().setTimer(LINGER_MILLIS, t -> conn.close());
    req.handler(chunk -> {});
    req.endHandler(
        v -> {
          ctx.vertx().cancelTimer(timer);
          conn.close();
        });
    req.resume();
  }
}
