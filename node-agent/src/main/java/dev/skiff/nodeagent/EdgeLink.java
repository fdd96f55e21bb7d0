package dev.skiff.nodeagent;

import dev.skiff.api.mesh.IssuedCertificate;
import dev.skiff.api.node.StatMessages;
import dev.skiff.api.node.v1.ActivatorStatsReport;
import dev.skiff.api.node.v1.NodeServiceGrpcClient;
import dev.skiff.api.node.v1.PokeRequest;
import dev.skiff.api.stats.Stat;
import dev.skiff.api.validation.Names;
import dev.skiff.nodeagent.internal.Calls;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

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

  private final ComponentLink link;
  private final String edgeName;
  private final Duration statsEvery;
  private final List<Stat> waiting = new ArrayList<>();

  private volatile long statsTimer = -1;

  private EdgeLink(Builder b) {
    this.edgeName = b.edgeName;
    this.statsEvery = b.statsEvery;
    this.link =
        new ComponentLink(
            b,
            new ComponentLink.Role(
                "edge",
                "activator",
                edgeName,
                ComponentLink.Renewal.SIGN,
                "stats and pokes are no longer sent"),
            LOG);
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
    return link.start()
        .map(
            v -> {
              LOG.log(
                  System.Logger.Level.INFO, "edge " + edgeName + " bootstrapped as " + link.id());
              statsTimer =
                  link.vertx()
                      .setPeriodic(statsEvery.toMillis(), statsEvery.toMillis(), t -> flush());
              return this;
            });
  }

  /**
   * Has the mesh CA sign {@code csrPem} for component {@code component} ({@code gateway} or {@code
   * activator}) of this edge; the key stays with the caller.
   */
  public Future<IssuedCertificate> sign(String component, String csrPem, Duration ttl) {
    return link.call(
            NodeServiceGrpcClient.SignComponent, link.request(component, csrPem, ttl).build())
        .map(WorkCalls::issued);
  }

  /** The trust bundle the link's certificate came with (the mesh's roots). */
  public String trustBundle() {
    return link.trustBundle();
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
    poke(namespace, revision, 1, link.backoff().first());
  }

  private void poke(String namespace, String revision, int attempt, Duration delay) {
    if (link.stopped() || !link.ready()) {
      return;
    }
    link.call(
            NodeServiceGrpcClient.Poke,
            PokeRequest.newBuilder()
                .setEdgeName(edgeName)
                .setNamespace(namespace)
                .setRevision(revision)
                .build())
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
              link.vertx()
                  .setTimer(
                      delay.toMillis(),
                      t -> poke(namespace, revision, attempt + 1, link.backoff().grown(delay)));
            });
  }

  /** Stops renewals and stats and closes the connection. */
  public Future<Void> stop() {
    link.vertx().cancelTimer(statsTimer);
    return link.stop();
  }

  private void flush() {
    List<Stat> batch;
    synchronized (waiting) {
      if (waiting.isEmpty() || !link.ready()) {
        return;
      }
      batch = new ArrayList<>(waiting);
      waiting.clear();
    }
    ActivatorStatsReport.Builder b = ActivatorStatsReport.newBuilder().setEdgeName(edgeName);
    batch.forEach(s -> b.addStats(StatMessages.toMessage(s)));
    link.call(NodeServiceGrpcClient.ReportActivatorStats, b.build())
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

  /**
   * Settings; Vert.x, the control plane, its CA and the token are required ({@link
   * ComponentLink.Settings}).
   */
  public static final class Builder extends ComponentLink.Settings<Builder> {
    private String edgeName = "edge";
    private Duration statsEvery = Duration.ofSeconds(1);

    private Builder() {}

    @Override
    Builder self() {
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

    /** How often the activator's stats go out; default every second. */
    public Builder withStatsInterval(Duration d) {
      this.statsEvery = Objects.requireNonNull(d);
      return this;
    }

    public EdgeLink build() {
      checkRequired();
      return new EdgeLink(this);
    }
  }
}
