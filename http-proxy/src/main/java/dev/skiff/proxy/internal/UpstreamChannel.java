package dev.skiff.proxy.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;

/**
 * One kept-alive upstream channel of {@link NettyUpstreams}, and the end of its pipeline: hands
 * what the response decoder produces, the channel's writability and its close to the exchange in
 * progress ({@link NettyCall}); while idle, drops what arrives (a server may not answer unasked)
 * and leaves its endpoint's pool when closed.
 */
public final class UpstreamChannel extends ChannelInboundHandlerAdapter {
  private final NettyUpstreams pool;
  private final NettyUpstreams.Endpoint endpoint;
  private Channel channel;
  private NettyCall call;
  private boolean active;
  long idleSince;

  /** Whether it went back to the pool after an exchange: a kept-alive channel. */
  private boolean reused;

  UpstreamChannel(NettyUpstreams pool, NettyUpstreams.Endpoint endpoint) {
    this.pool = pool;
    this.endpoint = endpoint;
  }

  public Channel channel() {
    return channel;
  }

  /** Gives back a channel taken but not used: nothing was written on it. */
  public void release() {
    call = null;
    pool.release(endpoint, this); // not reused by that: nothing of an exchange happened on it
  }

  /** Whether an exchange ended well on it before: its server kept it open for more. */
  boolean reused() {
    return reused;
  }

  /** A new channel to this one's endpoint, for a request this one's server closed on. */
  Future<UpstreamChannel> reopen(ContextInternal context, long connectTimeoutMillis) {
    return pool.reopen(context, endpoint, connectTimeoutMillis);
  }

  /** The exchange that uses this channel from now on. */
  void attach(NettyCall call) {
    this.call = call;
  }

  /**
   * Ends the exchange's use: back to the pool when {@code reusable} (the exchange ended well and
   * its server kept the channel open), else closed.
   */
  void detach(boolean reusable) {
    call = null;
    if (reusable) {
      reused = true;
      pool.release(endpoint, this);
    } else {
      channel.close();
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    active = true;
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    NettyCall c = call;
    if (c == null) {
      ReferenceCountUtil.release(msg);
      ctx.close(); // an answer nobody asked for: the channel's framing can no longer be trusted
      return;
    }
    c.received(msg);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    NettyCall c = call;
    if (c != null && ctx.channel().isWritable()) {
      c.writable();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    NettyCall c = call;
    ctx.close();
    if (c != null) {
      c.broke(cause);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (active) {
      active = false;
      pool.removeIdle(endpoint, this);
      pool.closed(endpoint);
    }
    NettyCall c = call;
    call = null;
    if (c != null) {
      c.broke(null);
    }
  }
}
