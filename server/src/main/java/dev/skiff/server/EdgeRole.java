package dev.skiff.server;

import dev.skiff.activator.Activator;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.validation.Names;
import dev.skiff.controlplane.nodes.ClusterView;
import dev.skiff.gateway.Gateway;
import dev.skiff.gateway.spi.ActivatorRouting;
import dev.skiff.node.EndpointRegistry;
import dev.skiff.nodeagent.EdgeLink;
import dev.skiff.proxy.ConnectionGuard;
import dev.skiff.proxy.TrustedProxies;
import dev.skiff.store.etcd.EtcdStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;

/**
 * {@code skiffd --roles gateway,activator}: an edge serving requests apart from the control plane,
 * any number side by side. Everything it routes by comes from etcd ({@link ClusterView}): services,
 * revisions and domain mappings from the change feed, remote instances from the nodes' stored
 * reports while their node is Ready, so nothing on its request path needs the control plane and a
 * control-plane restart goes unnoticed. What needs the control plane goes over its node port
 * ({@link EdgeLink}, mTLS after a bootstrap token): the gateway's and activator's mesh certificates
 * (keys made here), the activator's stats every second and its pokes at once, so the autoscaler
 * there scales revisions from zero for requests arriving here. The gateway calls remote sidecars
 * over mTLS as {@code spiffe://{td}/skiff/gateway} and hands requests for revisions without a ready
 * instance to the activator in process.
 *
 * <p>{@code /healthz} and {@code /metrics} answer on the API port ({@link EdgeAdminPort}).
 *
 * <p>Not on an edge: HTTPS (certificates are sealed with the control plane's secrets key), the API,
 * eventing.
 */
final class EdgeRole {
  private static final System.Logger LOG = System.getLogger(EdgeRole.class.getName());
  private static final String LOOPBACK = "127.0.0.1";

  private final SkiffdOptions options;
  private Vertx vertx;
  private EtcdStore store;
  private EdgeLink link;
  private MeshComponents mesh;
  private ClusterView view;
  private Activator activator;
  private Gateway gateway;
  private io.vertx.core.http.HttpServer admin;

  EdgeRole(SkiffdOptions options) {
    this.options = options;
  }

  /** The link as the flags describe it; throws {@link IllegalArgumentException} naming a flag. */
  EdgeLink.Builder settings() {
    if (options.metricsAuth) {
      throw new IllegalArgumentException(
          "an edge holds no API tokens, so --metrics-auth cannot apply to its /metrics: drop it"
              + " and keep --api-host on loopback or a network only your scrapers reach");
    }
    if (Skiffd.storeKind(options.store)) {
      throw new IllegalArgumentException(
          "--roles gateway,activator reads what it serves from etcd: give --store"
              + " etcd://HOST:PORT, the control plane's");
    }
    java.util.List<NodeRole.HostPort> planes = NodeRole.controlPlanes(options, "gateway,activator");
    if (planes.size() > 1) {
      throw new IllegalArgumentException(
          "--roles gateway,activator joins one control plane: give --control-plane one HOST:PORT"
              + " (an edge does not move between control planes yet), got "
              + options.controlPlane);
    }
    NodeRole.HostPort cp = planes.get(0);
    String name = options.nodeName != null ? options.nodeName : NodeRole.defaultName();
    if (!Names.isDnsLabel(name)) {
      throw new IllegalArgumentException(
          "--node-name '" + name + "' (the edge's name) is not valid; " + Names.DNS_HINT);
    }
    if (options.gatewayTlsPort >= 0) {
      LOG.log(
          System.Logger.Level.WARNING,
          "an edge serves plain HTTP only: --gateway-tls-port is ignored (HTTPS is served by the"
              + " control plane's gateway)");
    }
    return EdgeLink.builder()
        .withControlPlane(cp.host(), cp.port())
        .withEdgeName(name)
        .withBootstrapToken(NodeRole.read(options.bootstrapToken, "--bootstrap-token").strip())
        .withControlPlaneCa(NodeRole.read(options.controlPlaneCa, "--control-plane-ca"))
        .withTrustDomain(options.trustDomain);
  }

