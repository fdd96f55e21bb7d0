package dev.skiff.activator.internal;

import dev.skiff.activator.Activator;
import dev.skiff.activator.spi.Ticker;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The activator: {@link ActivatorVerticle} instances, one per event loop, sharing the revisions
 * (queues, slots, load) and the metrics, plus the stats reporter on the ticker.
 */
public final class DefaultActivator implements Activator {
  private static final AtomicInteger SHARED_RANDOM_PORT = new AtomicInteger();
  private static final int NEGATIVE_PORT_BASE = 1 << 20;

  private final ActivatorConfig config;
  private final ActivatorMetrics metrics;
  private final Revisions revisions;
  private final StatsReporter reporter;
  private final Ticker ticker;
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile String deployment;
  private volatile Ticker.Cancellable ticking;
  private volatile int actualPort = -1;

  public DefaultActivator(ActivatorConfig config) {
    this.config = config;
    this.metrics = new ActivatorMetrics(config.registry());
    this.revisions =
        new Revisions(
            config.endpoints(), config.poker(), config.queueDepth(), config.retryAfter(), metrics);
    this.reporter =
        new StatsReporter(revisions, config.stats(), config.clock(), config.idleRevisionExpiry());
    this.ticker = config.ticker() != null ? config.ticker() : new VertxTicker(config.vertx());
  }

  @Override
  public Future<Activator> start(String host, int port) {
    if (!started.compareAndSet(false, true)) {
      return Future.failedFuture(new IllegalStateException("the activator was already started"));
    }
    // Servers on the same host and port share one socket, round-robin over their event loops; port
    // 0 is never shared but a negative one is, so -n stands for "one random port for these". The
    // gateway counts its own keys from -1 in the same Vert.x: the activator's start far below, so
    // the two never share a socket (which would hand gateway connections to the activator).
    int listenPort = port == 0 ? -(NEGATIVE_PORT_BASE + SHARED_RANDOM_PORT.incrementAndGet()) : port;
    List<ActivatorVerticle> created = Collections.synchronizedList(new ArrayList<>());
    return config
        .vertx()
        .deployVerticle(
            () -> {
              ActivatorVerticle v = new ActivatorVerticle(config, revisions, metrics, host, listenPort);
              created.add(v);
              return v;
            },
            new DeploymentOptions().setInstances(config.serverInstances()))
        .onFailure(err -> started.set(false))
        .map(
            id -> {
              deployment = id;
              synchronized (created) {
                actualPort =
                    created.stream().mapToInt(ActivatorVerticle::actualPort).max().orElse(-1);
              }
              ticking = ticker.every(StatsReporter.SAMPLE_INTERVAL, reporter::tick);
              return this;
            });
  }

  @Override
  public int actualPort() {
    return actualPort;
  }

  @Override
  public Future<Void> close() {
    Ticker.Cancellable t = ticking;
    ticking = null;
    if (t != null) {
      t.cancel();
    }
    String id = deployment;
    deployment = null;
    Future<Void> undeployed = id == null ? Future.succeededFuture() : config.vertx().undeploy(id);
    return undeployed.andThen(ar -> revisions.closeAll());
  }
}
