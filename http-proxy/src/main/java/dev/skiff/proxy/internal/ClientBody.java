package dev.skiff.proxy.internal;

import dev.skiff.proxy.BadRequestException;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.ReadStream;

/**
 * A client's request body as the proxy reads it: the request's stream, with a read timeout (like
 * nginx's {@code client_body_timeout}) that runs only while the proxy wants data, never while it
 * holds the body back (queueing, back-pressure from the upstream), and with every failure of the
 * stream named as the client's ({@link BadRequestException}): a body that cannot be decoded or that
 * stalls is the client's fault, never the upstream's.
 */
final class ClientBody implements ReadStream<Buffer> {
  private final HttpServerRequest in;
  private final Vertx vertx;
  private final long timeoutMillis;
  private Handler<Throwable> exceptionHandler;
  private long timer = -1;
  private boolean over;
  private BadRequestException failure;

  ClientBody(HttpServerRequest in, Vertx vertx, long timeoutMillis) {
    this.in = in;
    this.vertx = vertx;
    this.timeoutMillis = timeoutMillis;
  }

  /** Why the body failed; null while it has not. */
  BadRequestException failure() {
    return failure;
  }

  @Override
  public ClientBody exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    in.exceptionHandler(handler == null ? null : err -> fail(broken(err)));
    return this;
  }

  @Override
  public ClientBody handler(Handler<Buffer> handler) {
    in.handler(
        handler == null
            ? null
            : chunk -> {
              arm();
              handler.handle(chunk);
            });
    return this;
  }

  @Override
  public ClientBody pause() {
    disarm();
    in.pause();
    return this;
  }

  @Override
  public ClientBody resume() {
    arm();
    in.resume();
    return this;
  }

  @Override
  public ClientBody fetch(long amount) {
    arm();
    in.fetch(amount);
    return this;
  }

  @Override
  public ClientBody endHandler(Handler<Void> handler) {
    in.endHandler(
        v -> {
          over = true;
          disarm();
          if (handler != null) {
            handler.handle(v);
          }
        });
    return this;
  }

  private void arm() {
    disarm();
    if (!over) {
      timer = vertx.setTimer(timeoutMillis, id -> stalled());
    }
  }

  private void disarm() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void stalled() {
    timer = -1;
    fail(
        new BadRequestException(
            408,
            "the request body stalled: no bytes for " + timeoutMillis + " ms",
            "send the body without pauses longer than the gateway's body read timeout",
            null));
  }

  private void fail(BadRequestException err) {
    if (over) {
      return;
    }
    over = true;
    disarm();
    failure = err;
    in.pause();
    if (exceptionHandler != null) {
      exceptionHandler.handle(err);
    }
  }

  private static BadRequestException broken(Throwable err) {
    return new BadRequestException(
        400,
        "the request body could not be read: " + err.getMessage(),
        "send a well-formed body: chunk sizes in hexadecimal that fit, or an exact Content-Length",
        err);
  }
}
