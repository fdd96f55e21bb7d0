package dev.skiff.proxy.internal;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * The places the proxy reaches below Vert.x's public API into a connection's Netty pipeline, kept
 * together so a Vert.x upgrade that moves them breaks here (and in the tests of lenient upstreams
 * and header timeouts), nowhere else. Vert.x offers no option for either.
 */
public final class Channels {
  private static final String CODEC = "codec";
  private static final String HTTP_ENCODER = "httpEncoder";

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

  private static ChannelPipeline pipeline(HttpConnection conn) {
    return conn instanceof ConnectionBase c ? c.channel().pipeline() : null;
  }
}
