package dev.skiff.gateway.internal;

import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.gateway.Gateway;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway: {@link GatewayVerticle} instances, one per event loop, sharing the live route table,
 * the metrics and the balancer.
 */
public final class DefaultGateway implements Gateway {
  private static final AtomicInteger SHARED_RANDOM_PORT = new AtomicInteger();

  private final GatewayConfig config;
  private final LiveRoutes routes;
  private final GatewayMetrics metrics;
  private final LeastInFlight balancer = new LeastInFlight();
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile String deployment;
  private volatile int actualPort = -1;

  public DefaultGateway(GatewayConfig config) {
    this.config = config;
    this.routes = new LiveRoutes(config.domain(), config.requestTimeout());
    this.metrics = new GatewayMetrics(config.registry());
  }

  @Override
  public Future<Gateway> start(String host, int port) {
    if (!started.compareAndSet(false, true)) {
      return Future.failedFuture(new IllegalStateException("the gateway was already started"));
    }
    // Vert.x shares a listening socket between servers of the same host and port, round-robin over
    // their event loops. Port 0 is never shared, but a negative port is: every server listening on
    // -n shares one random port. n is unique per gateway so two gateways never share by accident.
    int listenPort = port == 0 ? -SHARED_RANDOM_PORT.incrementAndGet() : port;
    List<GatewayVerticle> created = Collections.synchronizedList(new ArrayList<>());
    return config
        .vertx()
        .deployVerticle(
            () -> {
              GatewayVerticle v =
                  new GatewayVerticle(config, routes, metrics, balancer, host, listenPort);
              created.add(v);
              return v;
            },
            new DeploymentOptions().setInstances(config.serverInstances()))
        .onFailure(err -> started.set(false)) // e.g. the port is taken: the caller may retry
        .map(
            id -> {
              deployment = id;
              synchronized (created) {
                actualPort =
                    created.stream().mapToInt(GatewayVerticle::actualPort).max().orElse(-1);
              }
              return this;
            });
  }

  @Override
  public int actualPort() {
    return actualPort;
  }

  @Override
  public void onResourceEvent(ResourceEvent event) {
    routes.apply(event);
  }

  @Override
  public Future<Void> close() {
    String id = deployment;
    deployment = null;
    return id == null ? Future.succeededFuture() : config.vertx().undeploy(id);
  }
}
