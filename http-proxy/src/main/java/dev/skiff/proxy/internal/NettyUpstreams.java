package dev.skiff.proxy.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One event loop's kept-alive plaintext HTTP/1.1 channels to upstream endpoints, made and used at
 * the Netty level on the calling request's own event loop: no Vert.x client request, response,
 * context or lease per request. A request takes the most recently released channel to its endpoint,
 * or opens one; beyond {@code maxPerEndpoint} open channels it gets none ({@link #take} answers
 * null) and the caller uses its other path, so nothing waits here. A channel goes back only after
 * an exchange that ended well and whose response let it stay open; one unused for a minute is
 * closed when its endpoint is next called, as {@link LoopConnections}' are. Confined to one event
 * loop: every method runs on it.
 *
 * <p>Responses are parsed by Netty's {@link HttpClientCodec} with the limits and the lenient line
 * ends of the Vert.x client's connections ({@link Channels#lenientResponses}).
 */
public final class NettyUpstreams {
  static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final int maxPerEndpoint;
  private final Map<String, Endpoint> endpoints = new HashMap<>();

  /** The endpoint called last: the next call is most often to it again (no key to build). */
  private Endpoint last;

  public NettyUpstreams(int maxPerEndpoint) {
    this.maxPerEndpoint = maxPerEndpoint;
  }

  /**
   * A channel to {@code host:port} on {@code context}'s event loop, kept or new; null when the
   * endpoint has its maximum of open channels already. Fails when no connection can be made.
   */
  public Future<UpstreamChannel> take(
      ContextInternal context, String host, int port, long connectTimeoutMillis) {
    Endpoint ep = last;
    if (ep == null || ep.port != port || !ep.host.equals(host)) {
      String key = host + ':' + port;
      ep = endpoints.get(key);
      if (ep == null) {
        ep = new Endpoint(key, host, port);
        endpoints.put(key, ep);
      }
      last = ep;
    }
    long now = System.nanoTime();
    for (UpstreamChannel oldest = ep.idle.peekFirst();
        oldest != null && now - oldest.idleSince > IDLE_NANOS;
        oldest = ep.idle.peekFirst()) {
      ep.idle.pollFirst();
      oldest.channel().close();
    }
    for (UpstreamChannel kept = ep.idle.pollLast(); kept != null; kept = ep.idle.pollLast()) {
      if (kept.channel().isActive()) {
        return context.succeededFuture(kept);
      }
    }
    if (ep.open >= maxPerEndpoint) {
      forgetIfUnused(ep);
      return null;
    }
    return open(context, ep, connectTimeoutMillis);
  }

  /**
   * A new channel to {@code ep} for a request whose kept channel its server closed as the request
   * went out: opened whatever the limit (the closed one left room), with the endpoint back in the
   * map if it was forgotten meanwhile, so the new channel is kept for the calls that follow.
   */
  Future<UpstreamChannel> reopen(ContextInternal context, Endpoint ep, long connectTimeoutMillis) {
    Endpoint current = endpoints.get(ep.key);
    if (current == null) {
      endpoints.put(ep.key, ep);
      current = ep;
    }
    return open(context, current, connectTimeoutMillis);
  }

  private Future<UpstreamChannel> open(
      ContextInternal context, Endpoint ep, long connectTimeoutMillis) {
    ep.open++;
    Promise<UpstreamChannel> opened = context.promise();
    UpstreamChannel handler = new UpstreamChannel(this, ep);
    VertxInternal vertx = context.owner();
    Bootstrap b =
        new Bootstrap()
            .group(context.nettyEventLoop())
            .channelFactory(vertx.transport().channelFactory(false))
            .option(ChannelOption.TCP_NODELAY, true)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(connectTimeoutMillis, Integer.MAX_VALUE))
            .handler(
                new io.netty.channel.ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast("codec", new HttpClientCodec(decoderConfig(), false, false));
                    ch.pipeline().addLast("skiffUpstream", handler);
                  }
                });
    ChannelFuture connect = b.connect(ep.host, ep.port);
    connect.addListener(
        f -> {
          if (f.isSuccess()) {
            opened.complete(handler);
          } else {
            closed(ep);
            opened.fail(f.cause());
          }
        });
    return opened.future();
  }

  /** The Vert.x client's response limits, and bare LF line ends accepted. */
  private static HttpDecoderConfig decoderConfig() {
    return new HttpDecoderConfig()
        .setMaxInitialLineLength(4096)
        .setMaxHeaderSize(8192)
        .setMaxChunkSize(8192)
        .setStrictLineParsing(false);
  }

  /** Takes back a channel whose exchange ended well and that may stay open. */
  void release(Endpoint ep, UpstreamChannel ch) {
    if (!ch.channel().isActive()) {
      return;
    }
    ch.idleSince = System.nanoTime();
    ep.idle.addLast(ch);
  }

  /** A channel of {@code ep} closed (or never connected). */
  void closed(Endpoint ep) {
    ep.open--;
    forgetIfUnused(ep);
  }

  void removeIdle(Endpoint ep, UpstreamChannel ch) {
    ep.idle.remove(ch);
  }

  private void forgetIfUnused(Endpoint ep) {
    if (ep.open <= 0 && endpoints.get(ep.key) == ep) {
      endpoints.remove(ep.key);
      if (last == ep) {
        last = null;
      }
    }
  }

  /** One endpoint's channels: how many are open, and those free for the next request. */
  static final class Endpoint {
    final String key;
    final String host;
    final int port;
    final ArrayDeque<UpstreamChannel> idle = new ArrayDeque<>();
    int open;

    Endpoint(String key, String host, int port) {
      this.key = key;
      this.host = host;
      this.port = port;
    }
  }
}
