package dev.skiff.server;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A small blocking HTTP client for tests, over HTTP/1.1 or h2c (prior knowledge). */
final class Http implements AutoCloseable {
  record Response(int status, MultiMap headers, Buffer body) {
    String text() {
      return body.toString();
    }
  }

  private final Vertx vertx = Vertx.vertx();
  // Requests start on this event-loop context: composing response handlers from the test's own
  // thread would race with the event loop delivering the body.
  private final Context context = vertx.getOrCreateContext();
  private final HttpClient client;

  Http(HttpVersion version) {
    HttpClientOptions o = new HttpClientOptions().setProtocolVersion(version);
    if (version == HttpVersion.HTTP_2) {
      o.setHttp2ClearTextUpgrade(false);
    }
    client = vertx.createHttpClient(o, new PoolOptions().setHttp1MaxSize(256).setHttp2MaxSize(4));
  }

  /** Sends asynchronously; the future completes with the whole response. */
  Future<Response> sendAsync(
      HttpMethod method,
      int port,
      String host,
      String uri,
      Map<String, String> headers,
      Buffer body) {
    // Connect to loopback; the host name travels as Host (HTTP/1.1) or :authority (HTTP/2).
    RequestOptions req =
        new RequestOptions()
            .setServer(SocketAddress.inetSocketAddress(port, "127.0.0.1"))
            .setMethod(method)
            .setHost(host)
            .setPort(port)
            .setURI(uri);
    headers.forEach(req::putHeader);
    Promise<Response> done = Promise.promise();
    context.runOnContext(
        v ->
            client
                .request(req)
                .compose(r -> body == null ? r.send() : r.send(body))
                .compose(
                    resp ->
                        resp.body().map(b -> new Response(resp.statusCode(), resp.headers(), b)))
                .onComplete(done));
    return done.future();
  }

  Response send(
      HttpMethod method,
      int port,
      String host,
      String uri,
      Map<String, String> headers,
      Buffer body)
      throws Exception {
    return sendAsync(method, port, host, uri, headers, body)
        .toCompletionStage()
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  Response get(int port, String host, String uri) throws Exception {
    return send(HttpMethod.GET, port, host, uri, Map.of(), null);
  }

  @Override
  public void close() {
    vertx.close();
  }
}
