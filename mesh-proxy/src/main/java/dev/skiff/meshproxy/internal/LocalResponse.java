package dev.skiff.meshproxy.internal;

import dev.skiff.meshproxy.ResponseTooLargeException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.HostAndPort;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * The response of a {@link LocalRequest}: status, headers and body collected in memory up to a
 * limit; {@link #done()} completes once it ends, or fails when it is reset (the caller gave up) or
 * grows past the limit. Confined to one event loop.
 */
public final class LocalResponse implements HttpServerResponse {
  private static final Buffer EMPTY = Buffer.buffer(0);

  private final long maxBytes;
  private final String url;
  private final MultiMap headers = MultiMap.caseInsensitiveMultiMap();

  /** The first chunk as written (no copy: a whole answer is one); a fresh buffer past it. */
  private Buffer body = EMPTY;

  private boolean bodyOwned;
  private final Promise<Void> done = Promise.promise();
  private int status = 200;
  private String statusMessage;
  private boolean headWritten;
  private boolean ended;
  private boolean closed;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;

  LocalResponse(long maxBytes, String url) {
    this.maxBytes = maxBytes;
    this.url = url;
  }

  /** Completes when the response ended; fails when it was reset or over the limit. */
  public Future<Void> done() {
    return done.future();
  }

  /** The body written so far (all of it once {@link #done()} completed). */
  public Buffer body() {
    return body;
  }

  @Override
  public Future<Void> write(Buffer data) {
    if (ended || closed) {
      return Future.failedFuture("the response is over");
    }
    headWritten = true;
    if (body.length() + (long) data.length() > maxBytes) {
      fail(new ResponseTooLargeException(url, maxBytes));
      return Future.failedFuture(done.future().cause());
    }
    if (data.length() == 0) {
      return Future.succeededFuture();
    }
    if (body.length() == 0) {
      body = data; // the workload hands its chunk over, as to a connection
    } else {
      if (!bodyOwned) {
        body = Buffer.buffer(body.length() + data.length()).appendBuffer(body);
        bodyOwned = true;
      }
      body.appendBuffer(data);
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> write(String chunk, String enc) {
    return write(Buffer.buffer(chunk, enc));
  }

  @Override
  public Future<Void> write(String chunk) {
    return write(Buffer.buffer(chunk, StandardCharsets.UTF_8.name()));
  }

  @Override
  public Future<Void> end(Buffer chunk) {
    Future<Void> w = write(chunk);
    return w.failed() ? w : end();
  }

  @Override
  public Future<Void> end(String chunk) {
    return end(Buffer.buffer(chunk, StandardCharsets.UTF_8.name()));
  }

  @Override
  public Future<Void> end(String chunk, String enc) {
    return end(Buffer.buffer(chunk, enc));
  }

  @Override
  public Future<Void> end() {
    if (ended || closed) {
      return Future.failedFuture("the response is over");
    }
    ended = true;
    headWritten = true;
    done.tryComplete();
    if (endHandler != null) {
      endHandler.handle(null);
    }
    return Future.succeededFuture();
  }

  /** Abandons the response: the workload is told (its exception handler), {@code done} fails. */
  @Override
  public Future<Void> reset(long code) {
    fail(new IllegalStateException("the in-process exchange was reset (code " + code + ")"));
    return Future.succeededFuture();
  }

  private void fail(Throwable cause) {
    if (closed || ended) {
      return;
    }
    closed = true;
    done.tryFail(cause);
    if (exceptionHandler != null) {
      exceptionHandler.handle(cause);
    }
  }

  @Override
  public HttpServerResponse exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    return this;
  }

  @Override
  public HttpServerResponse endHandler(Handler<Void> handler) {
    this.endHandler = handler;
    return this;
  }

  @Override
  public HttpServerResponse closeHandler(Handler<Void> handler) {
    return this; // no connection to close
  }

  @Override
  public HttpServerResponse setWriteQueueMaxSize(int maxSize) {
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return false;
  }

  @Override
  public HttpServerResponse drainHandler(Handler<Void> handler) {
    return this;
  }

  @Override
  public int getStatusCode() {
    return status;
  }

  @Override
  public HttpServerResponse setStatusCode(int statusCode) {
    this.status = statusCode;
    return this;
  }

  @Override
  public String getStatusMessage() {
    return statusMessage;
  }

  @Override
  public HttpServerResponse setStatusMessage(String statusMessage) {
    this.statusMessage = statusMessage;
    return this;
  }

  @Override
  public HttpServerResponse setChunked(boolean chunked) {
    return this;
  }

  @Override
  public boolean isChunked() {
    return false;
  }

  @Override
  public MultiMap headers() {
    return headers;
  }

  @Override
  public HttpServerResponse putHeader(String name, String value) {
    headers.set(name, value);
    return this;
  }

  @Override
  public HttpServerResponse putHeader(CharSequence name, CharSequence value) {
    headers.set(name, value);
    return this;
  }

  @Override
  public HttpServerResponse putHeader(String name, Iterable<String> values) {
    headers.set(name, values);
    return this;
  }

  @Override
  public HttpServerResponse putHeader(CharSequence name, Iterable<CharSequence> values) {
    headers.set(name, values);
    return this;
  }

  @Override
  public MultiMap trailers() {
    return MultiMap.caseInsensitiveMultiMap();
  }

  @Override
  public HttpServerResponse putTrailer(String name, String value) {
    return this; // a whole answer has no trailers to carry
  }

  @Override
  public HttpServerResponse putTrailer(CharSequence name, CharSequence value) {
    return this;
  }

  @Override
  public HttpServerResponse putTrailer(String name, Iterable<String> values) {
    return this;
  }

  @Override
  public HttpServerResponse putTrailer(CharSequence name, Iterable<CharSequence> value) {
    return this;
  }

  @Override
  public Future<Void> writeHead() {
    headWritten = true;
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> writeContinue() {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> writeEarlyHints(MultiMap headers) {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> sendFile(String filename, long offset, long length) {
    throw LocalRequest.unsupported();
  }

  @Override
  public Future<Void> sendFile(FileChannel channel, long offset, long length) {
    throw LocalRequest.unsupported();
  }

  @Override
  public Future<Void> sendFile(RandomAccessFile file, long offset, long length) {
    throw LocalRequest.unsupported();
  }

  @Override
  public boolean ended() {
    return ended;
  }

  @Override
  public boolean closed() {
    return closed;
  }

  @Override
  public boolean headWritten() {
    return headWritten;
  }

  @Override
  public HttpServerResponse headersEndHandler(Handler<Void> handler) {
    return this;
  }

  @Override
  public HttpServerResponse bodyEndHandler(Handler<Void> handler) {
    return this;
  }

  @Override
  public long bytesWritten() {
    return body.length();
  }

  @Override
  public long streamId() {
    return -1;
  }

  @Override
  public Future<HttpServerResponse> push(
      HttpMethod method, HostAndPort authority, String path, MultiMap headers) {
    throw LocalRequest.unsupported();
  }

  @Override
  public Future<Boolean> cancel() {
    reset(8);
    return Future.succeededFuture(true);
  }

  @Override
  public Future<Void> writeCustomFrame(int type, int flags, Buffer payload) {
    throw LocalRequest.unsupported();
  }

  @Override
  public HttpServerResponse addCookie(Cookie cookie) {
    throw LocalRequest.unsupported();
  }

  @Override
  public Cookie removeCookie(String name, boolean invalidate) {
    throw LocalRequest.unsupported();
  }

  @Override
  public Set<Cookie> removeCookies(String name, boolean invalidate) {
    throw LocalRequest.unsupported();
  }

  @Override
  public Cookie removeCookie(String name, String domain, String path, boolean invalidate) {
    throw LocalRequest.unsupported();
  }

  @Override
  public Future<Void> writeAltSvc(String altSvc) {
    throw LocalRequest.unsupported();
  }
}
