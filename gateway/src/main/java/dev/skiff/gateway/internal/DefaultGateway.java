package dev.skiff.gateway.internal;

import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.gateway.Gateway;
import dev.skiff.proxy.ConnectionGuard;
import dev.skiff.proxy.ProxyPipeline;
import dev.skiff.proxy.ProxyServer;
import dev.skiff.proxy.Stage;
import dev.skiff.routing.LiveRoutes;
import io.vertx.core.Future;
import java.util.function.IntSupplier;

/**
 * The gateway: a {@link ProxyServer}, one server and pipeline per event loop, sharing the live
 * route table, the metrics and the balancer; with certificates, a second {@link ProxyServer} on the
 * HTTPS port runs the same pipeline.
 */
public final class DefaultGateway implements Gateway {
  /**
   * Where the gateway's keys for a shared random port start. The activator's start far above, so
   * the two never share a socket in one Vert.x. The HTTPS listener's start halfway between.
   */
  private static final int NEGATIVE_PORT_BASE = 0;

  private static final int TLS_NEGATIVE_PORT_BASE = 1 << 19;

  private final ProxyServer server;
  private final ProxyServer tlsServer;
  private final LiveRoutes routes;
  private final LiveDomains domains;
  private final GatewayMetrics metrics;

  public DefaultGateway(GatewayConfig config) {
    this.routes = new LiveRoutes(config.domain(), config.proxy().requestTimeout());
    this.domains = new LiveDomains(config.domain());
    this.metrics = new GatewayMetrics(config.registry());
    Upstreams upstreams = Upstreams.create(config.proxy().clock());
    // One guard for both listeners: the connection caps count a client's connections on either.
    ConnectionGuard guard = ConnectionGuard.of(config.proxy());
    IntSupplier httpsPort =
        () -> config.publicHttpsPort() > 0 ? config.publicHttpsPort() : actualTlsPort();
    this.server =
        server(config, metrics, upstreams, httpsPort, NEGATIVE_PORT_BASE)
            .withConnectionGuard(guard)
            .build();
    this.tlsServer =
        config.tlsCertificates() == null
            ? null
            : server(config, metrics, upstreams, httpsPort, TLS_NEGATIVE_PORT_BASE)
                .withConnectionGuard(guard)
                .withTls(new GatewayListenerTls(config.tlsCertificates()))
                .build();
  }

  private ProxyServer.Builder server(
      GatewayConfig config,
      GatewayMetrics metrics,
      Upstreams upstreams,
      IntSupplier httpsPort,
      int negativePortBase) {
    ProxyServer.Builder server =
        ProxyServer.builder()
            .withSettings(config.proxy())
            .withName("gateway")
            .withNegativePortBase(negativePortBase)
            .withDeadPeerTimeout(config.deadPeerTimeout())
            .withPipeline(
                client -> {
                  Stage<Exchange> pipeline =
                      Pipeline.assemble(
                          config, routes, domains, httpsPort, metrics, upstreams, client);
                  return ProxyPipeline.of(
                      (request, context) ->
                          new Exchange(request, context, config.proxy().clock().instant()),
                      x -> Stage.call(pipeline, x));
                });
    if (config.upstreamTls() != null) {
      server.withUpstreamTls(config.upstreamTls());
    }
    return server;
  }

  @Override
  public Future<Gateway> start(String host, int port) {
    return server.start(host, port).map(v -> this);
  }

  @Override
  public Future<Gateway> startTls(String host, int port) {
    if (tlsServer == null) {
      return Future.failedFuture(
          new IllegalStateException("the gateway has no certificates: build it withTls(..)"));
    }
    return tlsServer
        .start(host, port)
        .map(
            v -> {
              metrics.tlsEngine(tlsServer.tlsEngine());
              return this;
            });
  }

  @Override
  public int actualPort() {
    return server.actualPort();
  }

  @Override
  public int actualTlsPort() {
    return tlsServer == null ? -1 : tlsServer.actualPort();
  }

  @Override
  public void onResourceEvent(ResourceEvent event) {
    routes.apply(event);
    domains.apply(event);
  }

  @Override
  public Future<Void> close() {
    Future<Void> tls = tlsServer == null ? Future.succeededFuture() : tlsServer.close();
    return Future.join(server.close(), tls).mapEmpty();
  }
}
