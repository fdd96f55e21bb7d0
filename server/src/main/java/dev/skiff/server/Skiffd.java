package dev.skiff.server;

import dev.skiff.activator.Activator;
import dev.skiff.autoscaler.Autoscaler;
import dev.skiff.autoscaler.AutoscalerConfig;
import dev.skiff.controlplane.ControlPlane;
import dev.skiff.controlplane.EmbeddedStore;
import dev.skiff.gateway.Gateway;
import dev.skiff.node.LogsEndpoint;
import dev.skiff.node.NodeAgent;
import dev.skiff.node.RestStatusReporter;
import dev.skiff.node.container.ContainerBackend;
import dev.skiff.node.container.ContainerConfig;
import dev.skiff.node.container.ContainerImage;
import dev.skiff.node.oci.ImageStore;
import dev.skiff.node.oci.PreparedImage;
import dev.skiff.node.oci.PullOptions;
import dev.skiff.node.spi.RuntimeBackend;
import dev.skiff.node.wasm.WasmBackend;
import dev.skiff.proxy.ConnectionGuard;
import dev.skiff.proxy.TrustedProxies;
import dev.skiff.wasm.WasmConfig;
import dev.skiff.wasm.WasmRuntime;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;

/**
 * {@code skiffd}: every Skiff component in one JVM. The wiring is the one block in {@link #start};
 * logic lives in the components.
 */
public final class Skiffd {
  private static final System.Logger LOG = System.getLogger(Skiffd.class.getName());

  private final SkiffdOptions options;
  private Vertx vertx;
  private EmbeddedStore store;
  private ControlPlane controlPlane;
  private NodeAgent agent;
  private ImageStore images;
  private boolean containersEnabled;
  private Scaling scaling;
  private Autoscaler autoscaler;
  private Activator activator;
  private Gateway gateway;

  public Skiffd(SkiffdOptions options) {
    this.options = options;
  }