  /** Starts the edge; fails when etcd does not answer or the control plane refuses the token. */
  Future<Void> start(EdgeLink.Builder settings) {
    Clock clock = Clock.systemUTC();
    vertx = Vertx.builder().with(EventLoops.options(options.eventLoops)).build();
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    TrustedProxies trustedProxies = TrustedProxies.parse(options.trustedProxies);
    Duration headerTimeout = Duration.ofSeconds(options.headerTimeoutSeconds);
    Duration idleTimeout = Duration.ofSeconds(options.idleTimeoutSeconds);
    Duration bodyTimeout = Duration.ofSeconds(options.bodyTimeoutSeconds);
    Duration drain = Duration.ofSeconds(options.drainSeconds);
    store = EtcdStore.builder().withUrl(options.store).build();
    link = settings.withVertx(vertx).build();
    // Remote instances as endpoints: mirrored from the stored reports into a registry the gateway
    // and the activator read, as the control plane's own gateway does from the node port.
    EndpointRegistry registry = new EndpointRegistry(vertx);
    RemoteEndpoints remote = new RemoteEndpoints(() -> registry);
    EdgeEndpoints endpoints = new EdgeEndpoints(registry);
    view = new ClusterView(store);
    return Skiffd.awaitEtcd(store)
        // 1. Who this edge is: a bootstrap token for the link, then the components' identities.
        .compose(r -> link.start())
        .compose(
            l ->
                options.mesh()
                    ? MeshComponents.edge(
                            vertx,
                            options.trustDomain,
                            (SpiffeId id) -> new EdgeIssuer(link, id),
                            metrics,
                            options.meshTimings)
                        .map(
                            m -> {
                              mesh = m;
                              return null;
                            })
                    : Future.succeededFuture())
        .compose(
            v -> {
              // 2. The activator: holds requests for revisions without a ready instance; its pokes
              //    and stats go to the control plane's autoscaler over the link.
              Activator.Builder a =
                  Activator.builder()
                      .withVertx(vertx)
                      .withMeterRegistry(metrics)
                      .withClock(clock)
                      .withEndpointWatch(endpoints)
                      .withPoker(link::poke)
                      .withStatsSink(link::report)
                      .withHeaderTimeout(headerTimeout)
                      .withIdleTimeout(idleTimeout)
                      .withBodyReadTimeout(bodyTimeout)
                      .withDrainTimeout(drain);
              activator = (mesh == null ? a : mesh.activator(a)).build();
              return activator.start(LOOPBACK, 0);
            })
        .compose(
            act -> {
              // 3. The gateway: remote instances over mTLS when they have a ready one, else the
              //    activator in process (no burst-capacity rule here: the autoscaler's decisions
              //    stay in the control plane).
              Gateway.Builder g =
                  Gateway.builder()
                      .withVertx(vertx)
                      .withDomain(options.domain)
                      .withMeterRegistry(metrics)
                      .withClock(clock)
                      .withEndpoints(new AgentEndpoints(registry))
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
                          ActivatorRouting.whenNoEndpoint())
                      .withLocalActivator(
                          (request, cancellation) ->
                              activator.serveInProcess(
                                  request,
                                  mesh == null ? null : mesh.gatewayIdentity(),
                                  cancellation));
              gateway = (mesh == null ? g : mesh.gateway(g)).build();
              // 4. What to serve, from etcd: resources first, then the nodes' instances.
              return view.follow(
                  ev -> {
                    endpoints.onResourceEvent(ev);
                    gateway.onResourceEvent(ev);
                  });
            })
        .compose(w -> view.followInstances(new EdgeNodeMeters(remote, metrics)))
        .compose(v -> gateway.start(options.host, options.gatewayPort))
        // 5. /healthz and /metrics where the control plane serves its API, once serving.
        .compose(
            g ->
                EdgeAdminPort.start(
                    vertx,
                    metrics,
                    new ConnectionGuard(
                        vertx,
                        headerTimeout,
                        idleTimeout,
                        options.apiMaxConnections,
                        options.apiMaxConnectionsPerClient,
                        trustedProxies),
                    options.apiHost,
                    options.apiPort))
        .map(
            s -> {
              admin = s;
              LOG.log(
                  System.Logger.Level.INFO,
                  "skiffd ready: edge (gateway, activator), gateway http://{0}:{1,number,#},"
                      + " /healthz and /metrics on http://{2}:{3,number,#}, store {4}",
                  options.host,
                  gateway.actualPort(),
                  options.apiHost,
                  s.actualPort(),
                  store.endpoints());
              return null;
            });
  }

  /** Stops taking requests, then the link, the store and Vert.x. */
  void shutdown() {
    try {
      if (admin != null) {
        admin.close().toCompletionStage().toCompletableFuture().join();
      }
      if (gateway != null) {
        gateway.close().toCompletionStage().toCompletableFuture().join();
      }
      if (activator != null) {
        activator.close().toCompletionStage().toCompletableFuture().join();
      }
      if (view != null) {
        view.close();
      }
      if (link != null) {
        link.stop().toCompletionStage().toCompletableFuture().join();
      }
      if (mesh != null) {
        mesh.stop();
      }
      if (store != null) {
        store.close().toCompletionStage().toCompletableFuture().join();
      }
    } finally {
      if (vertx != null) {
        vertx.close().toCompletionStage().toCompletableFuture().join();
      }
    }
  }
}
