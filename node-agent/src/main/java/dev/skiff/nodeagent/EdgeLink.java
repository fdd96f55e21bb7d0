package dev.skiff.nodeagent;

import dev.skiff.api.mesh.IssuedCertificate;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.node.StatMessages;
import dev.skiff.api.node.v1.ActivatorStatsReport;
import dev.skiff.api.node.v1.ComponentCertificateRequest;
import dev.skiff.api.node.v1.NodeServiceGrpcClient;
import dev.skiff.api.node.v1.PokeRequest;
import dev.skiff.api.stats.Stat;
import dev.skiff.api.validation.Names;
import dev.skiff.nodeagent.internal.Backoff;
import dev.skiff.nodeagent.internal.Calls;
import dev.skiff.nodeagent.internal.NodeClients;
import dev.skiff.nodeagent.internal.NodeKeys;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An edge process's link to the control plane's node port ({@code skiffd --roles
 * gateway,activator}): trades a bootstrap token for an activator certificate (key made here, CSR
 * sent; renewed at 70 % over mTLS), then over mTLS signs its components' mesh certificates ({@link
 * #sign}), sends the activator's stats every second and its pokes at once. The server must present
 * {@code spiffe://{td}/skiff/control-plane} chained to the CA given, as for a node.
 *
 * <p>Nothing on an edge's request path waits for this link: a control plane that is down delays
 * stats (kept up to {@value #MAX_WAITING_STATS}, then the oldest dropped), pokes (retried) and
 * renewals (retried well before expiry), nothing else.
 */
public final class EdgeLink {
  private static final System.Logger LOG = System.getLogger(EdgeLink.class.getName());
  static final int MAX_WAITING_STATS = 10_000;
  private static final int POKE_ATTEMPTS = 8;

  private final Vertx vertx;
  private final SocketAddress server;
  private final String caBundle;
  private final String token;
  private final String trustDomain;
  private final String edgeName;
  private final Duration callTimeout;
  private final Duration statsEvery;
  private final Clock clock;
  private final Backoff backoff;
  private final SpiffeId id;
  private final List<Stat> waiting = new ArrayList<>();

  private volatile NodeCredentials credentials;
  private volatile GrpcClient client;
  private volatile boolean stopped;
  private volatile long renewTimer = -1;
  private volatile long statsTimer = -1;

  private EdgeLink(Builder b) {
    this.vertx = b.vertx;
    this.server = b.server;
    this.caBundle = b.caBundle;
    this.token = b.token;
    this.trustDomain = b.trustDomain;
    this.edgeName = b.edgeName;
    this.callTimeout = b.callTimeout;
    this.statsEvery = b.statsEvery;
    this.clock = b.clock;
    this.backoff =
        new Backoff(b.backoffFirst, b.backoffMax, ThreadLocalRandom.current()::nextDouble);
    this.id = SpiffeId.component(trustDomain, "activator");
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Bootstraps the link's identity; completes once it holds a certificate, fails with {@link
   * RefusedException} when the control plane refuses the token. A control plane that does not
   * answer is asked again with backoff meanwhile.
   */
  public Future<EdgeLink> start() {
    Promise<EdgeLink> started = Promise.promise();
    bootstrap(started);
    return started.future();
  }

  /**
   * Has the mesh CA sign {@code csrPem} for component {@code component} ({@code gateway} or {@code
   * activator}) of this edge; the key stays with the caller.
   */
  public Future<IssuedCertificate> sign(String component, String csrPem, Duration ttl) {
    GrpcClient c = client;
    if (c == null) {
      return Future.failedFuture(new NodeAgentException("the edge has not bootstrapped yet"));
    }
    return Calls.unary(
            c,
            server,
            trustDomain,
            NodeServiceGrpcClient.SignComponent,
            request(component, csrPem, ttl).build(),
            callTimeout.toMillis())
        .map(WorkCalls::issued);
  }

  /** The trust bundle the link's certificate came with (the mesh's roots). */
  public String trustBundle() {
    NodeCredentials c = credentials;
    return c == null ? caBundle : c.trustBundlePem();
  }

  /** Queues one of the activator's stats; they go out together every second. Never blocks. */
  public void report(Stat stat) {
    synchronized (waiting) {
      if (waiting.size() >= MAX_WAITING_STATS) {
        waiting.remove(0);
      }
      waiting.add(stat);
    }
  }

  /**
   * Tells the autoscaler a request waits for {@code namespace/revision}: sent at once, retried with
   * backoff while the control plane does not answer.
   */
  public void poke(String namespace, String revision) {
    poke(namespace, revision, 1, backoff.first());
  }

  private void poke(String namespace, String revision, int attempt, Duration delay) {
    GrpcClient c = client;
    if (stopped || c == null) {
      return;
    }
    Calls.unary(
            c,
            server,
            trustDomain,
            NodeServiceGrpcClient.Poke,
            PokeRequest.newBuilder()
                .setEdgeName(edgeName)
                .setNamespace(namespace)
                .setRevision(revision)
                .build(),
            callTimeout.toMillis())
        .onFailure(
            e -> {
              if (attempt >= POKE_ATTEMPTS || Calls.refusal(e) != null) {
                LOG.log(
                    System.Logger.Level.WARNING,
                    "poke for "
                        + namespace
                        + "/"
                        + revision
                        + " failed; the activator's stats carry the load: "
                        + e.getMessage());
                return;
              }
              vertx.setTimer(
                  delay.toMillis(),
                  t -> poke(namespace, revision, attempt + 1, backoff.grown(delay)));
            });
  }

  /** Stops renewals and stats and closes the connection. */
  public Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(renewTimer);
    vertx.cancelTimer(statsTimer);
    GrpcClient c = client;
    return c == null ? Future.succeededFuture() : c.close();
  }

  private void bootstrap(Promise<EdgeLink> started) {
    if (stopped) {
      return;
    }
    GrpcClient plain = NodeClients.create(vertx, caBundle, null, null, callTimeout);
    vertx
        .executeBlocking(() -> NodeKeys.create(id), false)
        .compose(
            keys -> {
              ComponentCertificateRequest.Builder r = request("activator", keys.csrPem(), null);
              r.setToken(token);
              return Calls.unary(
                      plain,
                      server,
                      null,
                      NodeServiceGrpcClient.BootstrapComponent,
                      r.build(),
                      callTimeout.toMillis())
                  .map(resp -> NodeCredentials.of(id, keys.privateKeyPem(), resp));
            })
        .onComplete(
            ar -> {
              plain.close();
              if (ar.succeeded()) {
                install(ar.result());
                LOG.log(System.Logger.Level.INFO, "edge " + edgeName + " bootstrapped as " + id);
                statsTimer =
                    vertx.setPeriodic(statsEvery.toMillis(), statsEvery.toMillis(), t -> flush());
                started.tryComplete(this);
              } else if (Calls.refusal(ar.cause()) != null) {
                started.tryFail(
                    new RefusedException(
                        "the control plane refused to bootstrap edge "
                            + edgeName
                            + ": "
                            + Calls.refusal(ar.cause())));
              } else {
                Duration d = backoff.next();
                LOG.log(
                    System.Logger.Level.WARNING,
                    "bootstrap failed; trying again in "
                        + d.toMillis()
                        + " ms: "
                        + ar.cause().getMessage());
                vertx.setTimer(d.toMillis(), t -> bootstrap(started));
              }
            });
  }

  private void flush() {
    List<Stat> batch;
    synchronized (waiting) {
      if (waiting.isEmpty() || client == null) {
        return;
      }
      batch = new ArrayList<>(waiting);
      waiting.clear();
    }
    ActivatorStatsReport.Builder b = ActivatorStatsReport.newBuilder().setEdgeName(edgeName);
    batch.forEach(s -> b.addStats(StatMessages.toMessage(s)));
    Calls.unary(
            client,
            server,
            trustDomain,
            NodeServiceGrpcClient.ReportActivatorStats,
            b.build(),
            callTimeout.toMillis())
        .onFailure(
            e -> {
              if (Calls.refusal(e) != null) {
                LOG.log(System.Logger.Level.WARNING, "stats refused: " + e.getMessage());
                return;
              }
              // Kept for the next round, oldest first, within the bound.
              synchronized (waiting) {
                List<Stat> again = new ArrayList<>(batch);
                again.addAll(waiting);
                int drop = Math.max(0, again.size() - MAX_WAITING_STATS);
                waiting.clear();
                waiting.addAll(again.subList(drop, again.size()));
              }
            });
  }

  private void install(NodeCredentials c) {
    credentials = c;
    GrpcClient old = client;
    client =
        NodeClients.create(vertx, c.trustBundlePem(), c.chainPem(), c.privateKeyPem(), callTimeout);
    if (old != null) {
      old.close();
    }
    vertx.cancelTimer(renewTimer);
    long ms = Math.max(1000, Duration.between(clock.instant(), c.renewAt()).toMillis());
    renewTimer = vertx.setTimer(ms, t -> renew());
  }

  private void renew() {
    if (stopped) {
      return;
    }
    NodeCredentials current = credentials;
    vertx
        .executeBlocking(() -> NodeKeys.create(id), false)
        .compose(
            keys ->
                Calls.unary(
                        client,
                        server,
                        trustDomain,
                        NodeServiceGrpcClient.SignComponent,
                        request("activator", keys.csrPem(), null).build(),
                        callTimeout.toMillis())
                    .map(r -> NodeCredentials.of(id, keys.privateKeyPem(), r)))
        .onSuccess(this::install)
        .onFailure(
            e -> {
              Duration left = Duration.between(clock.instant(), current.notAfter());
              long ms = Math.max(1000, Math.min(60_000, left.toMillis() / 10));
              LOG.log(
                  System.Logger.Level.WARNING,
                  "renewing the edge's link certificate failed; retrying in " + ms + " ms: " + e);
              renewTimer = vertx.setTimer(ms, t -> renew());
            });
  }

  private ComponentCertificateRequest.Builder request(
      String component, String csrPem, Duration ttl) {
    return ComponentCertificateRequest.newBuilder()
        .setComponent(component)
        .setCsrPem(csrPem)
        .setTtlSeconds(ttl == null ? 0 : ttl.toSeconds())
        .setEdgeName(edgeName);
  }

  /** Settings; Vert.x, the control plane, its CA and the token are required. */
  public static final class Builder {
    private Vertx vertx;
    private SocketAddress server;
    private String caBundle;
    private String token;
    private String trustDomain = "skiff.local";
    private String edgeName = "edge";
    private Duration callTimeout = Duration.ofSeconds(5);
    private Duration statsEvery = Duration.ofSeconds(1);
    private Duration backoffFirst = Duration.ofMillis(200);
    private Duration backoffMax = Duration.ofSeconds(5);
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    public Builder withVertx(Vertx v) {
      this.vertx = v;
      return this;
    }

    /** The control plane's node port. */
    public Builder withControlPlane(String host, int port) {
      this.server = SocketAddress.inetSocketAddress(port, host);
      return this;
    }

    /** The PEM roots the node port's certificate must chain to (the mesh CA's). */
    public Builder withControlPlaneCa(String pem) {
      this.caBundle = Objects.requireNonNull(pem);
      return this;
    }

    public Builder withBootstrapToken(String t) {
      this.token = Objects.requireNonNull(t).strip();
      return this;
    }

    /** The mesh's trust domain (skiffd's --trust-domain); default skiff.local. */
    public Builder withTrustDomain(String td) {
      SpiffeId.checkTrustDomain(td);
      this.trustDomain = td;
      return this;
    }

    /** The edge's name in the control plane's log; default {@code edge}. */
    public Builder withEdgeName(String name) {
      if (!Names.isDnsLabel(name)) {
        throw new IllegalArgumentException(
            "'" + name + "' is not a valid edge name; " + Names.DNS_HINT);
      }
      this.edgeName = name;
      return this;
    }

    public Builder withCallTimeout(Duration d) {
      this.callTimeout = Objects.requireNonNull(d);
      return this;
    }

    /** How often the activator's stats go out; default every second. */
    public Builder withStatsInterval(Duration d) {
      this.statsEvery = Objects.requireNonNull(d);
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

    public EdgeLink build() {
      Objects.requireNonNull(vertx, "withVertx(..) is required");
      Objects.requireNonNull(server, "withControlPlane(..) is required");
      Objects.requireNonNull(caBundle, "withControlPlaneCa(..) is required");
      Objects.requireNonNull(token, "withBootstrapToken(..) is required");
      return new EdgeLink(this);
    }
  }
}
