package dev.skiff.controlplane;

import dev.skiff.api.model.DomainMapping;
import dev.skiff.api.model.DomainMappingStatus;
import dev.skiff.api.model.Node;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.Trigger;
import dev.skiff.api.validation.AdmissionLimits;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.controlplane.events.EventLog;
import dev.skiff.controlplane.internal.auth.RequestOrigin;
import dev.skiff.controlplane.internal.auth.Secrets;
import dev.skiff.controlplane.internal.auth.TokenRegistry;
import dev.skiff.controlplane.internal.events.ResourceChanges;
import dev.skiff.controlplane.internal.http.ApiRouter;
import dev.skiff.controlplane.internal.resources.BlobStore;
import dev.skiff.controlplane.internal.resources.ConfigApi;
import dev.skiff.controlplane.internal.resources.DefaultModuleValidator;
import dev.skiff.controlplane.internal.resources.DomainApi;
import dev.skiff.controlplane.internal.resources.Keys;
import dev.skiff.controlplane.internal.resources.Repository;
import dev.skiff.controlplane.internal.resources.ResourceApi;
import dev.skiff.controlplane.internal.resources.ResourceFeed;
import dev.skiff.controlplane.internal.resources.StoredBlobs;
import dev.skiff.controlplane.internal.rollout.RolloutController;
import dev.skiff.controlplane.mesh.MeshCa;
import dev.skiff.controlplane.spi.ModuleValidator;
import dev.skiff.controlplane.spi.RevisionMetrics;
import dev.skiff.controlplane.spi.Store;
import dev.skiff.controlplane.spi.Watch;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The control plane: the REST API of docs/rest-api.md over a {@link Store}, and the same resources
 * in-process (typed lists and a change feed) for components in the same JVM.
 *
 * <pre>{@code
 * ControlPlane cp = ControlPlane.builder().withVertx(vertx).withStore(store)
 *     .withBlobDir(dataDir.resolve("blobs")).withAdminToken(adminToken).build();
 * cp.router().get("/healthz").handler(ctx -> ctx.end("ok")); // optional: share the port
 * cp.start().await();
 * }</pre>
 *
 * <p>Every request but {@code /healthz} (and {@code /metrics} unless {@link
 * Builder#withMetricsAuth}) needs a bearer token: the admin token, a scoped token from {@code
 * /v1/tokens}, or {@link #systemToken()} for Skiff's own components; see docs/security.md. Routes
 * added through {@link #router()} are behind the same checks.
 *
 * <p>It does not own the store or Vert.x: {@link #stop()} closes only its HTTP server.
 */
public final class ControlPlane {
  /** The secrets key's file name, next to the blob directory unless the builder says otherwise. */
  public static final String SECRETS_KEY_FILE = "secrets.key";

  private final Vertx vertx;
  private final Store store;
  private final BlobStore blobs;
  private final ResourceApi api;
  private final ResourceFeed feed;
  private final ConfigApi config;
  private final DomainApi domains;
  private final Router router;
  private final String host;
  private final int port;
  private final Tls tls;
  private final String systemToken;
  private final TokenRegistry tokens;
  private final MeshCa mesh;
  private final EventLog events;
  private final RolloutController rollouts;
  private final dev.skiff.controlplane.nodes.NodePort nodes;
  private final HttpServerOptions serverOptions;
  private final Handler<HttpConnection> connectionHandler;
  private final boolean ledElsewhere;
  private volatile HttpServer server;
  private volatile Watch changeWatch;

  /** A PEM certificate (chain) and its private key for serving the API over HTTPS. */
  public record Tls(Path certificate, Path privateKey) {}

  private ControlPlane(Builder b) {
    this.vertx = b.vertx;
    this.store = b.store;
    this.blobs =
        new BlobStore(
            b.vertx,
            b.blobDir,
            b.moduleValidator,
            b.blobsInStore ? new StoredBlobs(b.store) : null);
    this.api = new ResourceApi(b.store, blobs, b.domain, b.clock, b.limits, b.hostDirectories);
    this.feed = new ResourceFeed(b.store);
    this.config =
        new ConfigApi(
            b.vertx,
            new Repository(b.store),
            b.secretsKeyFile != null
                ? b.secretsKeyFile
                : b.blobDir.toAbsolutePath().resolveSibling(SECRETS_KEY_FILE),
            b.clock);
    this.tokens =
        new TokenRegistry(
            b.store,
            b.adminToken == null ? Secrets.newToken() : b.adminToken,
            b.systemToken,
            b.clock);
    this.mesh =
        MeshCa.builder()
            .withVertx(b.vertx)
            .withStore(b.store)
            .withTrustDomain(b.trustDomain)
            .withClock(b.clock)
            .withRootSwitchDelay(b.rootSwitchDelay)
            .withMinTtl(b.meshMinTtl)
            .build();
    this.events = new EventLog(b.clock);
    this.rollouts =
        new RolloutController(b.vertx, api.lifecycle(), b.revisionMetrics, b.clock, b.rolloutTick);
    this.domains = config.domains(b.domain, events, b.clock);
    this.nodes =
        dev.skiff.controlplane.nodes.NodePort.builder()
            .withVertx(b.vertx)
            .withStore(b.store)
            .withMeshCa(mesh)
            .withClock(b.clock)
            .withHost(b.nodeHost)
            .withPort(b.nodePort)
            .withLease(b.nodeLease)
            .withModules(
                digest ->
                    blobs.path(digest).compose(p -> b.vertx.fileSystem().readFile(p.toString())))
            .withRemoteInstances(b.remoteInstances)
            .withStats(b.nodeStats)
            .withDemand(b.demand)
            .withPokes(b.edgePokes)
            .withLagReports(b.lagReports)
            .withEnvValues(
                new dev.skiff.controlplane.nodes.EnvValues() {
                  @Override
                  public Future<Optional<Map<String, String>>> secret(String ns, String name) {
                    return config.secretValues(ns, name);
                  }

                  @Override
                  public Future<Optional<Map<String, String>>> configMap(String ns, String name) {
                    return config.configMapValues(ns, name);
                  }
                })
            .withRevisionStatus(
                b.statusFromNodes
                    ? (ns, name, status) -> api.setRevisionStatus(ns, name, status)
                    : dev.skiff.controlplane.nodes.RevisionStatusWriter.NONE)
            .build();
    Set<String> open = b.metricsAuth ? Set.of() : Set.of("/metrics");
    this.router =
        ApiRouter.create(
            b.vertx,
            api,
            config,
            domains,
            blobs,
            feed,
            b.store,
            b.meterRegistry,
            tokens,
            mesh,
            events,
            nodes.admin(),
            new RequestOrigin(b.hostnames, b.tls != null),
            open,
            b.openPrefix,
            b.tokenHint);
    this.host = b.host;
    this.port = b.port;
    this.tls = b.tls;
    this.systemToken = b.systemToken;
    this.serverOptions = b.serverOptions;
    this.connectionHandler = b.connectionHandler;
    this.ledElsewhere = b.ledElsewhere;
  }

  /**
   * The values of secret {@code ns/name} as text, for the node that starts an instance with env
   * read from it; empty when the secret does not exist. Never answered over the API.
   */
  public Future<Optional<Map<String, String>>> secretValues(String ns, String name) {
    return config.secretValues(ns, name);
  }

  /** The data of config map {@code ns/name}; empty when it does not exist. */
  public Future<Optional<Map<String, String>>> configMapValues(String ns, String name) {
    return config.configMapValues(ns, name);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Every stored domain certificate, opened; for the gateway. Never answered over the API. */
  public Future<List<DomainCertificate>> domainCertificates() {
    return domains.sealed().certificates();
  }

  /** The certificate stored under {@code name} (a host or a wildcard), opened. */
  public Future<Optional<DomainCertificate>> domainCertificate(String name) {
    return domains.sealed().certificate(name);
  }

  /** Seals and stores a certificate (issued by ACME, say); listeners hear its name. */
  public Future<Void> storeDomainCertificate(DomainCertificate certificate) {
    return domains.sealed().storeCertificate(certificate);
  }

  /**
   * Calls {@code listener} with a certificate's name each time one is stored or deleted (with its
   * mapping), on the thread that wrote it.
   */
  public void onDomainCertificateChange(java.util.function.Consumer<String> listener) {
    domains.sealed().onCertificateChange(listener);
  }

  /** Replaces a domain mapping's status; nothing when the mapping is gone. */
  public Future<Void> setDomainStatus(String domain, DomainMappingStatus status) {
    return domains.setStatus(domain, status);
  }

  /** Every domain mapping. */
  public Future<List<DomainMapping>> domainMappings() {
    return domains.mappings(null);
  }

  /** A private value sealed in the store under {@code name} (an ACME account key, say). */
  public Future<Optional<byte[]>> privateValue(String name) {
    return domains.sealed().privateValue(name);
  }

  /** Seals {@code value} and stores it under {@code name}. */
  public Future<Void> putPrivateValue(String name, byte[] value) {
    return domains.sealed().putPrivateValue(name, value);
  }

  /**
   * The API's router, for serving it from another HTTP server or adding routes (say {@code
   * /healthz} and {@code /metrics}) next to it; {@link #start()} serves this same router.
   */
  public Router router() {
    return router;
  }

  /**
   * The mesh's certificate authority, for components in this JVM (the sidecars); usable once {@link
   * #start()} completed.
   */
  public MeshCa meshCa() {
    return mesh;
  }

  /** The node port (node agents over gRPC); served only when a port was given. */
  public dev.skiff.controlplane.nodes.NodePort nodePort() {
    return nodes;
  }

  /**
   * Repairs what a crash may have left half-written (a service naming a revision not yet written),
   * loads or makes the mesh CA, then binds the HTTP server to the configured host and port; port 0
   * picks a free one.
   */
  public Future<ControlPlane> start() {
    return api.repairMissingRevisions()
        .compose(v -> mesh.start())
        .compose(v -> followChanges())
        .compose(
            v ->
                vertx
                    .createHttpServer(serverOptions())
                    .connectionHandler(connectionHandler)
                    .requestHandler(router)
                    .listen())
        .compose(
            s -> {
              this.server = s;
              return nodes.start();
            })
        .compose(n -> ledElsewhere ? Future.succeededFuture() : lead())
        .map(this);
  }

  /**
   * Starts the singletons, which only one control plane on a store may run: rollouts (judged and
   * stepped every tick), the nodes' lease checks and placement. {@link #start()} does so itself
   * unless the builder said {@link Builder#withLeadershipElsewhere}; then the caller calls this
   * when it wins the leadership, and {@link #follow()} when it loses it. Either may be called
   * again.
   */
  public Future<Void> lead() {
    rollouts.start();
    return nodes.lead();
  }

  /** Stops the singletons ({@link #lead()}): this control plane writes nothing on its own now. */
  public void follow() {
    rollouts.stop();
    nodes.follow();
  }

  /** Whether the singletons run here ({@link #lead()}). */
  public boolean leading() {
    return rollouts.running();
  }

  /**
   * The log of what happened to services, revisions and instances: the control plane records what
   * it sees in the store; other components in this JVM record through it too.
   */
  public EventLog events() {
    return events;
  }

  /** Records events for what changes in the store from now on (see {@link ResourceChanges}). */
  private Future<Void> followChanges() {
    ResourceChanges changes = new ResourceChanges(events);
    java.util.concurrent.atomic.AtomicBoolean live =
        new java.util.concurrent.atomic.AtomicBoolean();
    Future<Watch> w =
        feed.follow(
            e -> {
              rollouts.onEvent(e);
              if (live.get()) {
                changes.onEvent(e);
              } else {
                changes.replay(e);
              }
            });
    return w.map(
        watch -> {
          changeWatch = watch;
          live.set(true);
          return null;
        });
  }

  private HttpServerOptions serverOptions() {
    HttpServerOptions o = new HttpServerOptions(serverOptions).setHost(host).setPort(port);
    if (tls != null) {
      o.setSsl(true)
          .setKeyCertOptions(
              new PemKeyCertOptions()
                  .setCertPath(tls.certificate().toString())
                  .setKeyPath(tls.privateKey().toString()));
    }
    return o;
  }

  /**
   * The credential of Skiff's own components in this process (the node agent's status reports): the
   * only one that may write status subresources. Never written anywhere.
   */
  public String systemToken() {
    return systemToken;
  }

  /** Whether the API is served over HTTPS. */
  public boolean tls() {
    return tls != null;
  }

  /** The port the server listens on once {@link #start()} completed; -1 before. */
  public int actualPort() {
    HttpServer s = server;
    return s == null ? -1 : s.actualPort();
  }

  /** Closes the HTTP server, ending open watch streams. The store stays open. */
  public Future<Void> stop() {
    rollouts.stop();
    nodes.stop();
    Watch w = changeWatch;
    if (w != null) {
      w.cancel();
    }
    HttpServer s = server;
    return s == null ? Future.succeededFuture() : s.close();
  }

  /**
   * Watches every resource (services, revisions, triggers, nodes): changes after {@code
   * fromRevision}, then live ones, in revision order. {@link Watch#started()} fails with {@link
   * CompactedException} when that history is gone: list again and watch from the listing's
   * revision. The handler runs on the caller's Vert.x context if there is one, else on a store
   * thread, one event at a time.
   */
  public Watch watch(long fromRevision, Handler<ResourceEvent> handler) {
    return feed.watch(fromRevision, handler);
  }

  /**
   * List-then-watch over every resource: the current state as PUT events (in key order), then every
   * later change. For in-process consumers that rebuild their state from the store at start-up. The
   * future completes once the current state was delivered and the watch runs; the handler runs as
   * for {@link #watch}.
   */
  public Future<Watch> follow(Handler<ResourceEvent> handler) {
    return feed.follow(handler);
  }

  /** Every service in every namespace, sorted by namespace and name. */
  public Future<Listing<Service>> services() {
    return api.list(Keys.SERVICES, Service.class);
  }

  /** Every revision, sorted by namespace, service and number. */
  public Future<Listing<Revision>> revisions() {
    return api.revisions(null, null);
  }

  /** Every trigger in every namespace. */
  public Future<Listing<Trigger>> triggers() {
    return api.list(Keys.TRIGGERS, Trigger.class);
  }

  /** Every registered node. */
  public Future<Listing<Node>> nodes() {
    return api.list(Keys.NODES, Node.class);
  }

  /**
   * The file of an uploaded Wasm module ({@code sha256:<hex>}); fails with {@link
   * NotFoundException}.
   */
  public Future<Path> blob(String digest) {
    return blobs.path(digest);
  }

  /** Configures a {@link ControlPlane}. Vert.x, the store and the blob directory are required. */
  public static final class Builder {
    private Vertx vertx;
    private Store store;
    private Path blobDir;
    private Path secretsKeyFile;
    private ModuleValidator moduleValidator = new DefaultModuleValidator();
    private String domain = "localhost";
    private Clock clock = Clock.systemUTC();
    private MeterRegistry meterRegistry = new SimpleMeterRegistry();
    private String host = "127.0.0.1";
    private int port = 7070;
    private AdmissionLimits limits = AdmissionLimits.NONE;
    private boolean hostDirectories;
    private boolean blobsInStore;

    private String adminToken;
    private final String systemToken = Secrets.newToken();
    private java.util.List<String> hostnames = java.util.List.of();
    private boolean metricsAuth;
    private String openPrefix;
    private Tls tls;
    private String tokenHint =
        "send the admin token (made by skiffd at first start, in {data-dir}/admin.token) or a"
            + " token from skiff token create, as Authorization: Bearer <token>";
    private HttpServerOptions serverOptions = new HttpServerOptions();
    private Handler<HttpConnection> connectionHandler = conn -> {};
    private boolean ledElsewhere;
    private String trustDomain = "skiff.local";
    private java.time.Duration rootSwitchDelay = java.time.Duration.ofMinutes(1);
    private java.time.Duration meshMinTtl = java.time.Duration.ofMinutes(1);
    private RevisionMetrics revisionMetrics = RevisionMetrics.NONE;
    private java.time.Duration rolloutTick = java.time.Duration.ofSeconds(1);
    private String nodeHost = "127.0.0.1";
    private int nodePort = -1;
    private java.time.Duration nodeLease = java.time.Duration.ofSeconds(10);
    private dev.skiff.controlplane.nodes.RemoteInstances remoteInstances =
        dev.skiff.controlplane.nodes.RemoteInstances.NONE;
    private dev.skiff.controlplane.nodes.Demand demand = dev.skiff.controlplane.nodes.Demand.NONE;
    private java.util.function.BiConsumer<String, String> edgePokes = (ns, rev) -> {};
    private dev.skiff.controlplane.nodes.LagReports lagReports =
        dev.skiff.controlplane.nodes.LagReports.NONE;
    private java.util.function.Consumer<dev.skiff.api.stats.Stat> nodeStats = s -> {};
    private boolean statusFromNodes;

    private Builder() {}

    /**
     * Whether revision statuses (ready instances, Ready and why not) come from the remote nodes'
     * reports, summed over the nodes: for a control plane that runs no instance itself (every role
     * but node). Default false: the in-process node writes them.
     */
    public Builder withRevisionStatusFromNodes(boolean fromNodes) {
      this.statusFromNodes = fromNodes;
      return this;
    }

    /**
     * What the node port does with remote nodes' reports: their instances (the endpoints skiffd's
     * gateway and activator call), their stats (the autoscaler), and what placement asks of them
     * (the autoscaler's decisions). Defaults: ignored, and placement by min-scale alone.
     */
    public Builder withRemoteNodes(
        dev.skiff.controlplane.nodes.RemoteInstances instances,
        java.util.function.Consumer<dev.skiff.api.stats.Stat> stats,
        dev.skiff.controlplane.nodes.Demand demand) {
      this.remoteInstances = Objects.requireNonNull(instances);
      this.nodeStats = Objects.requireNonNull(stats);
      this.demand = Objects.requireNonNull(demand);
      return this;
    }

    /**
     * Serves the node port (node agents of other machines, over gRPC and mTLS) on {@code
     * host:port}; port 0 picks a free one, -1 (the default) serves none. {@code lease}: how long a
     * node stays Ready after its last heartbeat (see {@link
     * dev.skiff.controlplane.nodes.NodePort}).
     */
    /**
     * Where pokes of edge activators ({@code skiffd --roles gateway,activator}) arriving on the
     * node port go: the autoscaler, which decides for the revision at once. Default nowhere.
     */
    public Builder withEdgePokes(java.util.function.BiConsumer<String, String> pokes) {
      this.edgePokes = Objects.requireNonNull(pokes);
      return this;
    }

    /**
     * Where the lag that eventing processes ({@code skiffd --roles eventing}) report on the node
     * port goes: the autoscaler's lag floor. Default nowhere.
     */
    public Builder withLagReports(dev.skiff.controlplane.nodes.LagReports reports) {
      this.lagReports = Objects.requireNonNull(reports);
      return this;
    }

    public Builder withNodePort(String host, int port, java.time.Duration lease) {
      this.nodeHost = Objects.requireNonNull(host);
      this.nodePort = port;
      this.nodeLease = Objects.requireNonNull(lease);
      return this;
    }

    /** The mesh's trust domain, in every SPIFFE ID it issues; default {@code skiff.local}. */
    public Builder withTrustDomain(String td) {
      dev.skiff.api.mesh.SpiffeId.checkTrustDomain(td);
      this.trustDomain = td;
      return this;
    }

    /**
     * How long after a root rotation starts the new root signs leaves (see {@link
     * MeshCa.Builder#withRootSwitchDelay}); default 1 minute.
     */
    public Builder withMeshRootSwitchDelay(java.time.Duration d) {
      this.rootSwitchDelay = Objects.requireNonNull(d);
      return this;
    }

    /**
     * The shortest mesh leaf lifetime the CA grants (see {@link MeshCa.Builder#withMinTtl});
     * default 1 minute. Tests lower it to renew within seconds.
     */
    public Builder withMeshMinTtl(java.time.Duration d) {
      this.meshMinTtl = Objects.requireNonNull(d);
      return this;
    }

    /**
     * Where rollouts read their new revision's figures (requests, 5xx, p99 per revision) to decide
     * on a rollback; default none, and then rollouts step on time alone.
     */
    public Builder withRevisionMetrics(RevisionMetrics m) {
      this.revisionMetrics = Objects.requireNonNull(m);
      return this;
    }

    /** How often rollouts are judged and stepped; default 1 second. */
    public Builder withRolloutTick(java.time.Duration d) {
      if (d.toMillis() < 1) {
        throw new IllegalArgumentException("the rollout tick is at least 1 ms, got " + d);
      }
      this.rolloutTick = d;
      return this;
    }

    /** Ceilings on what a service may ask for, refused with 422 at write; none by default. */
    public Builder withAdmissionLimits(AdmissionLimits l) {
      this.limits = l;
      return this;
    }

    /**
     * The admin token: every call but status writes. Without one a random token nobody knows is
     * used (only scoped tokens and the {@link #systemToken()} then work). Tests pass a known one.
     */
    public Builder withAdminToken(String token) {
      if (token == null || token.isBlank()) {
        throw new IllegalArgumentException("the admin token must not be empty");
      }
      this.adminToken = token;
      return this;
    }

    /**
     * DNS names clients reach the API by, beyond localhost and IP addresses; other Host headers get
     * 421 (DNS rebinding guard).
     */
    public Builder withHostnames(java.util.List<String> names) {
      this.hostnames = java.util.List.copyOf(names);
      return this;
    }

    /** Whether {@code /metrics} needs a token too; default false (open, like {@code /healthz}). */
    public Builder withMetricsAuth(boolean required) {
      this.metricsAuth = required;
      return this;
    }

    /**
     * A path prefix served without a token, e.g. {@code /ui/} for the web console's static files
     * (which must hold no data: they are public); the Host and Origin checks still apply. Default
     * none. Must start and end with {@code /} and not be under {@code /v1/}.
     */
    public Builder withOpenPathPrefix(String prefix) {
      if (prefix == null
          || prefix.length() < 3
          || !prefix.startsWith("/")
          || !prefix.endsWith("/")
          || prefix.startsWith("/v1/")) {
        throw new IllegalArgumentException(
            "an open path prefix looks like /ui/ and is not under /v1/, got " + prefix);
      }
      this.openPrefix = prefix;
      return this;
    }

    /** Serves HTTPS with this certificate and key; default plain HTTP (for loopback only). */
    public Builder withTls(Tls tls) {
      this.tls = tls;
      return this;
    }

    /** The hint in 401 answers: how a caller gets a token here. */
    public Builder withTokenHint(String hint) {
      this.tokenHint = java.util.Objects.requireNonNull(hint);
      return this;
    }

    public Builder withVertx(Vertx v) {
      this.vertx = v;
      return this;
    }

    public Builder withStore(Store s) {
      this.store = s;
      return this;
    }

    /**
     * Where uploaded modules are kept ({@code <dir>/sha256/<hex>}), e.g. {@code <data-dir>/blobs}.
     */
    /**
     * The file holding the key that seals secret values (made, mode 0600, at first use); by default
     * {@code secrets.key} next to the blob directory. Keep it out of the store's backups or with
     * them, never in the store.
     */
    public Builder withSecretsKeyFile(Path file) {
      this.secretsKeyFile = file;
      return this;
    }

    public Builder withBlobDir(Path dir) {
      this.blobDir = dir;
      return this;
    }

    /**
     * Whether uploaded modules are kept in the store too (in chunks, see docs/cluster.md), with the
     * blob directory as a cache filled from it; for a store that outlives the data directory
     * (etcd). Default false: the embedded store's modules live in the blob directory only.
     */
    public Builder withBlobsInStore(boolean inStore) {
      this.blobsInStore = inStore;
      return this;
    }

    /** Checks uploaded modules; the default checks only the Wasm magic and version. */
    public Builder withModuleValidator(ModuleValidator v) {
      this.moduleValidator = v;
      return this;
    }

    /**
     * The domain in service URLs, {@code http://{name}.{namespace}.{domain}}; default localhost.
     */
    public Builder withDomain(String d) {
      this.domain = d;
      return this;
    }

    /** The clock for creation and condition times; default UTC system time. */
    public Builder withClock(Clock c) {
      this.clock = c;
      return this;
    }

    /** Where request meters go ({@code skiff.api.*}); default a private simple registry. */
    public Builder withMeterRegistry(MeterRegistry r) {
      this.meterRegistry = r;
      return this;
    }

    /** The address {@link #start()} binds; default 127.0.0.1. */
    public Builder withHost(String h) {
      this.host = h;
      return this;
    }

    /** The port {@link #start()} binds; default 7070, 0 for any free port. */
    /**
     * Whether Wasm services may name a directory under the node's volume root; false by default,
     * and then {@code wasm.directory.hostPath} is refused with 422.
     */
    public Builder withHostDirectories(boolean allowed) {
      this.hostDirectories = allowed;
      return this;
    }

    public Builder withPort(int p) {
      this.port = p;
      return this;
    }

    /**
     * The HTTP server's options (timeouts, limits) and a handler for each new connection (to cap
     * them), for whoever runs the API at an edge; default Vert.x's options and no handler.
     */
    /**
     * Several control planes share the store: {@link ControlPlane#start()} leaves the singletons
     * (rollouts, lease checks, placement) stopped; the caller runs them with {@link
     * ControlPlane#lead()} while it holds the leadership and stops them with {@link
     * ControlPlane#follow()}. Default: this control plane leads from its start.
     */
    public Builder withLeadershipElsewhere() {
      this.ledElsewhere = true;
      return this;
    }

    public Builder withServer(HttpServerOptions options, Handler<HttpConnection> onConnection) {
      this.serverOptions = Objects.requireNonNull(options, "options");
      this.connectionHandler = Objects.requireNonNull(onConnection, "onConnection");
      return this;
    }

    public ControlPlane build() {
      Objects.requireNonNull(vertx, "withVertx(..) is required");
      Objects.requireNonNull(store, "withStore(..) is required");
      Objects.requireNonNull(blobDir, "withBlobDir(..) is required");
      Objects.requireNonNull(moduleValidator, "moduleValidator");
      Objects.requireNonNull(clock, "clock");
      Objects.requireNonNull(meterRegistry, "meterRegistry");
      return new ControlPlane(this);
    }
  }
}
