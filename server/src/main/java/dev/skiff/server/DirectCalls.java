package dev.skiff.server;

import dev.skiff.proxy.HopByHop;
import dev.skiff.wasm.spi.OutboundRequest;
import dev.skiff.wasm.spi.OutboundResponse;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Outbound calls from Wasm functions to hosts outside the mesh that the service allows ({@code
 * allowedHosts}): plain HTTP or HTTPS with the JVM's trusted CAs and host name verification, the
 * call's remaining timeout, and the function's response size limit.
 */
final class DirectCalls {
  /**
   * Kept-alive HTTP/1.1 connections to one host, so as many calls: each call holds one for its
   * whole exchange, and a guest waits on its thread meanwhile. Vert.x's default of 5 queued calls
   * behind five connections; a function calling its host at 1,000 calls a second then ran at the
   * pool's pace (bench mesh_call's direct peer). Calls beyond this wait for a connection.
   */
  static final int CONNECTIONS_PER_HOST = 128;

  private final Vertx vertx;
  private final HttpClientAgent client;

  DirectCalls(Vertx vertx) {
    this.vertx = vertx;
    this.client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setKeepAlive(true)
                .setVerifyHost(true)
                .setDecompressionSupported(false)
                .setTcpNoDelay(true),
            new PoolOptions().setHttp1MaxSize(CONNECTIONS_PER_HOST));
  }

  Future<OutboundResponse> send(OutboundRequest request) {
    URI url = request.url();
    boolean https = "https".equalsIgnoreCase(url.getScheme());
    int port = url.getPort() >= 0 ? url.getPort() : https ? 443 : 80;
    String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.valueOf(request.method().toUpperCase(Locale.ROOT)))
            .setHost(url.getHost())
            .setPort(port)
            .setSsl(https)
            .setURI(path + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery()))
            .setConnectTimeout(Math.max(1, request.timeout().toMillis()));
    for (Map.Entry<String, String> h : request.headers()) {
      String lower = h.getKey().toLowerCase(Locale.ROOT);
      if (!HopByHop.HEADERS.contains(lower) && !lower.equals("content-length")) {
        options.addHeader(h.getKey(), h.getValue());
      }
    }
    Promise<OutboundResponse> done = Promise.promise();
    long timer =
        vertx.setTimer(
            Math.max(1, request.timeout().toMillis()),
            id ->
                done.tryFail(
                    new IllegalStateException(
                        "no answer within the calling request's remaining "
                            + request.timeout().toMillis()
                            + " ms")));
    done.future().onComplete(ar -> vertx.cancelTimer(timer));
    // A guest calls from its own worker thread. Made from there, the request's callbacks ran on a
    // context of their own, and the response's handlers were at times set by a callback queued
    // behind the whole (small) response: "Response already ended", and the call hung until its
    // timeout. Made on an event-loop context, the handlers are set as the response head arrives.
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> exchange(options, request, done));
    return done.future();
  }

  private void exchange(
      RequestOptions options, OutboundRequest request, Promise<OutboundResponse> done) {
    client
        .request(options)
        .compose(req -> req.send(Buffer.buffer(request.body())))
        .onFailure(done::tryFail)
        .onSuccess(
            response -> {
              Buffer body = Buffer.buffer();
              response.exceptionHandler(done::tryFail);
              response.handler(
                  chunk -> {
                    if (body.length() + chunk.length() > request.maxResponseBytes()) {
                      response.request().reset();
                      done.tryFail(
                          new IllegalStateException(
                              "the response body is larger than the limit of "
                                  + request.maxResponseBytes()
                                  + " bytes"));
                      return;
                    }
                    body.appendBuffer(chunk);
                  });
              response.endHandler(
                  v -> {
                    List<Map.Entry<String, String>> headers = new ArrayList<>();
                    response
                        .headers()
                        .forEach(
                            h ->
                                headers.add(
                                    Map.entry(h.getKey().toLowerCase(Locale.ROOT), h.getValue())));
                    done.tryComplete(
                        new OutboundResponse(response.statusCode(), headers, body.getBytes()));
                  });
            });
  }

  void close() {
    client.close();
  }
}
