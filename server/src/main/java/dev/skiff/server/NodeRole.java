package dev.skiff.server;

import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.validation.Names;
import dev.skiff.api.validation.Quantities;
import dev.skiff.node.EndpointRegistry;
import dev.skiff.node.LoopbackFront;
import dev.skiff.node.NodeAgent;
import dev.skiff.node.container.ContainerBackend;
import dev.skiff.node.spi.RuntimeBackend;
import dev.skiff.node.wasm.WasmBackend;
import dev.skiff.node.wasm.WasmVolumes;
import dev.skiff.nodeagent.AssignedWork;
import dev.skiff.nodeagent.NodeHoldings;
import dev.skiff.nodeagent.RemoteEnvSources;
import dev.skiff.nodeagent.RemoteModules;
import dev.skiff.nodeagent.RemoteNodeAgent;
import dev.skiff.nodeagent.Reports;
import dev.skiff.nodeagent.RouteFeed;
import dev.skiff.nodeagent.WorkCalls;
import dev.skiff.oci.ImageStore;
import dev.skiff.wasm.WasmRuntime;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code skiffd --roles node}: a node agent joined to a control plane over gRPC (node-agent's
 * {@link RemoteNodeAgent}): it bootstraps its identity with the token file, registers the node,
 * holds its lease, and runs what it is assigned on node-runtime's {@link NodeAgent} (node-agent's
 * {@link AssignedWork}): Wasm instances, each behind a mesh sidecar on the advertised address whose
 * certificate the control plane's CA signs (SignWorkload), modules streamed from the control plane
 * and cached in the data directory; with root and runc also containers, their images pulled here
 * (oci-image's {@link ImageStore}) and run under runc behind the same sidecars; its instances,
 * revision statuses and stats go back as reports ({@link Reports}). Its instances' calls to other
 * functions ({@link WasmOutbound}, {@link ContainerCalls}) are routed by what {@link RouteFeed}
 * learns over the link, and go to the callee's node over mTLS with the calling service's identity.
 */
final class NodeRole {
  private static final System.Logger LOG = System.getLogger(NodeRole.class.getName());

  /** How long an unassigned instance keeps serving after its endpoint is withdrawn. */
  static final Duration REMOTE_ENDPOINT_GRACE = Duration.ofSeconds(3);

  private final SkiffdOptions options;
  private Vertx vertx;
  private Vertx linkVertx;
  private RemoteNodeAgent agent;
  private NodeAgent runtime;
  private Reports reports;
  private ImageStore images;
  private final NodeHoldings holdings = new NodeHoldings();
  // The node's outbound side of the mesh, read by ContainerCalls when an instance starts.
  private volatile WasmOutbound outbound;
  private volatile MeshFronts meshFronts;
  private RouteFeed routeFeed;

  NodeRole(SkiffdOptions options) {
    this.options = options;
  }

  /** The agent as the flags describe it; throws {@link IllegalArgumentException} naming a flag. */
  RemoteNodeAgent.Builder settings() {
    List<HostPort> planes = controlPlanes(options, "node");
    String name = options.nodeName != null ? options.nodeName : defaultName();
    if (!Names.isDnsLabel(name)) {
      throw new IllegalArgumentException(
          "--node-name '" + name + "' is not a valid node name; " + Names.DNS_HINT);
    }
    String token = read(options.bootstrapToken, "--bootstrap-token").strip();
    String ca = read(options.controlPlaneCa, "--control-plane-ca");
    long cpu = cpu(options.nodeCpu);
    long memory = Skiffd.nodeMemory(options.nodeMemory);
    RemoteNodeAgent.Builder b = RemoteNodeAgent.builder();
    for (HostPort plane : planes) {
      b.withControlPlane(plane.host(), plane.port());
    }
    return b.withNodeName(name)
        .withBootstrapToken(token)
        .withControlPlaneCa(ca)
        .withTrustDomain(options.trustDomain)
        .withAdvertiseAddress(options.advertiseAddress)
        .withCapacity(cpu, memory);
  }

  /** A control plane's node port. */
  record HostPort(String host, int port) {}

  /**
   * {@code --control-plane HOST:PORT[,HOST:PORT...]} (each also {@code https://HOST:PORT/}),
   * required by {@code --roles role}; throws {@link IllegalArgumentException} saying what to write.
   */
  static List<HostPort> controlPlanes(SkiffdOptions options, String role) {
    if (options.controlPlane == null || options.controlPlane.isBlank()) {
      throw new IllegalArgumentException(
          "--roles "
              + role
              + " needs --control-plane HOST:PORT, the control plane's node port"
              + " (skiffd --node-port there)");
    }
    List<HostPort> planes = new ArrayList<>();
    for (String one : options.controlPlane.split(",")) {
      planes.add(controlPlane(one));
    }
    return planes;
  }

  /** One {@code --control-plane} address; throws naming the flag. */
  private static HostPort controlPlane(String given) {
    String hostPort = given.strip();
    if (hostPort.startsWith("https://")) {
      hostPort = hostPort.substring("https://".length());
    }
    if (hostPort.endsWith("/")) {
      hostPort = hostPort.substring(0, hostPort.length() - 1);
    }
    int colon = hostPort.lastIndexOf(':');
    int port;
    try {
      port = colon < 1 ? -1 : Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > 65535 || hostPort.contains("/")) {
      throw new IllegalArgumentException(
          "--control-plane "
              + given
              + " is not HOST:PORT; write e.g. 10.0.0.1:7443 (the control plane's --node-port)");
    }
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new HostPort(host, port);
  }

  /** Starts the agent; fails when the control plane refuses the node. */
  Future<Void> start(RemoteNodeAgent.Builder settings) {
    vertx =
        Vertx.vertx(new VertxOptions().setEventLoopPoolSize(EventLoops.count(options.eventLoops)));
    Path dataDir = options.dataDir.toAbsolutePath();
    // Containers need root and runc, as skiffd's own node does: without them the node registers
    // wasm only and says why. Images are pulled here, from the registry the revision names.
    images = ImageStore.builder(vertx).withDataDir(dataDir.resolve("oci")).build();
    return ContainerBackend.create(
            vertx,
            Skiffd.containerConfig(dataDir, options.podSubnet, options.preparedContainers),
            holdings.images(new ImageStoreSource(images)),
            // With the mesh, containers call services by name through the node's mesh caller.
            options.mesh() ? new ContainerCalls(vertx, () -> outbound, () -> meshFronts) : null)
        .map(b -> (RuntimeBackend) b)
        .otherwise(
            err -> {
              LOG.log(
                  System.Logger.Level.WARNING,
                  "container functions are disabled on this node: {0}",
                  err.getMessage());
              return null;
            })
        .compose(containers -> start(settings, containers));
  }

  private Future<Void> start(RemoteNodeAgent.Builder settings, RuntimeBackend containers) {
    // The link (heartbeats, assignments, reports) on a Vert.x of its own: a start that keeps the
    // runtime's event loop busy (class loading on a loaded machine, say) must not delay a heartbeat
    // past the lease.
    linkVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    Path dataDir = options.dataDir.toAbsolutePath();
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      return Future.failedFuture(
          new IllegalStateException("cannot make --data-dir " + options.dataDir + ": " + e, e));
    }
    Clock clock = Clock.systemUTC();
    String advertise = options.advertiseAddress;
    AssignedWork[] work = new AssignedWork[1];
    agent =
        settings
            .withVertx(linkVertx)
            .withKinds(containers != null ? Set.of("wasm", "oci") : Set.of("wasm"))
            .onAssignments(set -> work[0].apply(set))
            // Placement prefers a node holding the image or module: what it holds goes with
            // registration and every heartbeat.
            .withCached(holdings::held)
            .build();
    WorkCalls calls = agent.work();
    RemoteModules modules = new RemoteModules(vertx, calls, dataDir.resolve("modules"));
    holdings.modules(modules);
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    if (containers instanceof ContainerBackend c) {
      c.bindTo(metrics);
    }
    WasmRuntime wasm =
        WasmRuntime.builder()
            .withCacheDir(dataDir.resolve("wasm-cache"))
            .withThreads(
                options.wasmThreads > 0
                    ? options.wasmThreads
                    : 2 * Runtime.getRuntime().availableProcessors())
            .build();
    // The node's instances' front doors: with the mesh, a sidecar on the advertised address whose
    // identity the control plane's CA signs for services assigned here; else plaintext there.
    MeshFronts fronts =
        options.mesh()
            ? new MeshFronts(
                vertx,
                options.trustDomain,
                id -> new RemoteIssuer(calls, id, () -> agent.credentials()),
                () -> Future.succeededFuture(RemoteIssuer.trustBundle(agent.credentials())),
                advertise,
                metrics,
                clock,
                options.meshTimings)
            : null;
    meshFronts = fronts;
    // Calls out of the node's instances (Wasm's wasi_experimental_http, containers by name): routed
    // by what the control plane sends over the link (RouteFeed: services' traffic, every node's
    // ready instances with their identities), straight to the callee's sidecar over mTLS with the
    // calling service's own identity. A callee at zero is not woken from here: the call waits for
    // an instance within its timeout.
    EndpointRegistry routed = new EndpointRegistry(vertx);
    outbound =
        new WasmOutbound(
            vertx,
            options.domain,
            Duration.ofSeconds(RevisionTemplate.DEFAULT_TIMEOUT_SECONDS),
            fronts,
            () -> routed,
            (namespace, revision) -> {});
    routeFeed = new RouteFeed(linkVertx, calls, outbound::onResourceEvent, routed);
    NodeAgent.Builder b =
        NodeAgent.builder()
            .withVertx(vertx)
            .withNodeName(agent.nodeName())
            .withBackend(
                new WasmBackend(vertx, wasm, modules, WasmVolumes.none(), outbound::forInstance))
            .withDrain(Duration.ofSeconds(options.drainSeconds))
            // A withdrawn endpoint reaches the gateways through a report: the instance keeps
            // serving a while longer than in one JVM before it drains.
            .withEndpointGrace(REMOTE_ENDPOINT_GRACE)
            .withStartAttempts(options.startAttempts)
            .withStartTimeout(Duration.ofSeconds(options.startTimeoutSeconds))
            .withCapacity(
                options.maxInstancesPerRevision,
                options.maxInstancesPerNode,
                Skiffd.nodeMemory(options.nodeMemory),
                1024)
            .withMeterRegistry(metrics)
            .withClock(clock);
    if (containers != null) {
      b.withBackend(containers);
    }
    b.withFrontDoor(fronts != null ? fronts : new LoopbackFront(vertx, advertise));
    work[0] =
        new AssignedWork(
            vertx,
            calls,
            ev -> {
              if (fronts != null) {
                fronts.onResourceEvent(ev); // a service's policy before its instances
              }
              runtime.onResourceEvent(ev);
            });
    b.withScaler(work[0]);
    reports =
        new Reports(
            linkVertx, calls, null, work[0]::known, Duration.ofSeconds(2), Duration.ofSeconds(1));
    b.withStatsSink(reports);
    b.withStatusReporter(reports); // revision status rides on the instance reports
    // Env from secrets and config maps: read from the control plane at each start, never stored.
    b.withEnvSources(new RemoteEnvSources(calls));
    runtime = b.build();
    work[0].agent(runtime);
    reports.endpoints(runtime.endpoints());
    return modules
        .scan()
        .compose(v -> agent.start())
        .map(
            a -> {
              reports.start();
              routeFeed.start();
              LOG.log(
                  System.Logger.Level.INFO,
                  "node {0} runs {1} instances on {2}",
                  agent.nodeName(),
                  containers != null ? "Wasm and container" : "Wasm",
                  advertise);
              return null;
            });
  }

  /** Stops heartbeats, drains the instances and closes Vert.x; the node's lease then runs out. */
  void shutdown() {
    if (reports != null) {
      reports.stop();
    }
    if (routeFeed != null) {
      routeFeed.stop();
    }
    if (agent != null) {
      agent.stop().toCompletionStage().toCompletableFuture().join();
    }
    if (runtime != null) {
      runtime.close().toCompletionStage().toCompletableFuture().join();
    }
    if (outbound != null) {
      outbound.close();
    }
    if (images != null) {
      images.close().toCompletionStage().toCompletableFuture().join();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().join();
    }
    if (linkVertx != null) {
      linkVertx.close().toCompletionStage().toCompletableFuture().join();
    }
  }

  static String read(Path file, String flag) {
    if (file == null) {
      throw new IllegalArgumentException(
          "--roles node (or gateway,activator) needs "
              + flag
              + " FILE (skiff nodes token create --out DIR writes bootstrap-token and ca.pem)");
    }
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      if (text.isBlank()) {
        throw new IllegalArgumentException(flag + " " + file + " is empty");
      }
      return text;
    } catch (IOException e) {
      throw new IllegalArgumentException(flag + " " + file + " cannot be read: " + e, e);
    }
  }

  static long cpu(String flag) {
    if ("auto".equals(flag)) {
      return Runtime.getRuntime().availableProcessors() * 1000L;
    }
    try {
      long m = Quantities.millicores(flag);
      if (m <= 0) {
        throw new IllegalArgumentException("must be above 0");
      }
      return m;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--node-cpu "
              + flag
              + " is not a CPU quantity ("
              + e.getMessage()
              + "); use e.g. 4 or"
              + " 3500m, or auto",
          e);
    }
  }

  static String defaultName() {
    try {
      String h = InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
      int dot = h.indexOf('.');
      return dot > 0 ? h.substring(0, dot) : h;
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read the host name for a node name (" + e + "); pass --node-name", e);
    }
  }
}
