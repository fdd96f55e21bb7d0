package dev.skiff.proxy.internal;

import dev.skiff.proxy.ClientGoneException;
import dev.skiff.proxy.ProxyExchange;
import dev.skiff.proxy.ProxyPipeline;
import dev.skiff.proxy.ProxySettings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import java.util.function.Function;

/**
 * One event loop's share of a proxy server: an HTTP server (HTTP/1.1 and h2c, prior knowledge and
 * upgrade) on the shared port, its own keep-alive HTTP/1.1 client to the upstreams, and the
 * pipeline built around that client.
 */
public final class ProxyVerticle extends VerticleBase {
  private final String host;
  private final int port;
  private final ProxySettings settings;
  private final Function<HttpClient, ? extends ProxyPipeline<?>> pipelines;
  private HttpServer server;
  private HttpClientAgent client;
  private ProxyPipeline<?> pipeline;

  public ProxyVerticle(
      String host,
      int port,
      ProxySettings settings,
      Function<HttpClient, ? extends ProxyPipeline<?>> pipelines) {
    this.host = host;
    this.port = port;
    this.settings = settings;
    this.pipelines = pipelines;
  }

  @Override
  public Future<?> start() {
    client =
        vertx
            .httpClientBuilder()
            .with(
                new HttpClientOptions()
                    .setProtocolVersion(HttpVersion.HTTP_1_1)
                    .setKeepAlive(true)
                    .setPipelining(false)
                    .setDecompressionSupported(false)
                    .setTcpNoDelay(true))
            .with(new PoolOptions().setHttp1MaxSize(settings.maxConnectionsPerEndpoint()))
            .build();
    pipeline = pipelines.apply(client);
    server =
        vertx
            .createHttpServer(
                new HttpServerOptions()
                    .setHttp2ClearTextEnabled(true)
                    .setHandle100ContinueAutomatically(true)
                    .setCompressionSupported(false)
                    .setDecompressionSupported(false)
                    .setTcpNoDelay(true))
            .requestHandler(request -> handle(pipeline, request));
    return server.listen(port, host);
  }

  private <X extends ProxyExchange> void handle(ProxyPipeline<X> p, HttpServerRequest request) {
    // The body stays unread until the proxy pipes it, however long the stages before it wait
    // (cold start, queueing).
    request.pause();
    X x = p.exchange(request, context);
    request.response().closeHandler(v -> x.cancel(new ClientGoneException()));
    p.serve(x).onComplete(ar -> x.finish());
  }

  public int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<?> stop() {
    return server.close().eventually(() -> client.close());
  }
}
