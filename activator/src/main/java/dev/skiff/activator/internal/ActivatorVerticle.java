package dev.skiff.activator.internal;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;

/**
 * One event loop's share of the activator: an HTTP server (HTTP/1.1 and h2c) on the shared port, its
 * own keep-alive client to the instances, and the pipeline. Revisions and metrics are shared.
 */
final class ActivatorVerticle extends VerticleBase {
  private final ActivatorConfig config;
  private final Revisions revisions;
  private final ActivatorMetrics metrics;
  private final String host;
  private final int port;
  private HttpServer server;
  private HttpClientAgent client;
  private Stage pipeline;

  ActivatorVerticle(
      ActivatorConfig config,
      Revisions revisions,
      ActivatorMetrics metrics,
      String host,
      int port) {
    this.config = config;
    this.revisions = revisions;
    this.metrics = metrics;
    this.host = host;
    this.port = port;
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
            .with(new PoolOptions().setHttp1MaxSize(config.maxConnectionsPerEndpoint()))
            .build();
    pipeline = Pipeline.assemble(config, revisions, metrics, client);
    server =
        vertx
            .createHttpServer(
                new HttpServerOptions()
                    .setHttp2ClearTextEnabled(true)
                    .setHandle100ContinueAutomatically(true)
                    .setCompressionSupported(false)
                    .setDecompressionSupported(false)
                    .setTcpNoDelay(true))
            .requestHandler(this::handle);
    return server.listen(port, host);
  }

  private void handle(HttpServerRequest request) {
    // The body stays unread until the proxy pipes it, however long the request waits for capacity.
    request.pause();
    Exchange x = new Exchange(request, context);
    request.response().closeHandler(v -> x.cancel(new ClientGoneException()));
    Stage.call(pipeline, x).onComplete(ar -> x.finish());
  }

  int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<?> stop() {
    return server.close().eventually(() -> client.close());
  }
}
