package dev.skiff.proxy.internal;

import dev.skiff.proxy.BadRequestException;
import dev.skiff.proxy.HopByHop;
import dev.skiff.proxy.ProxyExchange;
import dev.skiff.proxy.Replayable;
import dev.skiff.proxy.UpstreamFailure;
import dev.skiff.proxy.UpstreamPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.impl.headers.HeadersAdaptor;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import java.util.Map;
import java.util.Set;

/**
 * One exchange over an {@link UpstreamChannel}: the request head encoded from the exchange's
 * upstream headers, the client's body streamed with back-pressure ({@link NettyBody}), the response
 * decoded by Netty and written to the Vert.x server response as it arrives, pausing the channel's
 * reads while the client's write queue is full. Informational (1xx) answers are skipped. Fails as
 * {@link dev.skiff.proxy.EndpointProxy}'s Vert.x path fails: the policy's {@link
 * UpstreamFailure#NO_RESPONSE} before a response head, {@link UpstreamFailure#RESPONSE_BROKE_OFF}
 * after, a {@link BadRequestException} when the client's body broke or stalled.
 */
public final class NettyCall {
  private final ProxyExchange x;
  private final UpstreamChannel up;
  private final Channel channel;
  private final UpstreamPolicy policy;
  private final Set<String> ownedResponseHeaders;
  private final Promise<Void> done;
  private final String host;
  private final String uri;
  private final long bodyTimeoutMillis;
  private final long connectTimeoutMillis;

  /** Whether this is the request's second attempt, on a new channel: there is no third. */
  private final boolean again;

  private NettyBody body;
  private boolean requestSent;
  private boolean headSeen;
  private boolean informational;

  /** Whether anything of a response (an informational one included) arrived. */
  private boolean heard;

  private boolean keepAlive;
  private boolean over;

  private NettyCall(
      ProxyExchange x,
      UpstreamChannel up,
      String host,
      String uri,
      long bodyTimeoutMillis,
      long connectTimeoutMillis,
      UpstreamPolicy policy,
      Set<String> ownedResponseHeaders,
      Promise<Void> done,
      boolean again) {
    this.x = x;
    this.up = up;
    this.channel = up.channel();
    this.host = host;
    this.uri = uri;
    this.bodyTimeoutMillis = bodyTimeoutMillis;
    this.connectTimeoutMillis = connectTimeoutMillis;
    this.policy = policy;
    this.ownedResponseHeaders = ownedResponseHeaders;
    this.done = done;
    this.again = again;
  }

  /** The second attempt of {@code first}'s request, on the new channel {@code fresh}. */
  private NettyCall(NettyCall first, UpstreamChannel fresh) {
    this(
        first.x,
        fresh,
        first.host,
        first.uri,
        first.bodyTimeoutMillis,
        first.connectTimeoutMillis,
        first.policy,
        first.ownedResponseHeaders,
        first.done,
        true);
  }

  /**
   * Sends {@code x}'s request on {@code up} with {@code host} as its Host and relays the answer;
   * completes {@code done} when the response has been relayed, or fails it. When {@code up} is a
   * kept-alive channel that its server closed as the request went out, before any answer, the
   * request goes again on a new channel (opened within {@code connectTimeoutMillis}) if it can be
   * sent again ({@link StaleConnections}), once.
   */
  public static void run(
      ProxyExchange x,
      UpstreamChannel up,
      String host,
      String uri,
      long bodyTimeoutMillis,
      long connectTimeoutMillis,
      UpstreamPolicy policy,
      Set<String> ownedResponseHeaders,
      Promise<Void> done) {
    new NettyCall(
            x,
            up,
            host,
            uri,
            bodyTimeoutMillis,
            connectTimeoutMillis,
            policy,
            ownedResponseHeaders,
            done,
            false)
        .start();
  }

  private void start() {
    up.attach(this);
    x.cancellation().onFailure(cause -> abandon());
    send();
  }

