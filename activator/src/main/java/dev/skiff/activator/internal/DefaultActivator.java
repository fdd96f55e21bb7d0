package dev.skiff.activator.internal;

import dev.skiff.activator.Activator;
import dev.skiff.activator.spi.Ticker;
import dev.skiff.proxy.ClientGoneException;
import dev.skiff.proxy.ProxyPipeline;
import dev.skiff.proxy.ProxyServer;
import dev.skiff.proxy.Stage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The activator: a {@link ProxyServer}, one server and pipeline per event loop, sharing the
 * revisions (queues, slots, load) and the metrics, plus the stats reporter on the ticker. A request
 * entered in process runs through the pipeline of the event loop it arrived on (any when the
 * activator has none there).
 */
public final class DefaultActivator implements Activator {
  /**
   * Where the activator's keys for a shared random port start. The gateway counts its own from 0 in
   * the same Vert.x; starting far above means the two never share a socket (which would hand
   * gateway connections to the activator).
   */
  private static final int NEGATIVE_PORT_BASE = 1 << 20;

  private final ProxyServer server;
  private final Vertx vertx;

  /** Each event loop's pipeline, by the loop's thread: for requests entered in process. */
  private final Map<Thread, Stage<Exchange>> pipelines = new ConcurrentHashMap<>();

  private final Revisions revisions;
  private final RevisionMeters meters;
  private final StatsReporter reporter;
  private final Ticker ticker;
  private volatile Ticker.Cancellable ticking;

  public DefaultActivator(ActivatorConfig config) {
    this.vertx = config.proxy().vertx();
    ActivatorMetrics metrics = new ActivatorMetrics(config.registry());
    this.meters = new RevisionMeters(metrics);
    this.revisions =
        new Revisions(
            config.endpoints(),
            config.poker(),
            config.queueDepth(),
            config.proxy().retryAfter(),
            meters);
    this.reporter =
        new StatsReporter(
            revisions, config.stats(), config.proxy().clock(), config.idleRevisionExpiry());
    this.ticker =
        config.ticker() != null ? config.ticker() : new VertxTicker(config.proxy().vertx());
    ProxyServer.Builder server =
        ProxyServer.builder()
            .withSettings(config.proxy())
            .withName("activator")
            .withNegativePortBase(NEGATIVE_PORT_BASE)
            .withPipeline(
                client -> {
                  Stage<Exchange> pipeline = Pipeline.assemble(config, revisions, metrics, client);
                  // Built on the event loop that serves it.
                  pipelines.put(Thread.currentThread(), pipeline);
                  return ProxyPipeline.of(Exchange::new, x -> Stage.call(pipeline, x));
                });
    if (config.upstreamTls() != null) {
      server.withUpstreamTls(config.upstreamTls());
    }
    if (config.listenerTls() != null) {
      server.withTls(config.listenerTls());
    }
    this.server = server.build();
  }

  @Override
  public Future<Activator> start(String host, int port) {
    meters.start();
    return server
        .start(host, port)
        .map(
            v -> {
              ticking = ticker.every(StatsReporter.SAMPLE_INTERVAL, reporter::tick);
              return this;
            });
  }

  @Override
  public Future<Void> serveInProcess(
      HttpServerRequest request, String caller, Future<Void> cancellation) {
    Stage<Exchange> pipeline = pipelineHere();
    if (pipeline == null || ticking == null) {
      return Future.failedFuture(
          new IllegalStateException(
              "the activator is not serving (not started, or closed): start it before handing it"
                  + " requests"));
    }
    Context context = vertx.getOrCreateContext();
    Exchange x = new Exchange(request, context);
    x.peerIdentity(caller);
    // The caller abandoning the request looks, to the activator, as a reset stream does.
    cancellation.onFailure(cause -> x.cancel(new ClientGoneException()));
    return Stage.call(pipeline, x).andThen(ar -> x.finish());
  }

  private Stage<Exchange> pipelineHere() {
    Stage<Exchange> here = pipelines.get(Thread.currentThread());
    if (here != null) {
      return here;
    }
    Iterator<Stage<Exchange>> any = pipelines.values().iterator();
    return any.hasNext() ? any.next() : null;
  }

  @Override
  public int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<Void> close() {
    Ticker.Cancellable t = ticking;
    ticking = null;
    if (t != null) {
      t.cancel();
    }
    pipelines.clear();
    Context context = vertx.getOrCreateContext();
    return server.close().eventually(() -> revisions.closeAll(context));
  }
}
