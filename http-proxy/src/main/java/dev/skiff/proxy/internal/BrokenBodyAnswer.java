package dev.skiff.proxy.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * Answers a request whose body the decoder could not parse (a chunk size that overflows, a chunk
 * header that is not hexadecimal) with 400 and closes the connection. Vert.x would close it without
 * a word, and the proxy above would only see a client gone. Sits between Netty's HTTP codec and
 * Vert.x; answers only while no response has begun on the connection.
 */
final class BrokenBodyAnswer extends ChannelDuplexHandler {
  private boolean responding;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpContent content
        && !(msg instanceof HttpRequest)
        && content.decoderResult().isFailure()
        && !responding) {
      String cause = String.valueOf(content.decoderResult().cause().getMessage());
      ReferenceCountUtil.release(msg);
      ctx.writeAndFlush(badRequest(cause)).addListener(ChannelFutureListener.CLOSE);
      responding = true;
      return;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof HttpResponse) {
      responding = true;
    }
    if (msg instanceof LastHttpContent) {
      responding = false;
    }
    ctx.write(msg, promise);
  }

  private static FullHttpResponse badRequest(String cause) {
    String body =
        new io.vertx.core.json.JsonObject()
            .put("error", "the request body could not be read: " + cause)
            .put(
                "hint",
                "send a well-formed body: chunk sizes in hexadecimal that fit, or an exact"
                    + " Content-Length")
            .encode();
    FullHttpResponse res =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.BAD_REQUEST,
            Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    res.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "application/json")
        .set(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes())
        .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
        .set(HttpHeaderNames.CONNECTION, "close");
    return res;
  }
}
