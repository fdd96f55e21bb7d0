package dev.skiff.meshproxy.internal;

import dev.skiff.proxy.WholeBodyRequest;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.DecoderResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpFrame;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.StreamPriority;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.util.Set;
import javax.net.ssl.SSLSession;

/**
 * A whole request handed to a sidecar in this process, without a connection: what the sidecar's
 * pipeline and an in-process workload (a Wasm instance's handler) read of a request, with the body
 * in memory. The body is delivered, once, after the first {@link #resume()} (on the request's
 * context, never inside the call), unless the workload took it whole first ({@link #takeBody()}).
 * What a request without a connection cannot have (a socket, TLS, upgrades, forms) is refused with
 * {@link UnsupportedOperationException}. Confined to one event loop.
 */
public final class LocalRequest implements HttpServerRequest, WholeBodyRequest {
  private final Context context;
  private final HttpMethod method;
  private final String uri;
  private final String path;
  private final String query;
  private final HostAndPort authority;
  private final MultiMap headers;
  private final byte[] bytes;
  private final Buffer body;
  private final LocalResponse response;
  private Handler<Buffer> dataHandler;
  private Handler<Void> endHandler;
  private boolean paused = true;
  private boolean delivered;
  private boolean ended;

  /**
   * @param uri the origin form ({@code /path?query})
   * @param headers the request's headers ({@code Host} included); kept, not copied
   * @param body the body; kept, not copied (the workload only reads it)
   * @param maxResponseBytes the largest response body accepted (larger fails the response)
   */
  public LocalRequest(
      Context context,
      HttpMethod method,
      String uri,
      HostAndPort authority,
      MultiMap headers,
      byte[] body,
      long maxResponseBytes) {
    this.context = context;
    this.method = method;
    this.uri = uri;
    int q = uri.indexOf('?');
    this.path = q < 0 ? uri : uri.substring(0, q);
    this.query = q < 0 ? null : uri.substring(q + 1);
    this.authority = authority;
    this.headers = headers;
    this.bytes = body;
    // The caller's bytes as they are, wrapped for a workload that reads through handlers.
    this.body = BufferInternal.buffer(Unpooled.wrappedBuffer(body));
    this.response = new LocalResponse(maxResponseBytes, absoluteURI());
  }

  @Override
  public LocalResponse response() {
    return response;
  }

  @Override
  public HttpServerRequest handler(Handler<Buffer> handler) {
    this.dataHandler = handler;
    return this;
  }

  @Override
  public HttpServerRequest endHandler(Handler<Void> handler) {
    this.endHandler = handler;
    return this;
  }

  @Override
  public HttpServerRequest exceptionHandler(Handler<Throwable> handler) {
    return this; // a body in memory cannot fail
  }

  @Override
  public HttpServerRequest pause() {
    paused = true;
    return this;
  }

  @Override
  public HttpServerRequest resume() {
    paused = false;
    if (!delivered) {
      delivered = true;
      context.runOnContext(v -> deliver());
    }
    return this;
  }

  @Override
  public byte[] takeBody() {
    if (delivered) {
      return null;
    }
    delivered = true;
    ended = true;
    return bytes;
  }

  @Override
  public HttpServerRequest fetch(long amount) {
    return amount > 0 ? resume() : this;
  }

  private void deliver() {
    // A handler that paused again (a body over its limit) gets no more.
    if (body.length() > 0 && dataHandler != null && !paused) {
      dataHandler.handle(body);
    }
    ended = true;
    if (endHandler != null && !paused) {
      endHandler.handle(null);
    }
  }

  @Override
  public HttpMethod method() {
    return method;
  }

  @Override
  public String uri() {
    return uri;
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public String query() {
    return query;
  }

  @Override
  public MultiMap headers() {
    return headers;
  }

  @Override
  public HttpVersion version() {
    return HttpVersion.HTTP_1_1;
  }

  @Override
  public String scheme() {
    return "http";
  }

  @Override
  public HostAndPort authority() {
    return authority;
  }

  @Override
  public HostAndPort authority(boolean real) {
    return authority;
  }

  @Override
  public long bytesRead() {
    return delivered ? body.length() : 0;
  }

  @Override
  public boolean isEnded() {
    return ended;
  }

  @Override
  public boolean isSSL() {
    return false;
  }

  /** No socket: the workload learns its caller from {@code X-Forwarded-Client-Cert}. */
  @Override
  public SocketAddress remoteAddress() {
    return null;
  }

  @Override
  public SocketAddress localAddress() {
    return null;
  }

  @Override
  public SSLSession sslSession() {
    return null;
  }

  @Override
  public HttpConnection connection() {
    return null;
  }

  @Override
  public HttpServerRequest setParamsCharset(String charset) {
    throw unsupported();
  }

  @Override
  public String getParamsCharset() {
    throw unsupported();
  }

  @Override
  public MultiMap params(boolean semicolonIsNormalChar) {
    throw unsupported();
  }

  @Override
  public String absoluteURI() {
    return "http://" + authority + uri;
  }

  @Override
  public Future<Buffer> body() {
    Promise<Buffer> p = Promise.promise();
    handler(chunk -> {}); // the body is one chunk, already in memory
    endHandler(v -> p.tryComplete(body));
    return p.future();
  }

  @Override
  public Future<Void> end() {
    Promise<Void> p = Promise.promise();
    endHandler(v -> p.tryComplete());
    return p.future();
  }

  @Override
  public Future<NetSocket> toNetSocket() {
    throw unsupported();
  }

  @Override
  public HttpServerRequest setExpectMultipart(boolean expect) {
    throw unsupported();
  }

  @Override
  public boolean isExpectMultipart() {
    return false;
  }

  @Override
  public HttpServerRequest uploadHandler(Handler<HttpServerFileUpload> handler) {
    throw unsupported();
  }

  @Override
  public MultiMap formAttributes() {
    throw unsupported();
  }

  @Override
  public String getFormAttribute(String name) {
    throw unsupported();
  }

  @Override
  public Future<ServerWebSocket> toWebSocket() {
    throw unsupported();
  }

  @Override
  public HttpServerRequest customFrameHandler(Handler<HttpFrame> handler) {
    return this;
  }

  @Override
  public HttpServerRequest streamPriorityHandler(Handler<StreamPriority> handler) {
    return this;
  }

  @Override
  public DecoderResult decoderResult() {
    return DecoderResult.SUCCESS;
  }

  @Override
  public Cookie getCookie(String name) {
    throw unsupported();
  }

  @Override
  public Cookie getCookie(String name, String domain, String path) {
    throw unsupported();
  }

  @Override
  public Set<Cookie> cookies(String name) {
    throw unsupported();
  }

  @Override
  public Set<Cookie> cookies() {
    throw unsupported();
  }

  static UnsupportedOperationException unsupported() {
    return new UnsupportedOperationException(
        "a request handed over in process has no connection; this needs one");
  }
}
