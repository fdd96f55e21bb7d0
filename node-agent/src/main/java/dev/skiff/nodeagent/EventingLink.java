package dev.skiff.nodeagent;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.node.v1.ComponentCertificateRequest;
import dev.skiff.api.node.v1.LagReport;
import dev.skiff.api.node.v1.NodeServiceGrpcClient;
import dev.skiff.api.node.v1.TriggerLag;
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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An eventing process's link to the control plane's node port ({@code skiffd --roles eventing}):
 * trades a bootstrap token for eventing's certificate ({@code spiffe://{td}/skiff/eventing}, key
 * made here, CSR sent; bootstrapped again with the token at 70 % of its lifetime), then sends the
 * dispatcher's lag per trigger (ReportLag) every few seconds over mTLS, for the autoscaler's lag
 * floor. The server must present {@code spiffe://{td}/skiff/control-plane} chained to the CA given,
 * as for a node.
 *
 * <p>Nothing on the delivery path waits for this link: a control plane that is down only delays the
 * lag (the latest per trigger is sent at the next round; at most {@value #MAX_TRIGGERS} triggers
 * are kept).
 */
public final class EventingLink {
  private static final System.Logger LOG = System.getLogger(EventingLink.class.getName());
  static final int MAX_TRIGGERS = 1_000;

  /** One trigger's lag as the dispatcher last measured it. */
  private record Lag(
      String namespace, String service, String trigger, long lag, int partitions, int threshold) {}

  private final Vertx vertx;
  private final SocketAddress server;
  private final String caBundle;
  private final String token;
  private final String trustDomain;
  private final String name;
  private final Duration callTimeout;
  private final Duration reportEvery;
  private final Clock clock;
  private final Backoff backoff;
  private final SpiffeId id;
  private final Map<String, Lag> lags = new LinkedHashMap<>();

  private volatile NodeCredentials credentials;
  private volatile GrpcClient client;
  private volatile boolean stopped;
  private volatile long renewTimer = -1;
  private volatile long reportTimer = -1;

  private EventingLink(Builder b) {
    this.vertx = b.vertx;
    this.server = b.server;
    this.caBundle = b.caBundle;
    this.token = b.token;
    this.trustDomain = b.trustDomain;
    this.name = b.name;
    this.callTimeout = b.callTimeout;
    this.reportEvery = b.reportEvery;
    this.clock = b.clock;
    this.backoff =
        new Backoff(b.backoffFirst, b.backoffMax, ThreadLocalRandom.current()::nextDouble);
    this.id = SpiffeId.component(trustDomain, "eventing");
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Bootstraps eventing's identity; completes once it holds a certificate, fails with {@link
   * RefusedException} when the control plane refuses the token. A control plane that does not
   * answer is asked again with backoff meanwhile.
   */
  public Future<EventingLink> start() {
    Promise<EventingLink> started = Promise.promise();
    bootstrap(started);
    return started.future();
  }

  /**
   * Keeps a trigger's latest lag for the next report (the dispatcher's {@code LagListener}). Never
   * blocks.
   */
  public void lag(
      String namespace, String service, String trigger, long lag, int partitions, int threshold) {
    synchronized (lags) {
      String key = namespace + "/" + trigger;
      if (!lags.containsKey(key) && lags.size() >= MAX_TRIGGERS) {
        return;
      }
      lags.put(key, new Lag(namespace, service, trigger, lag, partitions, threshold));
    }
  }

  /** The certificate and key eventing holds now, or null before the bootstrap. */
  public NodeCredentials credentials() {
    return credentials;
  }

  /** Stops reports and renewals and closes the connection. */
  public Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(renewTimer);
    vertx.cancelTimer(reportTimer);
    GrpcClient c = client;
    return c == null ? Future.succeededFuture() : c.close();
  }

  private void bootstrap(Promise<EventingLink> started) {
    if (stopped) {
      return;
    }
    GrpcClient plain = NodeClients.create(vertx, caBundle, null, null, callTimeout);
    vertx
        .executeBlocking(() -> NodeKeys.create(id), false)
        .compose(
            keys ->
                Calls.unary(
                        plain,
                        server,
                        null,
                        NodeServiceGrpcClient.BootstrapComponent,
                        ComponentCertificateRequest.newBuilder()
                            .setComponent("eventing")
                            .setToken(token)
                            .setCsrPem(keys.csrPem())
                            .setEdgeName(name)
                            .build(),
                        callTimeout.toMillis())
                    .map(resp -> NodeCredentials.of(id, keys.privateKeyPem(), resp)))
        .onComplete(
            ar -> {
              plain.close();
              if (ar.succeeded()) {
                install(ar.result());
                if (reportTimer < 0) {
                  reportTimer =
                      vertx.setPeriodic(
                          reportEvery.toMillis(), reportEvery.toMillis(), t -> report());
                  LOG.log(
                      System.Logger.Level.INFO,
                      "eventing " + name + " bootstrapped as " + id.uri() + "; reporting lag");
                }
                started.tryComplete(this);
              } else if (Calls.refusal(ar.cause()) != null) {
                RefusedException refused =
                    new RefusedException(
                        "the control plane refused to bootstrap eventing "
                            + name
                            + ": "
                            + Calls.refusal(ar.cause()));
                if (!started.tryFail(refused)) {
                  LOG.log(
                      System.Logger.Level.WARNING,
                      refused.getMessage() + "; lag is no longer reported");
                }
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
    // A new certificate with the token again (SignComponent is for edges' certificates).
    renewTimer = vertx.setTimer(ms, t -> bootstrap(Promise.promise()));
  }

  private void report() {
    GrpcClient c = client;
    LagReport.Builder b = LagReport.newBuilder().setDispatcherName(name);
    synchronized (lags) {
      if (c == null || lags.isEmpty()) {
        return;
      }
      for (Lag l : lags.values()) {
        b.addTriggers(
            TriggerLag.newBuilder()
                .setNamespace(l.namespace())
                .setService(l.service())
                .setTrigger(l.trigger())
                .setLag(l.lag())
                .setPartitions(l.partitions())
                .setLagThreshold(l.threshold()));
      }
    }
    Calls.unary(
            c,
            server,
            trustDomain,
            NodeServiceGrpcClient.ReportLag,
            b.build(),
            callTimeout.toMillis())
        .onFailure(
            e ->
                LOG.log(
                    System.Logger.Level.WARNING,
                    "lag report failed (sent again at the next round): " + e.getMessage()));
  }

  /** Settings; Vert.x, the control plane, its CA and the token are required. */
  public static final class Builder {
    private Vertx vertx;
    private SocketAddress server;
    private String caBundle;
    private String token;
    private String trustDomain = "skiff.local";
    private String name = "eventing";
    private Duration callTimeout = Duration.ofSeconds(5);
    private Duration reportEvery = Duration.ofSeconds(2);
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

    /** The dispatcher's name (its lag floors are kept apart by it); default {@code eventing}. */
    public Builder withName(String n) {
      if (!Names.isDnsLabel(n)) {
        throw new IllegalArgumentException(
            "'" + n + "' is not a valid eventing process name; " + Names.DNS_HINT);
      }
      this.name = n;
      return this;
    }

    public Builder withCallTimeout(Duration d) {
      this.callTimeout = Objects.requireNonNull(d);
      return this;
    }

    /** How often the lag goes out; default every 2 s (the dispatcher measures it as often). */
    public Builder withReportInterval(Duration d) {
      this.reportEvery = Objects.requireNonNull(d);
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

    public EventingLink build() {
      Objects.requireNonNull(vertx, "withVertx(..) is required");
      Objects.requireNonNull(server, "withControlPlane(..) is required");
      Objects.requireNonNull(caBundle, "withControlPlaneCa(..) is required");
      Objects.requireNonNull(token, "withBootstrapToken(..) is required");
      return new EventingLink(this);
    }
  }
}
