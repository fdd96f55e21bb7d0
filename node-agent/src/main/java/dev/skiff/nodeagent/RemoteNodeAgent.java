package dev.skiff.nodeagent;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.node.v1.AssignmentSet;
import dev.skiff.api.node.v1.BootstrapRequest;
import dev.skiff.api.node.v1.Capacity;
import dev.skiff.api.node.v1.HeartbeatRequest;
import dev.skiff.api.node.v1.HeartbeatResponse;
import dev.skiff.api.node.v1.NodeServiceGrpcClient;
import dev.skiff.api.node.v1.RegisterRequest;
import dev.skiff.api.node.v1.RegisterResponse;
import dev.skiff.api.node.v1.RenewCertificateRequest;
import dev.skiff.api.node.v1.WatchAssignmentsRequest;
import dev.skiff.api.node.v1.WorkloadKind;
import dev.skiff.api.validation.Names;
import dev.skiff.nodeagent.internal.Backoff;
import dev.skiff.nodeagent.internal.Calls;
import dev.skiff.nodeagent.internal.ControlPlaneTrust;
import dev.skiff.nodeagent.internal.ControlPlanes;
import dev.skiff.nodeagent.internal.NodeClients;
import dev.skiff.nodeagent.internal.NodeKeys;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * A node agent's link to the control plane's node port: bootstraps the node's identity with a
 * bootstrap token (the key is made here; only a CSR travels), registers the node with its capacity
 * and kinds, renews its lease by heartbeat at the interval the control plane asks for, follows its
 * assignments, renews its certificate at 70 % of its lifetime, and reconnects with backoff when the
 * control plane goes away. Every call after the bootstrap is mTLS with the node's certificate; the
 * server must present {@code spiffe://{td}/skiff/control-plane} chained to the CA file given.
 *
 * <p>{@link #start()} completes once the node registered, or fails with {@link RefusedException}
 * when the control plane refuses the node for good (a bad token, say); transport trouble is retried
 * with backoff meanwhile.
 */
public final class RemoteNodeAgent {
  private static final System.Logger LOG = System.getLogger(RemoteNodeAgent.class.getName());

  private final Vertx vertx;
  private final ControlPlanes servers;
  private final String nodeName;
  private final String caBundle;
  private final String token;
  private final String trustDomain;
  private final long cpuMillis;
  private final long memoryBytes;
  private final Set<String> kinds;
  private final java.util.function.Supplier<java.util.Collection<String>> cached;
  private final String advertise;
  private final Duration callTimeout;
  private final CertificateRenewal renewal;
  private final Backoff backoff;
  private final Consumer<AssignmentSet> onAssignments;
  private final WorkCalls work;

  private volatile NodeCredentials credentials;
  private volatile GrpcClient client;
  private volatile Duration heartbeat = Duration.ofSeconds(3);
  private volatile boolean connected;
  private volatile boolean stopped;
  private volatile long heartbeatTimer = -1;
  private volatile AssignmentSet assignments = AssignmentSet.getDefaultInstance();
  private volatile boolean cordoned;

  private RemoteNodeAgent(Builder b) {
    this.vertx = b.vertx;
    this.servers = new ControlPlanes(b.servers);
    this.nodeName = b.nodeName;
    this.caBundle = b.caBundle;
    this.token = b.token;
    this.trustDomain = b.trustDomain;
    this.cpuMillis = b.cpuMillis;
    this.memoryBytes = b.memoryBytes;
    this.kinds = Set.copyOf(b.kinds);
    this.cached = b.cached;
    this.advertise = b.advertise;
    this.callTimeout = b.callTimeout;
    this.renewal = new CertificateRenewal(vertx, b.clock, LOG);
    this.backoff =
        new Backoff(b.backoffFirst, b.backoffMax, ThreadLocalRandom.current()::nextDouble);
    this.onAssignments = b.onAssignments;
    this.work = new WorkCalls(() -> client, servers::current, trustDomain, nodeName, callTimeout);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Bootstraps, registers, then keeps the lease and follows assignments until {@link #stop()}. */
  public Future<RemoteNodeAgent> start() {
    Promise<RemoteNodeAgent> started = Promise.promise();
    bootstrap(started);
    return started.future();
  }

  /** The calls for the node's work (revisions, modules, certificates, reports). */
  public WorkCalls work() {
    return work;
  }

  /** The node's identity, once bootstrapped. */
  public NodeCredentials credentials() {
    return credentials;
  }

  /** Whether the last call to the control plane got an answer. */
  public boolean connected() {
    return connected;
  }

  /** Whether the admin cordoned or is draining this node, as the last heartbeat said. */
  public boolean cordoned() {
    return cordoned;
  }

  /** The node's assignments, as last received. */
  public AssignmentSet assignments() {
    return assignments;
  }

  public String nodeName() {
    return nodeName;
  }

  /** Stops heartbeats (the lease then runs out) and closes the connection. */
  public Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(heartbeatTimer);
    renewal.cancel();
    GrpcClient c = client;
    return c == null ? Future.succeededFuture() : c.close();
  }

  // Bootstrap: a TLS client without a certificate of its own, the token instead.
  private void bootstrap(Promise<RemoteNodeAgent> started) {
    if (stopped) {
      return;
    }
    SpiffeId id = SpiffeId.node(trustDomain, nodeName);
    GrpcClient plain = newClient(null);
    vertx
        .executeBlocking(() -> NodeKeys.create(id), false)
        .compose(
            keys ->
                Calls.unary(
                        plain,
                        servers.current(),
                        null,
                        NodeServiceGrpcClient.Bootstrap,
                        BootstrapRequest.newBuilder()
                            .setNodeName(nodeName)
                            .setToken(token)
                            .setCsrPem(keys.csrPem())
                            .build(),
                        callTimeout.toMillis())
                    .map(r -> NodeCredentials.of(id, keys.privateKeyPem(), r)))
        .onComplete(
            ar -> {
              plain.close();
              if (ar.succeeded()) {
                install(ar.result());
                LOG.log(
                    System.Logger.Level.INFO,
                    "node " + nodeName + " bootstrapped as " + ar.result().id());
                register(started);
              } else if (refusal(ar.cause()) != null) {
                started.tryFail(
                    new RefusedException(
                        "the control plane refused to bootstrap node "
                            + nodeName
                            + ": "
                            + refusal(ar.cause())));
              } else {
                retry("bootstrap", ar.cause(), () -> bootstrap(started));
              }
            });
  }

  private void register(Promise<RemoteNodeAgent> started) {
    if (stopped) {
      return;
    }
    RegisterRequest.Builder r =
        RegisterRequest.newBuilder()
            .setNodeName(nodeName)
            .setCapacity(Capacity.newBuilder().setCpuMillis(cpuMillis).setMemoryBytes(memoryBytes))
            .addAddresses(advertise)
            .addAllCached(cached.get());
    if (kinds.contains("wasm")) {
      r.addKinds(WorkloadKind.WORKLOAD_KIND_WASM);
    }
    if (kinds.contains("oci")) {
      r.addKinds(WorkloadKind.WORKLOAD_KIND_OCI);
    }
    Calls.unary(
            client,
            servers.current(),
            trustDomain,
            NodeServiceGrpcClient.Register,
            r.build(),
            callTimeout.toMillis())
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                registered(ar.result());
                started.tryComplete(this);
              } else if (refusal(ar.cause()) != null) {
                started.tryFail(
                    new RefusedException(
                        "the control plane refused to register node "
                            + nodeName
                            + ": "
                            + refusal(ar.cause())));
              } else {
                retry("register", ar.cause(), () -> register(started));
              }
            });
  }

  private void registered(RegisterResponse r) {
    markConnected();
    heartbeat = Duration.ofMillis(Math.max(100, r.getHeartbeatIntervalMillis()));
    LOG.log(
        System.Logger.Level.INFO,
        "node "
            + nodeName
            + " registered (lease "
            + r.getLeaseMillis()
            + " ms, heartbeat every "
            + heartbeat.toMillis()
            + " ms)");
    if (heartbeatTimer < 0) {
      long ms = heartbeat.toMillis();
      heartbeatTimer = vertx.setPeriodic(ms, ms, t -> beat());
      watch();
    }
  }

  private void beat() {
    if (stopped) {
      return;
    }
    SocketAddress at = servers.current();
    Calls.unary(
            client,
            at,
            trustDomain,
            NodeServiceGrpcClient.Heartbeat,
            HeartbeatRequest.newBuilder().setNodeName(nodeName).addAllCached(cached.get()).build(),
            Math.min(callTimeout.toMillis(), heartbeat.toMillis()))
        .onSuccess(this::beaten)
        .onFailure(
            e -> {
              GrpcStatus s = Calls.statusOf(e);
              if (s == GrpcStatus.FAILED_PRECONDITION) {
                LOG.log(
                    System.Logger.Level.INFO,
                    "the control plane does not know node " + nodeName + "; registering again");
                register(Promise.promise());
              } else {
                markDisconnected(e);
                servers.failed(e, at); // the next beat tries another control plane, if any
              }
            });
  }

  private void beaten(HeartbeatResponse r) {
    markConnected();
    cordoned = r.getCordoned() || r.getDraining();
  }

  /** Follows the node's assignments; a broken stream is opened again after a backoff. */
  private void watch() {
    if (stopped) {
      return;
    }
    GrpcClient c = client;
    SocketAddress at = servers.current();
    c.request(at, NodeServiceGrpcClient.WatchAssignments)
        .compose(
            req -> {
              try {
                ControlPlaneTrust.check(req.connection(), trustDomain);
              } catch (RuntimeException e) {
                req.cancel();
                return Future.failedFuture(e);
              }
              req.end(WatchAssignmentsRequest.newBuilder().setNodeName(nodeName).build());
              return req.response();
            })
        .onFailure(e -> retry("watch assignments", e, this::watch, at))
        .onSuccess(
            resp -> {
              resp.handler(
                  set -> {
                    backoff.reset();
                    assignments = set;
                    onAssignments.accept(set);
                  });
              resp.end()
                  .onComplete(
                      ar ->
                          retry(
                              "watch assignments",
                              ar.failed()
                                  ? ar.cause()
                                  : new NodeAgentException(
                                      "the stream ended: "
                                          + resp.status()
                                          + " "
                                          + resp.statusMessage()),
                              this::watch,
                              at));
            });
  }

  private void install(NodeCredentials c) {
    credentials = c;
    GrpcClient old = client;
    client = newClient(c);
    if (old != null) {
      old.close();
    }
    renewal.schedule(c.renewAt(), this::renew);
  }

  private void renew() {
    if (stopped) {
      return;
    }
    NodeCredentials current = credentials;
    renewal
        .renew(
            current,
            current.id(),
            keys ->
                Calls.unary(
                        client,
                        servers.current(),
                        trustDomain,
                        NodeServiceGrpcClient.RenewCertificate,
                        RenewCertificateRequest.newBuilder()
                            .setNodeName(nodeName)
                            .setCsrPem(keys.csrPem())
                            .build(),
                        callTimeout.toMillis())
                    .map(r -> NodeCredentials.of(current.id(), keys.privateKeyPem(), r)),
            "the node certificate",
            this::renew)
        .onSuccess(
            c -> {
              LOG.log(System.Logger.Level.INFO, "renewed the node certificate: " + c);
              install(c);
            });
  }

  private GrpcClient newClient(NodeCredentials c) {
    return c == null
        ? NodeClients.create(vertx, caBundle, null, null, callTimeout)
        : NodeClients.create(
            vertx, c.trustBundlePem(), c.chainPem(), c.privateKeyPem(), callTimeout);
  }

  private void retry(String what, Throwable e, Runnable again) {
    retry(what, e, again, servers.current());
  }

  /** As {@link #retry(String, Throwable, Runnable)}, after a call to control plane {@code at}. */
  private void retry(String what, Throwable e, Runnable again, SocketAddress at) {
    if (stopped) {
      return;
    }
    markDisconnected(e);
    servers.failed(e, at);
    Duration d = backoff.next();
    LOG.log(
        System.Logger.Level.WARNING,
        what + " failed; trying again in " + d.toMillis() + " ms: " + e.getMessage());
    vertx.setTimer(d.toMillis(), t -> again.run());
  }

  private void markConnected() {
    if (!connected) {
      connected = true;
      backoff.reset();
    }
  }

  private void markDisconnected(Throwable e) {
    if (connected) {
      connected = false;
      LOG.log(
          System.Logger.Level.WARNING,
          "lost the control plane at " + servers.current() + ": " + e.getMessage());
    }
  }

  /** The reason when {@code e} is a refusal retrying cannot fix, else null. */
  private static String refusal(Throwable e) {
    return Calls.refusal(e);
  }

  /** Settings; Vert.x, the control plane, the node name, the CA and the token are required. */
  public static final class Builder {
    private Vertx vertx;
    private final java.util.List<SocketAddress> servers = new java.util.ArrayList<>();
    private String nodeName;
    private String caBundle;
    private String token;
    private String trustDomain = "skiff.local";
    private long cpuMillis = Runtime.getRuntime().availableProcessors() * 1000L;
    private long memoryBytes = Runtime.getRuntime().maxMemory();
    private Set<String> kinds = Set.of("wasm", "oci");
    private java.util.function.Supplier<java.util.Collection<String>> cached = Set::of;
    private String advertise = "127.0.0.1";
    private Duration callTimeout = Duration.ofSeconds(5);
    private Duration backoffFirst = Duration.ofMillis(200);
    private Duration backoffMax = Duration.ofSeconds(5);
    private Clock clock = Clock.systemUTC();
    private Consumer<AssignmentSet> onAssignments = s -> {};

    private Builder() {}

    public Builder withVertx(Vertx v) {
      this.vertx = v;
      return this;
    }

    /**
     * A control plane's node port; call it once per control plane when several share one store: the
     * agent moves on to the next when one does not answer.
     */
    public Builder withControlPlane(String host, int port) {
      this.servers.add(SocketAddress.inetSocketAddress(port, host));
      return this;
    }

    public Builder withNodeName(String name) {
      if (!Names.isDnsLabel(name)) {
        throw new IllegalArgumentException(
            "'" + name + "' is not a valid node name; " + Names.DNS_HINT);
      }
      this.nodeName = name;
      return this;
    }

    /** The PEM roots the node port's certificate must chain to (the mesh CA's). */
    public Builder withControlPlaneCa(String pem) {
      this.caBundle = Objects.requireNonNull(pem);
      return this;
    }

    /** The mesh's trust domain (skiffd's --trust-domain); default skiff.local. */
    public Builder withTrustDomain(String td) {
      SpiffeId.checkTrustDomain(td);
      this.trustDomain = td;
      return this;
    }

    public Builder withBootstrapToken(String t) {
      this.token = Objects.requireNonNull(t).strip();
      return this;
    }

    public Builder withCapacity(long cpuMillis, long memoryBytes) {
      this.cpuMillis = cpuMillis;
      this.memoryBytes = memoryBytes;
      return this;
    }

    /** What the node runs: {@code wasm}, {@code oci}; default both. */
    public Builder withKinds(Set<String> k) {
      this.kinds = Set.copyOf(k);
      return this;
    }

    /** Where the node's instances are reached; default 127.0.0.1. */
    /**
     * What the node holds (image references it pulled, module digests it cached), sent at
     * registration and with each heartbeat for placement's preference; asked on the link's event
     * loop, so it must answer from memory. Default nothing.
     */
    public Builder withCached(java.util.function.Supplier<java.util.Collection<String>> held) {
      this.cached = Objects.requireNonNull(held);
      return this;
    }

    public Builder withAdvertiseAddress(String host) {
      this.advertise = Objects.requireNonNull(host);
      return this;
    }

    public Builder withCallTimeout(Duration d) {
      this.callTimeout = Objects.requireNonNull(d);
      return this;
    }

    /** Reconnection delays: doubling from {@code first} up to {@code max}. */
    public Builder withBackoff(Duration first, Duration max) {
      this.backoffFirst = first;
      this.backoffMax = max;
      return this;
    }

    public Builder withClock(Clock c) {
      this.clock = Objects.requireNonNull(c);
      return this;
    }

    /** Called with each new set of assignments, on an event loop. */
    public Builder onAssignments(Consumer<AssignmentSet> listener) {
      this.onAssignments = Objects.requireNonNull(listener);
      return this;
    }

    public RemoteNodeAgent build() {
      Objects.requireNonNull(vertx, "withVertx(..) is required");
      if (servers.isEmpty()) {
        throw new NullPointerException("withControlPlane(..) is required");
      }
      Objects.requireNonNull(nodeName, "withNodeName(..) is required");
      Objects.requireNonNull(caBundle, "withControlPlaneCa(..) is required");
      Objects.requireNonNull(token, "withBootstrapToken(..) is required");
      if (cpuMillis <= 0 || memoryBytes <= 0) {
        throw new IllegalArgumentException(
            "capacity must be above 0: cpu " + cpuMillis + "m, memory " + memoryBytes + " bytes");
      }
      return new RemoteNodeAgent(this);
    }
  }
}
