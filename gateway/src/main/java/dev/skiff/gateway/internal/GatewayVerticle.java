package dev.skiff.gateway.internal;

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
 * One event loop's share of the gateway: an HTTP server (HTTP/1.1 and h2c, prior knowledge and
 * upgrade) on the shared port, its own keep-alive client to the instances, and the pipeline.
 * Routes, metrics and the balancer are shared by all instances.
 */
final class GatewayVerticle extends VerticleBase {
  private final GatewayConfig config;
  private final LiveRoutes routes;
  private final GatewayMetrics metrics;
  private final LeastInFlight balancer;
  private final String host;
  private final int port;
  private HttpServer server;
  private HttpClientAgent client;
  private Stage pipeline;

  GatewayVerticle(
      GatewayConfig config,
      LiveRoutes routes,
      GatewayMetrics metrics,
      LeastInFlight balancer,
      String host,
      int port) {
    this.config = config;
    this.routes = routes;
    this.metrics = metrics;
    this.balancer = balancer;
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
    pipeline = Pipeline.assemble(config, routes, metrics, balancer, client);
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
    // Hold the body until the proxy stage pipes it; stages before it may wait (cold start).
    request.pause();
    Exchange x = new Exchange(request, context, config.clock().instant());
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
