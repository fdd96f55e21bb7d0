package dev.skiff.proxy.internal;

import dev.skiff.proxy.BadRequestException;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.streams.WriteStream;

/**
 * The client's request body on its way into an upstream channel: a pipe from the {@link ClientBody}
 * (its read timeout, its failures named as the client's) into the channel, pausing the client while
 * the channel's outbound buffer is above its high-water mark. The request head must have been
 * written before; the body ends with the last (empty) chunk, which the channel's encoder turns into
 * the chunked terminator or nothing.
 */
final class NettyBody implements WriteStream<Buffer> {
  /** What writing on a closed channel fails with; a close, as {@link StaleConnections} reads it. */
  private static final HttpClosedException CLOSED =
      new HttpClosedException("the upstream connection closed");

  private final Channel channel;
  private final ClientBody in;
  private Handler<Void> drainHandler;

  NettyBody(Channel channel, ClientBody in) {
    this.channel = channel;
    this.in = in;
  }

  /** Streams the body, {@code first} (when not null) ahead of the rest; completes once all went. */
  Future<Void> stream(Buffer first) {
    if (first != null) {
      write(first);
    }
    return in.pipe().endOnFailure(false).to(this);
  }

  /** Why the client's body failed; null while it has not. */
  BadRequestException failure() {
    return in.failure();
  }

  /** The channel can take more. */
  void drained() {
    Handler<Void> h = drainHandler;
    if (h != null) {
      drainHandler = null;
      h.handle(null);
    }
  }

  @Override
  public Future<Void> write(Buffer data) {
    if (!channel.isActive()) {
      return Future.failedFuture(CLOSED);
    }
    channel.writeAndFlush(new DefaultHttpContent(((BufferInternal) data).getByteBuf()));
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> end() {
    if (!channel.isActive()) {
      return Future.failedFuture(CLOSED);
    }
    Promise<Void> sent = Promise.promise();
    channel
        .writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                sent.tryComplete();
              } else {
                sent.tryFail(f.cause());
              }
            });
    return sent.future();
  }

  @Override
  public NettyBody exceptionHandler(Handler<Throwable> handler) {
    return this;
  }

  @Override
  public NettyBody setWriteQueueMaxSize(int maxSize) {
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return !channel.isWritable();
  }

  @Override
  public NettyBody drainHandler(Handler<Void> handler) {
    this.drainHandler = handler;
    return this;
  }
}
