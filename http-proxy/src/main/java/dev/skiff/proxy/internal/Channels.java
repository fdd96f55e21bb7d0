package dev.skiff.proxy.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.ServerChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.impl.UnpooledHttpClientConnection;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.net.NetServerInternal;
import io.vertx.core.net.impl.ConnectionBase;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Predicate;

/**
 * The places the proxy reaches below Vert.x's public API into a connection's Netty pipeline, kept
 * together so a Vert.x upgrade that moves them breaks here (and in the tests of lenient upstreams,
 * header timeouts and silent connections), nowhere else. Vert.x offers no option for any of them.
 */
public final class Channels {
  private static final String CODEC = "codec";
  private static final String HTTP_ENCODER = "httpEncoder";
  private static final String ACCEPT_GATE = "skiffAcceptGate";

  /** Set on a listening socket once its accept gate is in place; read from any thread. */
  private static final AttributeKey<Boolean> GATED = AttributeKey.valueOf("skiffAcceptGated");

  private Channels() {}

  /**
   * Lets an upstream connection's response decoder accept header lines ended by a bare LF (busybox
   * httpd's CGI, among others), as curl, nginx and browsers do. Netty 4.2 refuses them by default,
   * and its switch ({@code io.netty.handler.codec.http.defaultStrictLineParsing}) is JVM-wide,
   * which would loosen the parsing of client requests too. Call from the client's connect handler,
   * before the first request goes out.
   */
  public static void lenientResponses(HttpConnection conn) {
    ChannelPipeline pipeline = pipeline(conn);
    if (pipeline == null || !(pipeline.get(CODEC) instanceof HttpClientCodec)) {
      return;
    }
    HttpDecoderConfig config =
        new HttpDecoderConfig()
            .setMaxInitialLineLength(4096)
            .setMaxHeaderSize(8192)
            .setMaxChunkSize(8192)
            .setStrictLineParsing(false);
    pipeline.replace(CODEC, CODEC, new HttpClientCodec(config, false, false));
  }

  /**
   * Takes away the whole-connection idle timer Vert.x started when the connection was accepted:
   * once a connection has identified itself as HTTP, the {@link dev.skiff.proxy.ConnectionGuard}
   * times it instead, and only while no request is in flight (a request may wait for a cold start
   * far longer than any idle limit).
   */
  public static void stopAcceptTimer(HttpConnection conn) {
    ChannelPipeline pipeline = pipeline(conn);
    if (pipeline == null) {
      return;
    }
    ChannelHandler idle = pipeline.get(IdleStateHandler.class);
    if (idle != null) {
      pipeline.remove(idle);
    }
  }

  /**
   * Puts {@link BrokenBodyAnswer} between a server connection's HTTP/1 codec and Vert.x, so a body
   * Netty cannot decode gets 400 instead of a silently closed connection. Call from the server's
   * connection handler.
   */
  public static void answerBrokenBodies(HttpConnection conn) {
    ChannelPipeline pipeline = pipeline(conn);
    if (pipeline == null
        || pipeline.get(HTTP_ENCODER) == null
        || pipeline.get(BrokenBodyAnswer.class) != null) {
      return;
    }
    pipeline.addAfter(HTTP_ENCODER, "skiffBrokenBody", new BrokenBodyAnswer());
  }