  public static void main(String[] args) {
    SkiffdOptions options = new SkiffdOptions();
    CommandLine cli = new CommandLine(options);
    try {
      cli.parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      System.err.println("skiffd: " + e.getMessage());
      cli.usage(System.err);
      System.exit(2);
    }
    if (cli.isUsageHelpRequested()) {
      cli.usage(System.out);
      return;
    }
    if (cli.isVersionHelpRequested()) {
      cli.printVersionHelp(System.out);
      return;
    }
    try {
      Logging.configure(options.logLevel);
    } catch (IllegalArgumentException e) {
      System.err.println("skiffd: " + e.getMessage());
      System.exit(2);
    }
    Skiffd skiffd = new Skiffd(options);
    try {
      skiffd.start().toCompletionStage().toCompletableFuture().join();
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      System.err.println("skiffd: cannot start: " + cause.getMessage());
      System.exit(1);
    }
    // On SIGTERM: stop taking requests, drain instances (up to --drain), close the store.
    Duration grace = Duration.ofSeconds(options.drainSeconds + 5L);
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> skiffd.shutdown(grace), "skiffd-shutdown"));
  }

  /** Starts every component; the future completes once the API and the gateway listen. */
  public Future<Skiffd> start() {
    Clock clock = Clock.systemUTC();
    var dataDir = options.dataDir.toAbsolutePath();
    vertx = Vertx.vertx();
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    WasmRuntime wasm =
        WasmRuntime.builder()
            .withCacheDir(dataDir.resolve("wasm-cache"))
            .withThreads(
                options.wasmThreads > 0
                    ? options.wasmThreads
                    : 2 * Runtime.getRuntime().availableProcessors())
            .build();
    WasmMetrics.bind(wasm, metrics);
    // The edge: what untrusted clients may hold (timeouts, connection caps), the API's apart from
    // the gateway's so /healthz answers while the gateway is flooded. See docs/security.md.
    TrustedProxies trustedProxies = TrustedProxies.parse(options.trustedProxies);
    Duration headerTimeout = Duration.ofSeconds(options.headerTimeoutSeconds);
    Duration idleTimeout = Duration.ofSeconds(options.idleTimeoutSeconds);
    Duration bodyTimeout = Duration.ofSeconds(options.bodyTimeoutSeconds);
    ConnectionGuard apiGuard =
        new ConnectionGuard(
            vertx,
            headerTimeout,
            idleTimeout,
            options.apiMaxConnections,
            options.apiMaxConnectionsPerClient,
            trustedProxies);

    return vertx
        .executeBlocking(() -> Files.createDirectories(dataDir))
        // 1. The store: every service, revision, trigger and node; nothing else is durable.
        .compose(
            d ->
                EmbeddedStore.builder()
                    .withDataDir(dataDir.resolve("store"))
                    .withMeterRegistry(metrics)
                    .build()
                    .open())
        .compose(
            s -> {
              store = s;
              // Containers need root and runc; without them skiffd runs Wasm only and says why.
              images = ImageStore.builder(vertx).withDataDir(dataDir.resolve("oci")).build();
              return ContainerBackend.create(
                      vertx,
                      containerConfig(dataDir),
                      ref ->
                          images.prepare(ref, PullOptions.defaults()).map(Skiffd::containerImage))
                  .map(
                      b -> {
                        containersEnabled = true;
                        return (RuntimeBackend) b;
                      })
                  .otherwise(
                      err -> {
                        LOG.log(
                            Level.WARNING,
                            "container functions are disabled: {0}",
                            err.getMessage());
                        return null;
                      });
            })
        .compose(
            containers -> {
              // 2. The control plane: REST API, revisions, blobs. Modules are validated (and
              // compiled
              //    into the cache, so the first instance starts warm) by the Wasm runtime at
              // upload.
              controlPlane =
                  ControlPlane.builder()
                      .withVertx(vertx)
                      .withStore(store)
                      .withBlobDir(dataDir.resolve("blobs"))
                      .withModuleValidator(
                          bytes ->
                              wasm.load(bytes, WasmConfig.builder().withName("upload").build()))
                      .withDomain(options.domain)
                      .withClock(clock)
                      .withMeterRegistry(metrics)
                      .withHost(options.host)
                      .withPort(options.apiPort)
                      .withServer(apiGuard.apply(new HttpServerOptions()), apiGuard::connected)
                      .build();
              ApiEdge.install(controlPlane.router(), apiGuard);
              // 3. The node agent: runs as many instances of each active revision as the autoscaler
              //    decides, reports readiness to the API and every instance's request stats.
              scaling = new Scaling();
              NodeAgent.Builder agentBuilder = NodeAgent.builder();
              if (containers != null) {
                agentBuilder.withBackend(containers);
              }
              agent =
                  agentBuilder
                      .withVertx(vertx)
                      .withBackend(
                          new WasmBackend(
                              vertx,
                              wasm,
                              digest ->
                                  controlPlane
                                      .blob(digest)
                                      .compose(p -> vertx.fileSystem().readFile(p.toString()))
                                      .map(io.vertx.core.buffer.Buffer::getBytes),
                              "127.0.0.1"))
                      .withStatusReporter(
                          new RestStatusReporter(
                              vertx, options.host, () -> controlPlane.actualPort()))
                      .withScaler(scaling)
                      .withStatsSink(stat -> autoscaler.record(stat))
                      .withDrain(Duration.ofSeconds(options.drainSeconds))
                      .withMeterRegistry(metrics)
                      .withClock(clock)
                      .build();
              // 4. The KPA autoscaler and the loop around it (see Scaling).
              scaling.agent(agent);
              autoscaler =
                  Autoscaler.builder()
                      .withVertx(vertx)
                      .withClock(clock)
                      .withConfig(
                          AutoscalerConfig.DEFAULTS.toBuilder()
                              .withScaleToZeroGracePeriod(
                                  Duration.ofSeconds(options.scaleToZeroGraceSeconds))
                              .build())
                      .withEndpoints(scaling)
                      .withListener(scaling)
                      .build();
              scaling.autoscaler(autoscaler);
              autoscaler.start();
              // 5. The activator: holds requests for revisions at zero or short of capacity.
              activator =
                  Activator.builder()
                      .withVertx(vertx)
                      .withMeterRegistry(metrics)
                      .withClock(clock)
                      .withEndpointWatch(scaling)
                      .withPoker(scaling::poke)
                      .withStatsSink(stat -> autoscaler.record(stat))
                      .withHeaderTimeout(headerTimeout)
                      .withIdleTimeout(idleTimeout)
                      .withBodyReadTimeout(bodyTimeout)
                      .build();
              return activator.start(options.host, 0);
            })
        .compose(
            act -> {
              // 6. The gateway: host routing and traffic split, direct to instances or via the
              // activator.
              gateway =
                  Gateway.builder()
                      .withVertx(vertx)
                      .withDomain(options.domain)
                      .withMeterRegistry(metrics)
                      .withClock(clock)
                      .withEndpoints(new AgentEndpoints(agent.endpoints()))
                      .withTrustedProxies(trustedProxies)
                      .withHeaderTimeout(headerTimeout)
                      .withIdleTimeout(idleTimeout)
                      .withBodyReadTimeout(bodyTimeout)
                      .withMaxConnections(options.maxConnections)
                      .withMaxConnectionsPerClient(options.maxConnectionsPerClient)
                      .withActivator(
                          new dev.skiff.gateway.spi.Endpoint(options.host, activator.actualPort()),
                          scaling)
                      .build();
              // 7. Admin routes beside the API.
              controlPlane
                  .router()
                  .get("/healthz")
                  .handler(
                      ctx -> ctx.json(new io.vertx.core.json.JsonObject().put("status", "ok")));
              controlPlane
                  .router()
                  .get("/metrics")
                  .handler(
                      ctx ->
                          ctx.response()
                              .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                              .end(metrics.scrape()));
              controlPlane
                  .router()
                  .get("/v1/namespaces/:namespace/services/:service/logs")
                  .handler(new LogsEndpoint(agent.logs(), clock));
              return controlPlane.start();
            })
        // 8. Feed the gateway and the agent from the store: current state first, then every change.
        .compose(
            cp ->
                controlPlane.follow(
                    ev -> {
                      gateway.onResourceEvent(ev);
                      agent.onResourceEvent(ev);
                    }))
        .compose(v -> gateway.start(options.host, options.gatewayPort))
        .compose(
            g -> {
              LOG.log(
                  Level.INFO,
                  "skiffd ready: API http://{0}:{1,number,#}, gateway http://{0}:{2,number,#}, data {3}",
                  options.host,
                  controlPlane.actualPort(),
                  gateway.actualPort(),
                  dataDir);
              return options.examples
                  ? new ExampleDeployer(
                          vertx,
                          options.host,
                          controlPlane.actualPort(),
                          gateway.actualPort(),
                          options.domain,
                          containersEnabled ? images : null)
                      .deploy()
                  : Future.succeededFuture();
            })
        .map(v -> this);
  }

  /**
   * Container settings whose host-wide names (runc state, cgroup, nft table, veth names, address
   * pool) derive from the data directory, so two skiffd on one machine never reap each other's
   * instances as leftovers.
   */
  private static ContainerConfig containerConfig(java.nio.file.Path dataDir) {
    int h = Math.floorMod(dataDir.toString().hashCode(), 4096);
    String tag = String.format("%03x", h);
    return ContainerConfig.builder()
        .withDataDir(dataDir.resolve("containers"))
        .withScope("skiff-" + tag)
        .withRuntimeRoot(java.nio.file.Path.of("/run/skiff", tag))
        .withInterfacePrefix("sk" + tag)
        .withSubnet("10." + (64 + h % 64) + ".0.0/16")
        .build();
  }

  private static ContainerImage containerImage(PreparedImage p) {
    return new ContainerImage(
        p.reference(),
        p.manifestDigest(),
        p.layers(),
        p.config().entrypoint(),
        p.config().cmd(),
        p.config().env(),
        p.config().workingDir(),
        p.config().user());
  }

  public int apiPort() {
    return controlPlane.actualPort();
  }

  public int gatewayPort() {
    return gateway.actualPort();
  }

  /**
   * Stops taking requests, drains instances, closes the API and the store, then Vert.x. Blocks;
   * call it from a thread that is not Vert.x's (Vert.x's own threads end while it closes).
   */
  public void shutdown(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      stopComponents()
          .toCompletionStage()
          .toCompletableFuture()
          .get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.log(Level.WARNING, "skiffd did not stop cleanly: {0}", e.toString());
    }
    try {
      vertx
          .close()
          .toCompletionStage()
          .toCompletableFuture()
          .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.log(Level.WARNING, "Vert.x did not close in time: {0}", e.toString());
    }
  }

  private Future<Void> stopComponents() {
    Future<Void> g = gateway == null ? Future.succeededFuture() : gateway.close();
    if (autoscaler != null) {
      autoscaler.stop();
    }
    return g.transform(x -> activator == null ? Future.<Void>succeededFuture() : activator.close())
        .transform(x -> agent == null ? Future.<Void>succeededFuture() : agent.close())
        .transform(x -> controlPlane == null ? Future.<Void>succeededFuture() : controlPlane.stop())
        .transform(x -> images == null ? Future.<Void>succeededFuture() : images.close())
        .transform(x -> store == null ? Future.<Void>succeededFuture() : store.close());
  }
}