  private void send() {
    HttpServerRequest in = x.request();
    HttpHeaders headers = headersOf(x.upstreamHeaders());
    headers.set("host", host);
    HttpMethod method = HttpMethod.valueOf(in.method().name());
    String length = in.getHeader("content-length");
    boolean h2 = in.version() == io.vertx.core.http.HttpVersion.HTTP_2;
    if (length != null && length.trim().equals("0")
        || length == null && !h2 && !RequestBody.isChunked(in)
        // a second attempt of an HTTP/2 stream that ended without a body
        || length == null && h2 && in.isEnded() && in.bytesRead() == 0) {
      if (!in.isEnded()) {
        in.resume(); // no body (RFC 9112 6.3); a second attempt's request ended with the first
      }
      sendWithoutBody(method, uri, headers);
      return;
    }
    boolean chunked = length == null;
    if (chunked) {
      headers.set("transfer-encoding", "chunked");
    }
    DefaultHttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri, headers);
    body = new NettyBody(channel, new ClientBody(in, x.context().owner(), bodyTimeoutMillis));
    if (!h2 || !chunked) {
      channel.write(head);
      body.stream(null).onComplete(ar -> bodyOver(ar.failed() ? ar.cause() : null));
      return;
    }
    // HTTP/2 without content-length: only the stream itself says whether a body follows.
    RequestBody.firstChunk(in)
        .onComplete(
            first -> {
              if (over) {
                return;
              }
              if (first.failed()) {
                bodyOver(first.cause());
                return;
              }
              if (first.result() == null) {
                headers.remove("transfer-encoding");
                sendWithoutBody(method, uri, headers);
                return;
              }
              channel.write(head);
              body.stream(first.result())
                  .onComplete(ar -> bodyOver(ar.failed() ? ar.cause() : null));
            });
  }

  /** The whole request at once: its head, and no body. */
  private void sendWithoutBody(HttpMethod method, String uri, HttpHeaders headers) {
    requestSent = true;
    channel.writeAndFlush(
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1,
            method,
            uri,
            Unpooled.EMPTY_BUFFER,
            headers,
            EmptyHttpHeaders.INSTANCE));
  }

  /**
   * The exchange's upstream headers as Netty's (Vert.x's HTTP/1.x header map is one, validated as
   * its values were set; the forwarding stages set it afresh for each attempt).
   */
  private static HttpHeaders headersOf(MultiMap m) {
    if (m instanceof HttpHeaders netty) {
      return netty;
    }
    HttpHeaders out = new DefaultHttpHeaders();
    for (Map.Entry<String, String> h : m) {
      out.add(h.getKey(), h.getValue());
    }
    return out;
  }

  private void bodyOver(Throwable failure) {
    if (failure == null) {
      requestSent = true;
      return;
    }
    if (over) {
      return;
    }
    BadRequestException clients = body.failure();
    if (clients != null) {
      end(clients, false);
      return;
    }
    Throwable why = unanswered(failure);
    if (why != null) {
      end(policy.failed(UpstreamFailure.NO_RESPONSE, why), false);
    }
  }

  /** What the channel's response decoder produced. */
  void received(Object msg) {
    heard = true;
    try {
      if (over) {
        return;
      }
      if (msg instanceof HttpResponse r) {
        head(r);
      }
      if (!over && msg instanceof HttpContent c) {
        content(c);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void head(HttpResponse r) {
    if (r.decoderResult().isFailure()) {
      end(policy.failed(UpstreamFailure.NO_RESPONSE, r.decoderResult().cause()), false);
      return;
    }
    int status = r.status().code();
    if (status < 200) {
      if (status == 101) {
        end(
            policy.failed(
                UpstreamFailure.NO_RESPONSE,
                new IllegalStateException("the endpoint switched protocols unasked")),
            false);
        return;
      }
      informational = true; // 100, 103: the final answer follows
      return;
    }
    headSeen = true;
    keepAlive = HttpUtil.isKeepAlive(r);
    HttpServerResponse out = x.response();
    out.setStatusCode(status);
    HopByHop.copy(new HeadersAdaptor(r.headers()), out.headers(), ownedResponseHeaders);
    if (needsChunking(status, r.headers())) {
      out.setChunked(true);
    }
  }

  private void content(HttpContent c) {
    if (c.decoderResult().isFailure()) {
      end(
          policy.failed(
              headSeen ? UpstreamFailure.RESPONSE_BROKE_OFF : UpstreamFailure.NO_RESPONSE,
              c.decoderResult().cause()),
          false);
      return;
    }
    if (informational) {
      if (c instanceof LastHttpContent) {
        informational = false;
      }
      return;
    }
    HttpServerResponse out = x.response();
    if (c instanceof LastHttpContent last && !out.headWritten()) {
      // The whole answer arrived with its head (a short body, nearly every response): one
      // message to the client's connection, the head and body encoded and flushed together.
      last(last, out, c.content().isReadable() ? c.content() : null);
      return;
    }
    if (c.content().isReadable()) {
      // safeBuffer takes the reference it is given (a pooled buffer is copied and released).
      out.write(BufferInternal.safeBuffer(c.content().retain()));
      if (out.writeQueueFull()) {
        channel.config().setAutoRead(false);
        out.drainHandler(
            v -> {
              channel.config().setAutoRead(true);
              channel.read();
            });
      }
    }
    if (c instanceof LastHttpContent last) {
      last(last, out, null);
    }
  }

  /** Ends the response, with {@code body} (null: none left) and the upstream's trailers. */
  private void last(LastHttpContent last, HttpServerResponse out, ByteBuf body) {
    if (!last.trailingHeaders().isEmpty()) {
      HopByHop.copy(new HeadersAdaptor(last.trailingHeaders()), out.trailers(), Set.of());
    }
    boolean reusable = keepAlive && requestSent;
    over = true;
    channel.config().setAutoRead(true);
    up.detach(reusable);
    (body == null ? out.end() : out.end(BufferInternal.safeBuffer(body.retain())))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                done.tryFail(policy.failed(UpstreamFailure.RESPONSE_BROKE_OFF, ar.cause()));
              } else {
                done.tryComplete();
              }
            });
  }

  private boolean needsChunking(int status, HttpHeaders headers) {
    return x.request().version() == io.vertx.core.http.HttpVersion.HTTP_1_1
        && !headers.contains("content-length")
        && status != 204
        && status != 304
        && !x.request().method().name().equals("HEAD");
  }

  /** The channel wants more of the request body. */
  void writable() {
    if (body != null) {
      body.drained();
    }
  }

  /** The channel closed ({@code cause} null) or failed while this exchange had it. */
  void broke(Throwable cause) {
    if (over) {
      return;
    }
    Throwable why = cause != null ? cause : new HttpClosedException("Connection was closed");
    if (headSeen) {
      end(policy.failed(UpstreamFailure.RESPONSE_BROKE_OFF, why), false);
      return;
    }
    why = unanswered(why);
    if (why != null) {
      end(policy.failed(UpstreamFailure.NO_RESPONSE, why), false);
    }
  }

  /**
   * The request went out and no answer came, for {@code why}: null when it goes again on a new
   * channel (a kept-alive one its server closed as the request went out, and a request that can be
   * sent again), else what it fails with.
   */
  private Throwable unanswered(Throwable why) {
    if (again
        || heard
        || !up.reused()
        || x.cancellation().isComplete()
        || !StaleConnections.closedByPeer(why)) {
      return why;
    }
    if (!Replayable.request(x.request())) {
      return StaleConnections.notSentAgain(why);
    }
    over = true;
    channel.config().setAutoRead(true);
    up.detach(false);
    up.reopen((ContextInternal) x.context(), connectTimeoutMillis)
        .onComplete(
            opened -> {
              if (opened.failed()) {
                // The first attempt was sent: never "nothing sent" now.
                done.tryFail(policy.failed(UpstreamFailure.NO_RESPONSE, opened.cause()));
                return;
              }
              UpstreamChannel fresh = opened.result();
              if (done.future().isComplete()) {
                fresh.release(); // abandoned while connecting; nothing was written
                return;
              }
              RuntimeException refused = policy.commit();
              if (refused != null) {
                fresh.release();
                done.tryFail(refused);
                return;
              }
              new NettyCall(this, fresh).start();
            });
    return null;
  }

  /** The exchange was cancelled: the channel goes, whatever it was doing. */
  private void abandon() {
    if (!over) {
      over = true;
      up.detach(false);
    }
  }

  private void end(RuntimeException failure, boolean reusable) {
    over = true;
    channel.config().setAutoRead(true);
    up.detach(reusable);
    done.tryFail(failure);
  }
}