  /**
   * Puts {@code admit} in front of every connection the server listening on {@code port} accepts,
   * before the connection is registered or has sent a byte (Vert.x announces an HTTP connection
   * only once its first bytes arrived, to tell HTTP/1.1 from h2c): a connection it refuses is
   * closed at once; one it admits goes on to Vert.x untouched. Call once the server listens; the
   * servers sharing that port (one per event loop) share one gate, installed by the first call.
   *
   * <p>The gate is added on the listening socket's own event loop: a handler added from another
   * thread is skipped by the pipeline until that loop has run its set-up, so a connection accepted
   * meanwhile would go uncounted.
   *
   * @return false at once when Vert.x keeps no listening socket for {@code port} where this looks:
   *     a server bound to port 0 (never shared); {@link #gateAccepts(HttpConnection, Predicate)}
   *     then installs the gate from its first connection. Otherwise true once the gate is in place,
   *     completed on the calling context: every connection accepted from then on passes it.
   */
  public static Future<Boolean> gateAccepts(Vertx vertx, int port, Predicate<Channel> admit) {
    List<ServerChannel> listeners = listeners(vertx, port);
    if (listeners.isEmpty()) {
      return Future.succeededFuture(false);
    }
    ContextInternal context = ((VertxInternal) vertx).getOrCreateContext();
    List<Future<Void>> gates = new ArrayList<>();
    for (ServerChannel l : listeners) {
      Promise<Void> installed = context.promise();
      gate(l, admit, installed);
      gates.add(installed.future());
    }
    return Future.all(gates).map(true);
  }

  /**
   * Puts {@code admit} in front of the connections accepted from now on by the listening socket
   * {@code conn} came through, unless it is there already. See {@link #gateAccepts(Vertx, int,
   * Predicate)}.
   */
  public static void gateAccepts(HttpConnection conn, Predicate<Channel> admit) {
    if (conn instanceof ConnectionBase c && c.channel().parent() instanceof ServerChannel l) {
      gate(l, admit, Promise.promise());
    }
  }

  private static void gate(ServerChannel listener, Predicate<Channel> admit, Promise<Void> done) {
    // Every new connection asks (see gateAccepts(HttpConnection, ..)): once the gate is in, the
    // answer needs no task on the listener's loop, whose wake-up would compete for a core with
    // the connection's first request.
    if (Boolean.TRUE.equals(listener.attr(GATED).get())) {
      done.tryComplete();
      return;
    }
    EventLoop loop = listener.eventLoop();
    Runnable install =
        () -> {
          ChannelPipeline pipeline = listener.pipeline();
          if (pipeline.get(ACCEPT_GATE) == null) {
            pipeline.addFirst(ACCEPT_GATE, new AcceptGate(admit));
          }
          listener.attr(GATED).set(true);
          done.tryComplete();
        };
    if (loop.inEventLoop()) {
      install.run();
      return;
    }
    try {
      loop.execute(install);
    } catch (RejectedExecutionException e) {
      done.tryFail(e); // the listener's loop is shutting down
    }
  }

  private static List<ServerChannel> listeners(Vertx vertx, int port) {
    if (!(vertx instanceof VertxInternal internal)) {
      throw new IllegalStateException(
          "cannot reach the listening sockets of " + vertx.getClass().getName());
    }
    Map<?, NetServerInternal> shared = internal.sharedTcpServers();
    List<NetServerInternal> servers;
    synchronized (shared) {
      servers = new ArrayList<>(shared.values());
    }
    Set<ServerChannel> found = Collections.newSetFromMap(new IdentityHashMap<>());
    for (NetServerInternal server : servers) {
      if (server.actualPort() == port && boundChannel(server) instanceof ServerChannel ch) {
        found.add(ch);
      }
    }
    return new ArrayList<>(found);
  }

  private static Channel boundChannel(NetServerInternal server) {
    try {
      Field bind = server.getClass().getDeclaredField("bindFuture");
      bind.setAccessible(true);
      return bind.get(server) instanceof Future<?> f && f.result() instanceof Channel ch
          ? ch
          : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot reach the listening socket of "
              + server.getClass().getName()
              + " (has Vert.x changed? see Channels.gateAccepts): "
              + e,
          e);
    }
  }

  private static ChannelPipeline pipeline(HttpConnection conn) {
    // A connection from HttpClientAgent.connect wraps the one with the channel.
    HttpConnection actual = conn instanceof UnpooledHttpClientConnection u ? u.unwrap() : conn;
    return actual instanceof ConnectionBase c ? c.channel().pipeline() : null;
  }
}
