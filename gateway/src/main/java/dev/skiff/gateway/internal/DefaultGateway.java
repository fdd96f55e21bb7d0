package dev.skiff.gateway.internal;

import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.gateway.Gateway;
import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.proxy.ProxyPipeline;
import dev.skiff.proxy.ProxyServer;
import dev.skiff.proxy.Stage;
import dev.skiff.routing.LiveRoutes;
import dev.skiff.routing.PeakEwma;
import io.vertx.core.Future;

/**
 * The gateway: a {@link ProxyServer}, one server and pipeline per event loop, sharing the live
 * route table, the metrics and the balancer.
 */
public final class DefaultGateway implements Gateway {
  /**
   * Where the gateway's keys for a shared random port start. The activator's start far above, so
   * the two never share a socket in one Vert.x.
   */
  private static final int NEGATIVE_PORT_BASE = 0;

  private final ProxyServer server;
  private final LiveRoutes routes;

  public DefaultGateway(GatewayConfig config) {
    this.routes = new LiveRoutes(config.domain(), config.proxy().requestTimeout());
    GatewayMetrics metrics = new GatewayMetrics(config.registry());
    PeakEwma<Endpoint> balancer = PeakEwma.create();
    ProxyServer.Builder server =
        ProxyServer.builder()
            .withSettings(config.proxy())
            .withName("gateway")
            .withNegativePortBase(NEGATIVE_PORT_BASE)
            .withPipeline(
                client -> {
                  Stage<Exchange> pipeline =
                      Pipeline.assemble(config, routes, metrics, balancer, client);
                  return ProxyPipeline.of(
                      (request, context) ->
                          new Exchange(request, context, config.proxy().clock().instant()),
                      x -> Stage.call(pipeline, x));
                });
    if (config.upstreamTls() != null) {
      server.withUpstreamTls(config.upstreamTls());
    }
    this.server = server.build();
  }

  @Override
  public Future<Gateway> start(String host, int port) {
    return server.start(host, port).map(v -> this);
  }

  @Override
  public int actualPort() {
    return server.actualPort();
  }

  @Override
  public void onResourceEvent(ResourceEvent event) {
    routes.apply(event);
  }

  @Override
  public Future<Void> close() {
    return server.close();
  }
}
