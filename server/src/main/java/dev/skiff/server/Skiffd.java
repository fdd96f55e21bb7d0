package dev.skiff.server;

import dev.skiff.activator.Activator;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.validation.AdmissionLimits;
import dev.skiff.api.validation.Quantities;
import dev.skiff.autoscaler.Autoscaler;
import dev.skiff.autoscaler.AutoscalerConfig;
import dev.skiff.console.Console;
import dev.skiff.controlplane.ControlPlane;
import dev.skiff.controlplane.EmbeddedStore;
import dev.skiff.controlplane.SlicedBody;
import dev.skiff.controlplane.nodes.Demand;
import dev.skiff.controlplane.spi.Store;
import dev.skiff.eventing.Dispatcher;
import dev.skiff.eventing.RestTriggerStatusSink;
import dev.skiff.gateway.AcmeChallenges;
import dev.skiff.gateway.Gateway;
import dev.skiff.gateway.TlsCertificates;
import dev.skiff.ingress.AcmeSettings;
import dev.skiff.ingress.ControlPlaneDomainStore;
import dev.skiff.ingress.Ingress;
import dev.skiff.node.InstancesEndpoint;
import dev.skiff.node.LogsEndpoint;
import dev.skiff.node.NodeAgent;
import dev.skiff.node.RestStatusReporter;
import dev.skiff.node.container.ContainerBackend;
import dev.skiff.node.container.ContainerConfig;
import dev.skiff.node.spi.RuntimeBackend;
import dev.skiff.node.wasm.WasmBackend;
import dev.skiff.node.wasm.WasmVolumes;
import dev.skiff.oci.ImageStore;
import dev.skiff.proxy.ConnectionGuard;
import dev.skiff.proxy.TrustedProxies;
import dev.skiff.store.etcd.EtcdStore;
import dev.skiff.store.etcd.EtcdUrl;
import dev.skiff.wasm.WasmConfig;
import dev.skiff.wasm.WasmRuntime;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemTrustOptions;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * {@code skiffd}: every Skiff component in one JVM. The wiring is the one block in {@link #start};
 * logic lives in the components.
 */
public final class Skiffd {
  static {
    // Before the first logger below, which starts java.util.logging (ShutdownLogManager says why).
    if (System.getProperty("java.util.logging.manager") == null) {
      System.setProperty("java.util.logging.manager", ShutdownLogManager.class.getName());
    }
  }

  private static final System.Logger LOG = System.getLogger(Skiffd.class.getName());

  private static final String LOOPBACK = "127.0.0.1";

  private final SkiffdOptions options;
  private final boolean localNode;
  private RemoteEndpoints remoteEndpoints;
  private String adminToken;
  private ControlPlane.Tls apiTls;
  private Vertx vertx;
  private Store store;
  private ControlPlane controlPlane;
  private volatile NodeAgent agent;
  private MeshFronts meshFronts;
  private WasmOutbound wasmOutbound;
  private ImageStore images;
  private boolean containersEnabled;
  private volatile Scaling scaling;
  private Autoscaler autoscaler;
  private Activator activator;
  private Gateway gateway;
  private Ingress ingress;
  private final TlsCertificates tlsCertificates = new TlsCertificates();
  private final AcmeChallenges acmeChallenges = new AcmeChallenges();
  private Console console;
  private MeshComponents mesh;
  private Dispatcher eventing;
  private final boolean runsEventing;
  private StatsRelay relay;
  private Singletons singletons;

  public Skiffd(SkiffdOptions options) {
    this.options = options;
    // Every role but node: instances run on remote nodes only (placement of the autoscaler's
    // decisions); the in-process agent runs none but still keeps the endpoints everyone reads.
    this.localNode = !Roles.parse(options.roles).allButNode();
    // Without the eventing role, triggers are left to skiffd --roles eventing processes.
    this.runsEventing = Roles.parse(options.roles).eventing();
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
      nodeMemory(options.nodeMemory);
      try {
        dev.skiff.api.mesh.SpiffeId.checkTrustDomain(options.trustDomain);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--trust-domain: " + e.getMessage(), e);
      }
      options.mesh(); // fails on a --mesh other than on or off
      options.gatewayInProcess(); // likewise for --gateway-in-process
      Roles roles = Roles.parse(options.roles);
      if (roles.nodeOnly()) {
        runNode(options);
        return;
      }
      if (roles.edge()) {
        runEdge(options);
        return;
      }
      if (roles.eventingOnly()) {
        EventingRole.run(options);
        return;
      }
      nodeLease(options.nodeLease);
      leaderLease(options.leaderLease);
      if (options.nodePort < -1 || options.nodePort > 65535) {
        throw new IllegalArgumentException(
            "--node-port must be a port, 0 (any free one) or -1 (off), got " + options.nodePort);
      }
      if (roles.allButNode() && options.nodePort < 0) {
        throw new IllegalArgumentException(
            "--roles without node runs instances on remote nodes only, which join on the node"
                + " port: give --node-port PORT too");
      }
      storeKind(options.store);
      options.acme(); // fails on a malformed --acme-directory or an unreadable --acme-ca-file
      if (options.gatewayTlsPort < -1 || options.gatewayTlsPort > 65535) {
        throw new IllegalArgumentException(
            "--gateway-tls-port must be a port, 0 (any free one) or -1 (off), got "
                + options.gatewayTlsPort);
      }
      if (options.maxInstancesPerRevision < 1
          || options.maxInstancesPerNode < 1
          || options.startAttempts < 1) {
        throw new IllegalArgumentException(
            "--max-instances-per-revision, --max-instances-per-node and --start-attempts must be"
                + " at least 1");
      }
      if (options.startTimeoutSeconds < 1) {
        throw new IllegalArgumentException(
            "--start-timeout must be at least 1 (seconds), got " + options.startTimeoutSeconds);
      }
      try {
        ContainerConfig.builder().withPreparedContainers(options.preparedContainers);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--prepared-containers: " + e.getMessage(), e);
      }
      if (!options.podSubnet.isBlank()) {
        try {
          ContainerConfig.builder().withSubnet(options.podSubnet.strip());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("--pod-subnet: " + e.getMessage(), e);
        }
      }
    } catch (IllegalArgumentException e) {
      System.err.println("skiffd: " + e.getMessage());
      System.exit(2);
    }
    Skiffd skiffd = new Skiffd(options);
    // On SIGTERM: stop taking requests, drain instances (up to --drain), close the store.
    Duration grace = Duration.ofSeconds(options.drainSeconds + 5L);
    startStoppable(skiffd::start, () -> skiffd.shutdown(grace));
  }

  /**
   * Puts {@code stop} in a shutdown hook, then starts: a SIGTERM that comes as soon as the role
   * says it is ready (or while it starts) still stops it cleanly. Exits 1, the reason on stderr,
   * when it cannot start.
   */
  static void startStoppable(Supplier<? extends Future<?>> start, Runnable stop) {
    Runtime.getRuntime().addShutdownHook(new Thread(stop, "skiffd-shutdown"));
    try {
      start.get().toCompletionStage().toCompletableFuture().join();
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      System.err.println("skiffd: cannot start: " + cause.getMessage());
      System.exit(1);
    }
  }

  /**
   * {@code --roles node}: only a node agent joining the control plane over gRPC. Exits 2 on bad
   * flags, 1 when the control plane refuses the node (the reason on stderr).
   */
  private static void runNode(SkiffdOptions options) {
    NodeRole node = new NodeRole(options);
    dev.skiff.nodeagent.RemoteNodeAgent.Builder settings;
    try {
      settings = node.settings();
    } catch (IllegalArgumentException e) {
      System.err.println("skiffd: " + e.getMessage());
      System.exit(2);
      return;
    }
    dev.skiff.nodeagent.RemoteNodeAgent.Builder checked = settings;
    startStoppable(() -> node.start(checked), node::shutdown);
  }

  /**
   * {@code --roles gateway,activator}: an edge ({@link EdgeRole}). Exits 2 on bad flags, 1 when
   * etcd does not answer or the control plane refuses the token (the reason on stderr).
   */
  private static void runEdge(SkiffdOptions options) {
    EdgeRole edge = new EdgeRole(options);
    dev.skiff.nodeagent.EdgeLink.Builder settings;
    try {
      settings = edge.settings();
    } catch (IllegalArgumentException e) {
      System.err.println("skiffd: " + e.getMessage());
      System.exit(2);
      return;
    }
    dev.skiff.nodeagent.EdgeLink.Builder checked = settings;
    startStoppable(() -> edge.start(checked), edge::shutdown);
  }

  /** {@code --node-lease} as a duration of at least 1 s. */
  static Duration nodeLease(String flag) {
    Duration d;
    try {
      d = dev.skiff.api.validation.Durations.parse(flag);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--node-lease " + flag + " is not a duration (" + e.getMessage() + "); e.g. 10s", e);
    }
    if (d.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("--node-lease must be at least 1s, got " + flag);
    }
    return d;
  }

  /** {@code --leader-lease} as a duration of at least 2 s. */
  static Duration leaderLease(String flag) {
    Duration d;
    try {
      d = dev.skiff.api.validation.Durations.parse(flag);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--leader-lease " + flag + " is not a duration (" + e.getMessage() + "); e.g. 4s", e);
    }
    if (d.compareTo(Duration.ofSeconds(2)) < 0) {
      throw new IllegalArgumentException("--leader-lease must be at least 2s, got " + flag);
    }
    return d;
  }

  /** Starts every component; the future completes once the API and the gateway listen. */
  public Future<Skiffd> start() {
    Clock clock = Clock.systemUTC();
    var dataDir = options.dataDir.toAbsolutePath();
    // The native transport (epoll) where the platform has it: fewer copies and system calls per
    // request on every hop; NIO elsewhere, said once in the log.
    vertx = Vertx.builder().with(EventLoops.options(options.eventLoops)).build();
    RemoteLagFloors remoteLag = new RemoteLagFloors(() -> scaling, clock);
    vertx.setPeriodic(2000, t -> remoteLag.expire());
    if (!vertx.isNativeTransportEnabled()) {
      LOG.log(
          Level.INFO,
          "the native transport is not available, using NIO: {0}",
          String.valueOf(vertx.unavailableNativeTransportCause()));
    }
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
    Duration drain = Duration.ofSeconds(options.drainSeconds);
    ConnectionGuard apiGuard =
        new ConnectionGuard(
            vertx,
            headerTimeout,
            idleTimeout,
            options.apiMaxConnections,
            options.apiMaxConnectionsPerClient,
            trustedProxies);

    return vertx
        .executeBlocking(
            () -> {
              Files.createDirectories(dataDir);
              // 0. Who may call the API: the admin token (made at the first start) and, beyond
              //    loopback, the certificate the API is served with.
              adminToken = AdminToken.loadOrCreate(dataDir);
              apiTls = apiTls(dataDir);
              return dataDir;
            })
        // 1. The store: every service, revision, trigger and node (and with etcd the modules too);
        //    nothing else is durable.
        .compose(d -> openStore(dataDir, metrics))
        .compose(
            s -> {
              store = s;
              // Containers need root and runc; without them skiffd runs Wasm only and says why.
              images = ImageStore.builder(vertx).withDataDir(dataDir.resolve("oci")).build();
              // With the mesh, containers call services by name through it (ContainerCalls).
              return ContainerBackend.create(
                      vertx,
                      containerConfig(dataDir, options.podSubnet, options.preparedContainers),
                      new ImageStoreSource(images),
                      options.mesh()
                          ? new ContainerCalls(vertx, () -> wasmOutbound, () -> meshFronts)
                          : null)
                  .map(
                      b -> {
                        containersEnabled = true;
                        b.bindTo(metrics);
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
              // Rollouts judge a new revision by the gateway's meters in this JVM's registry.
              RevisionWindows revisionWindows = new RevisionWindows(metrics, clock);
              vertx.setPeriodic(1000, id -> revisionWindows.sample());
              controlPlane =
                  ControlPlane.builder()
                      .withVertx(vertx)
                      .withStore(store)
                      .withRevisionMetrics(revisionWindows)
                      .withBlobDir(dataDir.resolve("blobs"))
                      .withBlobsInStore(store instanceof EtcdStore)
                      .withSecretsKeyFile(
                          options.secretsKey == null
                              ? dataDir.resolve(ControlPlane.SECRETS_KEY_FILE)
                              : options.secretsKey.toAbsolutePath())
                      .withModuleValidator(
                          bytes ->
                              wasm.load(bytes, WasmConfig.builder().withName("upload").build()))
                      .withDomain(options.domain)
                      .withTrustDomain(options.trustDomain)
                      .withMeshRootSwitchDelay(options.meshTimings.rootSwitchDelay())
                      .withMeshMinTtl(options.meshTimings.minLeafTtl())
                      .withHostDirectories(options.volumeRoot != null)
                      .withClock(clock)
                      .withMeterRegistry(metrics)
                      .withHost(options.apiHost)
                      .withPort(options.apiPort)
                      .withLeadershipElsewhere() // Singletons, below
                      .withNodePort(
                          options.nodeHost, options.nodePort, nodeLease(options.nodeLease))
                      .withRemoteNodes(
                          remoteEndpoints =
                              new RemoteEndpoints(() -> agent == null ? null : agent.endpoints()),
                          stat -> relay.record(stat),
                          localNode
                              ? Demand.NONE
                              : new Demand() {
                                @Override
                                public int desired(String namespace, String revision) {
                                  Scaling s = scaling;
                                  return s == null ? -1 : s.desired(namespace, revision);
                                }

                                @Override
                                public java.util.Set<String> decided() {
                                  Scaling s = scaling;
                                  return s == null ? java.util.Set.of() : s.decided();
                                }
                              })
                      // Edge processes' activators poke the autoscaler over the node port.
                      .withEdgePokes(
                          (ns, revision) -> {
                            Scaling s = scaling;
                            if (s != null) {
                              s.poke(ns, revision);
                            }
                          })
                      // Eventing processes' lag (skiffd --roles eventing), a floor per dispatcher.
                      .withLagReports(remoteLag)
                      // Without a node in this JVM, revision status is the remote nodes' reports.
                      .withRevisionStatusFromNodes(!localNode)
                      .withAdmissionLimits(
                          new AdmissionLimits(
                              options.maxInstancesPerRevision, "--max-instances-per-revision"))
                      .withAdminToken(adminToken)
                      .withHostnames(apiHostnames())
                      .withMetricsAuth(options.metricsAuth)
                      .withOpenPathPrefix(Console.PATH)
                      .withTls(apiTls)
                      .withTokenHint(
                          "send Authorization: Bearer <token>. The admin token is in "
                              + dataDir.resolve(AdminToken.FILE)
                              + " on the skiffd machine (skiff finds it by itself for the user"
                              + " who runs skiffd; others pass --token or SKIFF_TOKEN); an admin"
                              + " makes scoped tokens with skiff token create")
                      .withServer(apiGuard.apply(new HttpServerOptions()), apiGuard::connected)
                      .build();
              ApiEdge.install(controlPlane.router(), apiGuard);
              // The web console at /ui/ and the per-revision stats it plots, on the API's port.
              console = Console.builder().withVertx(vertx).withMeterRegistry(metrics).build();
              console.mount(controlPlane.router());
              console.start();
              // 3. The node agent: runs as many instances of each active revision as the autoscaler
              //    decides, reports readiness to the API and every instance's request stats.
              //    With the mesh, a sidecar (mTLS, the service's policy) is every instance's front
              //    door, on the node's address; without it, Wasm instances listen on loopback in
              //    plaintext and containers are reached at their own address.
              scaling = new Scaling();
              relay = statsRelay(store);
              // Revision status is written by the leader only (Singletons).
              statuses =
                  new GatedStatusReporter(
                      new RestStatusReporter(
                          vertx,
                          apiClientOptions(),
                          apiConnectHost(),
                          () -> controlPlane.actualPort(),
                          controlPlane.systemToken()));
              scaling.events(controlPlane.events());
              if (!localNode) {
                scaling.remoteOnly();
              }
              NodeAgent.Builder agentBuilder = NodeAgent.builder();
              if (containers != null) {
                agentBuilder.withBackend(containers);
              }
              if (options.mesh()) {
                meshFronts =
                    new MeshFronts(
                        vertx,
                        controlPlane.meshCa(),
                        LOOPBACK,
                        metrics,
                        clock,
                        options.meshTimings);
                agentBuilder.withFrontDoor(meshFronts);
              }
              // Wasm functions' outbound HTTP: services of the mesh by name, with the calling
              // service's identity; hosts outside only when the revision lists them.
              wasmOutbound =
                  new WasmOutbound(
                      vertx,
                      options.domain,
                      Duration.ofSeconds(RevisionTemplate.DEFAULT_TIMEOUT_SECONDS),
                      meshFronts,
                      () -> agent.endpoints(),
                      (ns, revision) -> scaling.poke(ns, revision));
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
                              new WasmVolumes(
                                  java.util.Optional.ofNullable(options.volumeRoot)
                                      .map(java.nio.file.Path::toAbsolutePath),
                                  java.util.Optional.of(dataDir.resolve("volumes"))),
                              wasmOutbound::forInstance))
                      .withStatusReporter(statuses)
                      .withScaler(scaling)
                      .withEnvSources(new ControlPlaneEnvSources(controlPlane))
                      .withStatsSink(stat -> relay.record(stat))
                      .withInstanceEvents(new InstanceEventLog(controlPlane.events()))
                      .withDrain(drain)
                      .withStartAttempts(options.startAttempts)
                      .withStartTimeout(Duration.ofSeconds(options.startTimeoutSeconds))
                      .withCapacity(
                          options.maxInstancesPerRevision,
                          options.maxInstancesPerNode,
                          nodeMemory(options.nodeMemory),
                          1024)
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
              Activator.Builder activatorSettings =
                  Activator.builder()
                      .withVertx(vertx)
                      .withMeterRegistry(metrics)
                      .withClock(clock)
                      .withEndpointWatch(scaling)
                      .withPoker(relay::poke)
                      .withStatsSink(stat -> relay.record(stat))
                      .withHeaderTimeout(headerTimeout)
                      .withIdleTimeout(idleTimeout)
                      .withBodyReadTimeout(bodyTimeout)
                      .withDrainTimeout(drain);
              // Internal: always loopback, whatever --host says (it trusts Skiff-Revision-*
              // headers). With the mesh, mTLS for the gateway and eventing only.
              return startMesh(metrics)
                  .compose(
                      v -> {
                        if (mesh != null && meshFronts != null) {
                          // Wasm instances of this node are entered in process (no socket).
                          activatorSettings.withLocalEndpoints(
                              meshFronts.localEndpoints(
                                  dev.skiff.api.mesh.SpiffeId.parse(mesh.activatorIdentity())));
                        }
                        activator =
                            (mesh == null ? activatorSettings : mesh.activator(activatorSettings))
                                .build();
                        return activator.start(LOOPBACK, 0);
                      });
            })
        .compose(
            act -> {
              // 6. The gateway: host routing and traffic split, direct to instances or via the
              // activator.
              Gateway.Builder gatewaySettings =
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
                      .withDrainTimeout(drain)
                      .withMaxConnections(options.maxConnections)
                      .withMaxConnectionsPerClient(options.maxConnectionsPerClient)
                      .withActivator(
                          new dev.skiff.gateway.spi.Endpoint(
                              LOOPBACK,
                              activator.actualPort(),
                              mesh == null ? null : mesh.activatorIdentity()),
                          scaling)
                      // Same JVM: requests for the activator are handed over in process (no
                      // socket, TLS nor HTTP/2 framing), as the gateway, so its caller check holds.
                      .withLocalActivator(
                          (request, cancellation) ->
                              activator.serveInProcess(
                                  request,
                                  mesh == null ? null : mesh.gatewayIdentity(),
                                  cancellation));
              // HTTPS with the store's certificates (custom domains, a wildcard for --domain),
              // and the ACME HTTP-01 answers on both listeners.
              gatewaySettings.withAcmeChallenges(acmeChallenges);
              if (options.gatewayTlsPort >= 0) {
                gatewaySettings.withTls(tlsCertificates);
              }
              if (options.publicHttpsPort > 0) {
                gatewaySettings.withPublicHttpsPort(options.publicHttpsPort);
              }
              // Same JVM: an instance's sidecar is entered in process too (the gateway's identity
              // passed in process, checked by the sidecar's policy); the socket path stays for
              // sidecars of other processes and for --gateway-in-process off (docs/mesh.md).
              if (mesh != null && meshFronts != null && options.gatewayInProcess()) {
                gatewaySettings.withLocalInstances(
                    meshFronts.localInstances(
                        dev.skiff.api.mesh.SpiffeId.parse(mesh.gatewayIdentity())));
              }
              gateway = (mesh == null ? gatewaySettings : mesh.gateway(gatewaySettings)).build();
              // 6b. The ingress: keeps the gateway's certificates in step with the store, and gets
              //     tls:auto domains theirs by ACME (--acme-directory), renewing them.
              Ingress.Builder ingressSettings =
                  Ingress.builder()
                      .withVertx(vertx)
                      .withStore(new ControlPlaneDomainStore(controlPlane))
                      .withCertificates(tlsCertificates)
                      .withChallenges(acmeChallenges)
                      .withMeterRegistry(metrics)
                      .withClock(clock);
              AcmeSettings acme = options.acme();
              if (acme != null) {
                ingressSettings.withAcme(acme);
              }
              ingress = ingressSettings.build();
              // 7. Eventing: a Kafka consumer per trigger, delivering CloudEvents. With the mesh,
              //    through the node's outbound side (MeshCaller, shared with Wasm functions' calls)
              //    as spiffe://{td}/skiff/eventing; without it, to the gateway in plain HTTP on
              //    loopback. It writes trigger status through the API, as the node writes revision
              //    status.
              Dispatcher.Builder eventingSettings =
                  Dispatcher.builder()
                      .withVertx(vertx)
                      .withGateway(gatewayConnectHost(), () -> gateway.actualPort())
                      .withDomain(options.domain)
                      .withClock(clock)
                      .withStatusSink(
                          new RestTriggerStatusSink(
                              vertx,
                              apiClientOptions(),
                              apiConnectHost(),
                              () -> controlPlane.actualPort(),
                              controlPlane.systemToken()))
                      .withLagListener(scaling);
              if (mesh != null) {
                eventingSettings.withEventSink(
                    new MeshEventSink(wasmOutbound.mesh(), mesh.eventing(), options.domain));
              }
              eventing = runsEventing ? eventingSettings.build() : null;
              // 8. Admin routes beside the API.
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
                          SlicedBody.end(
                              ctx.response()
                                  .putHeader(
                                      "Content-Type", "text/plain; version=0.0.4; charset=utf-8"),
                              ctx.request().version(),
                              Buffer.buffer(metrics.scrape())));
              controlPlane
                  .router()
                  .get("/v1/namespaces/:namespace/services/:service/logs")
                  .handler(new LogsEndpoint(agent.logs(), clock));
              controlPlane
                  .router()
                  .get("/v1/instances")
                  .handler(new InstancesEndpoint(agent, remoteEndpoints::instances));
              return controlPlane.start();
            })
        // Every connection to the API counts against its caps from its accept on, silent or not.
        .compose(cp -> guardApiAccepts(apiGuard).map(cp))
        .compose(cp -> ingress.start().map(cp))
        // 9. Feed the gateway, the agent and eventing from the store: current state first, then
        // every change.
        //    Only now, with the API listening: a stored service the node cannot run (the agent
        //    starts at most what its capacity admits) never keeps the API from answering.
        .compose(
            cp ->
                controlPlane.follow(
                    ev -> {
                      if (meshFronts != null) {
                        meshFronts.onResourceEvent(ev); // a service's policy before its instances
                      }
                      gateway.onResourceEvent(ev);
                      wasmOutbound.onResourceEvent(ev);
                      ingress.onResourceEvent(ev);
                      agent.onResourceEvent(ev);
                      if (eventing != null) {
                        eventing.onResourceEvent(ev);
                      }
                    }))
        .compose(v -> gateway.start(options.host, options.gatewayPort))
        .compose(
            g ->
                options.gatewayTlsPort >= 0
                    ? gateway.startTls(options.host, options.gatewayTlsPort)
                    : Future.succeededFuture(g))
        .map(
            g -> {
              if (eventing != null) {
                eventing.start();
              }
              return g;
            })
        .compose(g -> relay.start())
        .map(
            g -> {
              // 10. The singletons, run by the leader among the skiffd on this store only.
              singletons =
                  new Singletons(
                      leadership(),
                      identity,
                      java.util.List.of(
                          statuses,
                          new Singletons.Singleton() {
                            @Override
                            public Future<Void> lead() {
                              return controlPlane.lead();
                            }

                            @Override
                            public void follow() {
                              controlPlane.follow();
                            }
                          }));
              singletons.start();
              return g;
            })
        .compose(g -> vertx.executeBlocking(() -> recordForCli(dataDir)))
        .compose(
            g -> {
              LOG.log(
                  Level.INFO,
                  "skiffd ready: API {0}, gateway http://{1}:{2,number,#} and HTTPS port {4,number,#},"
                      + " data {3}",
                  apiUrl(),
                  options.host,
                  gateway.actualPort(),
                  dataDir,
                  gateway.actualTlsPort());
              if (apiTls != null) {
                LOG.log(
                    Level.WARNING,
                    "the API is exposed on {0} with TLS (certificate {1}); every call needs a"
                        + " token",
                    options.apiHost,
                    apiTls.certificate());
              }
              return options.examples
                  ? new ExampleDeployer(
                          vertx,
                          apiClientOptions(),
                          apiConnectHost(),
                          adminToken,
                          controlPlane.actualPort(),
                          options.host,
                          gateway.actualPort(),
                          options.domain,
                          containersEnabled ? images : null)
                      .deploy()
                  : Future.succeededFuture();
            })
        .map(v -> this);
  }

  /**
   * With {@code --mesh on}: the gateway's and the activator's identities from the in-process CA
   * (see {@link MeshComponents}); otherwise nothing, and every hop is plaintext as before.
   */
  private Future<Void> startMesh(PrometheusMeterRegistry metrics) {
    if (!options.mesh()) {
      return Future.succeededFuture();
    }
    return MeshComponents.start(vertx, controlPlane.meshCa(), metrics, options.meshTimings)
        .map(
            m -> {
              mesh = m;
              return null;
            });
  }

  /** This skiffd among those on one store: its leader campaign and relay keys. */
  private final String identity =
      System.getenv().getOrDefault("HOSTNAME", "skiffd")
          + "-"
          + ProcessHandle.current().pid()
          + "-"
          + Long.toHexString(new java.security.SecureRandom().nextInt() & 0xffffffL);

  private GatedStatusReporter statuses;

  /** Who leads the singletons: an election on etcd leases, or this skiffd alone. */
  private dev.skiff.controlplane.spi.Leadership leadership() {
    return store instanceof EtcdStore etcd
        ? etcd.leadership(identity, leaderLease(options.leaderLease))
        : dev.skiff.controlplane.spi.Leadership.alone();
  }

  /** The autoscaler's input, shared through etcd with the other skiffd on it. */
  private StatsRelay statsRelay(Store s) {
    java.util.function.Consumer<dev.skiff.api.stats.Stat> sink =
        stat -> {
          if (autoscaler != null) {
            autoscaler.record(stat);
          }
        };
    java.util.function.BiConsumer<String, String> poker = (ns, rev) -> scaling.poke(ns, rev);
    return s instanceof EtcdStore
        ? StatsRelay.shared(sink, poker, vertx, s, identity)
        : StatsRelay.local(sink, poker);
  }

  /**
   * {@code --store}: {@code embedded} (true) or an etcd URL (false); anything else is an {@link
   * IllegalArgumentException} saying what to write.
   */
  static boolean storeKind(String flag) {
    if ("embedded".equals(flag)) {
      return true;
    }
    try {
      EtcdUrl.parse(flag);
      return false;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--store: " + e.getMessage() + ", or embedded for the store in the data directory", e);
    }
  }

  /**
   * The embedded store in the data directory, or etcd, reached once before anything else starts so
   * that an unreachable etcd stops skiffd at once with a reason.
   */
  private Future<Store> openStore(java.nio.file.Path dataDir, PrometheusMeterRegistry metrics) {
    if (storeKind(options.store)) {
      return EmbeddedStore.builder()
          .withDataDir(dataDir.resolve("store"))
          .withMeterRegistry(metrics)
          .build()
          .open()
          .map(s -> s);
    }
    EtcdStore etcd = EtcdStore.builder().withUrl(options.store).build();
    return awaitEtcd(etcd)
        .<Store>map(
            r -> {
              LOG.log(Level.INFO, "store: etcd at {0}, revision {1}", etcd.endpoints(), r);
              return etcd;
            })
        .onFailure(err -> etcd.close());
  }

  /**
   * etcd's revision once it answers (asked again for 30 s), else a failure saying which etcd did
   * not answer, why, and what to do: for every role that starts on etcd.
   */
  static Future<Long> awaitEtcd(EtcdStore etcd) {
    return etcd.awaitReachable(Duration.ofSeconds(30))
        .recover(
            err ->
                Future.failedFuture(
                    new IllegalStateException(
                        "etcd at "
                            + etcd.endpoints()
                            + " does not answer ("
                            + err.getMessage()
                            + "); start it, or check --store",
                        err)));
  }

  /** {@code --node-memory}: a quantity, or {@code auto} for 80 % of the machine's memory. */
  static long nodeMemory(String flag) {
    if ("auto".equals(flag)) {
      return NodeAgent.defaultNodeMemory();
    }
    try {
      return Quantities.bytes(flag);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--node-memory "
              + flag
              + " is not a memory quantity ("
              + e.getMessage()
              + "); use e.g."
              + " 8Gi or 512Mi, or auto for 80% of the machine's memory",
          e);
    }
  }

  /**
   * The API's certificate: from the flags, else (for an API beyond loopback) self-signed and kept
   * in the data directory; null for plain HTTP on loopback. Blocking.
   */
  private ControlPlane.Tls apiTls(java.nio.file.Path dataDir) {
    if ((options.apiTlsCert == null) != (options.apiTlsKey == null)) {
      throw new IllegalArgumentException(
          "--api-tls-cert and --api-tls-key go together: give both or neither");
    }
    if (options.apiTlsCert != null) {
      return new ControlPlane.Tls(
          options.apiTlsCert.toAbsolutePath(), options.apiTlsKey.toAbsolutePath());
    }
    if (ApiCertificate.isLoopback(options.apiHost)) {
      return null;
    }
    return ApiCertificate.loadOrCreate(dataDir, options.apiHost, apiHostnames());
  }

  private java.util.List<String> apiHostnames() {
    return options.apiHostnames == null ? java.util.List.of() : options.apiHostnames;
  }

  /** Where the in-process dispatcher reaches the gateway. */
  private String gatewayConnectHost() {
    if (ApiCertificate.isWildcard(options.host)) {
      return options.host.contains(":") ? "::1" : LOOPBACK;
    }
    return options.host;
  }

  /** Where in-process clients (status reporter, examples) reach the API. */
  private String apiConnectHost() {
    if (ApiCertificate.isWildcard(options.apiHost)) {
      return options.apiHost.contains(":") ? "::1" : LOOPBACK;
    }
    return options.apiHost;
  }

  /**
   * Has {@code guard} count the API's connections from their accept on. A port given is found at
   * once; for port 0 (a random port, which Vert.x keeps out of reach) the guard finds the listening
   * socket through the first connection, so skiffd makes one itself as soon as the API listens
   * (connections accepted before it are not counted).
   */
  private Future<Void> guardApiAccepts(ConnectionGuard guard) {
    if (guard.listening(controlPlane.actualPort())) {
      return Future.succeededFuture();
    }
    HttpClientAgent probe = vertx.createHttpClient(apiClientOptions());
    return probe
        .request(HttpMethod.GET, controlPlane.actualPort(), apiConnectHost(), "/healthz")
        .compose(req -> req.send())
        .compose(resp -> resp.body())
        .<Void>mapEmpty()
        .recover(
            err -> {
              LOG.log(
                  Level.WARNING,
                  "the API could not be reached to count its connections from their accept; its"
                      + " first client's connection will do it: {0}",
                  err.getMessage());
              return Future.succeededFuture();
            })
        .eventually(probe::close);
  }

  /** In-process API clients trust exactly the certificate the API serves. */
  private HttpClientOptions apiClientOptions() {
    HttpClientOptions o = new HttpClientOptions();
    if (apiTls != null) {
      o.setSsl(true)
          .setTrustOptions(new PemTrustOptions().addCertPath(apiTls.certificate().toString()))
          .setVerifyHost(false);
    }
    return o;
  }

  /** The Vert.x every component of this skiffd runs on; null before {@link #start}. */
  Vertx vertx() {
    return vertx;
  }

  /** The API's URL as the CLI on this machine uses it. */
  String apiUrl() {
    String h = apiConnectHost();
    return (apiTls != null ? "https" : "http")
        + "://"
        + (h.contains(":") ? "[" + h + "]" : h)
        + ":"
        + controlPlane.actualPort();
  }

  /** Tells the skiff CLI of this user where the API is and its token. Blocking. */
  private Void recordForCli(java.nio.file.Path dataDir) {
    java.nio.file.Path dir =
        options.configDir != null ? options.configDir : CliCredentials.defaultDir(System.getenv());
    try {
      CliCredentials.record(
          dir, apiUrl(), adminToken, apiTls == null ? null : apiTls.certificate());
    } catch (java.io.IOException | RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "cannot record the API token for the CLI in {0} ({1}); skiff will read {2} instead",
          dir,
          e.getMessage(),
          dataDir.resolve(AdminToken.FILE));
    }
    return null;
  }

  /** The admin token (tests use it). */
  String adminToken() {
    return adminToken;
  }

  /**
   * Container settings whose host-wide names (runc state, cgroup, nft table, veth names) derive
   * from the data directory, so two skiffd on one machine never reap each other's instances as
   * leftovers. The address pool is {@code podSubnet} when given, else the first /16 of 10.64.0.0/10
   * that nothing else on the host uses, starting at the one the data directory derives, so the
   * choice stays the same across restarts while that one is free; {@code preparedContainers} is
   * {@code --prepared-containers}.
   */
  static ContainerConfig containerConfig(
      java.nio.file.Path dataDir, String podSubnet, int preparedContainers) {
    int h = Math.floorMod(dataDir.toString().hashCode(), 4096);
    String tag = String.format("%03x", h);
    ContainerConfig.Builder b =
        ContainerConfig.builder()
            .withDataDir(dataDir.resolve("containers"))
            .withScope("skiff-" + tag)
            .withRuntimeRoot(java.nio.file.Path.of("/run/skiff", tag))
            .withInterfacePrefix("sk" + tag)
            .withPreparedContainers(preparedContainers);
    if (podSubnet != null && !podSubnet.isBlank()) {
      return b.withSubnet(podSubnet.strip()).build();
    }
    java.util.List<String> candidates = new java.util.ArrayList<>();
    for (int i = 0; i < 64; i++) {
      candidates.add("10." + (64 + (h + i) % 64) + ".0.0/16");
    }
    return b.withSubnetCandidates(candidates).build();
  }

  public int apiPort() {
    return controlPlane.actualPort();
  }

  /**
   * Certificates each mesh identity in this skiffd obtained so far (first ones included): the
   * gateway's, the activator's and every service's on this node; empty with {@code --mesh off}.
   */
  java.util.Map<String, Long> meshRenewals() {
    java.util.Map<String, Long> out = new java.util.TreeMap<>();
    if (mesh != null) {
      out.putAll(mesh.renewals());
    }
    if (meshFronts != null) {
      out.putAll(meshFronts.renewals());
    }
    return out;
  }

  /** The activator's internal port (always on loopback). */
  int activatorPort() {
    return activator.actualPort();
  }

  /** The mesh's sidecars of this node, null with the mesh off (tests look at their lookups). */
  MeshFronts meshFronts() {
    return meshFronts;
  }

  public int gatewayPort() {
    return gateway.actualPort();
  }

  /** The gateway's HTTPS port; -1 with {@code --gateway-tls-port -1}. */
  public int gatewayTlsPort() {
    return gateway.actualTlsPort();
  }

  /**
   * Stops taking requests, drains instances, closes the API and the store, then Vert.x. Blocks;
   * call it from a thread that is not Vert.x's (Vert.x's own threads end while it closes).
   */
  public void shutdown(Duration timeout) {
    long started = System.nanoTime();
    long deadline = started + timeout.toNanos();
    LOG.log(
        Level.INFO,
        "skiffd stopping: no new requests; in-flight ones and instances drain (within {0} s)",
        timeout.toSeconds());
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
    LOG.log(
        Level.INFO,
        "skiffd stopped in {0} ms",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  private Future<Void> stopComponents() {
    // The leadership first, so another skiffd takes over at once; then eventing: it commits what
    // finished while the gateway still answers.
    Future<Void> led =
        (singletons == null ? Future.<Void>succeededFuture() : singletons.resign())
            .transform(x -> relay == null ? Future.<Void>succeededFuture() : relay.stop());
    Future<Void> e =
        led.transform(x -> eventing == null ? Future.<Void>succeededFuture() : eventing.close());
    Future<Void> g =
        e.transform(
            x -> {
              if (ingress != null) {
                ingress.close();
              }
              return gateway == null ? Future.<Void>succeededFuture() : gateway.close();
            });
    if (autoscaler != null) {
      autoscaler.stop();
    }
    if (console != null) {
      console.stop();
    }
    return g.transform(x -> activator == null ? Future.<Void>succeededFuture() : activator.close())
        .transform(x -> agent == null ? Future.<Void>succeededFuture() : agent.close())
        .andThen(
            x -> {
              if (wasmOutbound != null) {
                wasmOutbound.close();
              }
              if (meshFronts != null) {
                meshFronts.close();
              }
            })
        .transform(
            x -> {
              if (mesh != null) {
                mesh.stop();
              }
              return controlPlane == null ? Future.<Void>succeededFuture() : controlPlane.stop();
            })
        .transform(x -> images == null ? Future.<Void>succeededFuture() : images.close())
        .transform(x -> store == null ? Future.<Void>succeededFuture() : store.close());
  }
}
