package dev.skiff.nodeagent;

import dev.skiff.api.node.v1.LagReport;
import dev.skiff.api.node.v1.NodeServiceGrpcClient;
import dev.skiff.api.node.v1.TriggerLag;
import dev.skiff.api.validation.Names;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

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

  private final ComponentLink link;
  private final String name;
  private final Duration reportEvery;
  private final Map<String, Lag> lags = new LinkedHashMap<>();

  private volatile long reportTimer = -1;

  private EventingLink(Builder b) {
    this.name = b.name;
    this.reportEvery = b.reportEvery;
    // Renewed with the token again: SignComponent is for edges' certificates.
    this.link =
        new ComponentLink(
            b,
            new ComponentLink.Role(
                "eventing",
                "eventing",
                name,
                ComponentLink.Renewal.BOOTSTRAP,
                "lag is no longer reported"),
            LOG);
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
    return link.start()
        .map(
            v -> {
              if (reportTimer < 0) {
                reportTimer =
                    link.vertx()
                        .setPeriodic(reportEvery.toMillis(), reportEvery.toMillis(), t -> report());
                LOG.log(
                    System.Logger.Level.INFO,
                    "eventing " + name + " bootstrapped as " + link.id().uri() + "; reporting lag");
              }
              return this;
            });
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
    return link.credentials();
  }

  /** Stops reports and renewals and closes the connection. */
  public Future<Void> stop() {
    link.vertx().cancelTimer(reportTimer);
    return link.stop();
  }

  private void report() {
    LagReport.Builder b = LagReport.newBuilder().setDispatcherName(name);
    synchronized (lags) {
      if (!link.ready() || lags.isEmpty()) {
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
    link.call(NodeServiceGrpcClient.ReportLag, b.build())
        .onFailure(
            e ->
                LOG.log(
                    System.Logger.Level.WARNING,
                    "lag report failed (sent again at the next round): " + e.getMessage()));
  }

  /**
   * Settings; Vert.x, the control plane, its CA and the token are required ({@link
   * ComponentLink.Settings}).
   */
  public static final class Builder extends ComponentLink.Settings<Builder> {
    private String name = "eventing";
    private Duration reportEvery = Duration.ofSeconds(2);

    private Builder() {}

    @Override
    Builder self() {
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

    /** How often the lag goes out; default every 2 s (the dispatcher measures it as often). */
    public Builder withReportInterval(Duration d) {
      this.reportEvery = Objects.requireNonNull(d);
      return this;
    }

    public EventingLink build() {
      checkRequired();
      return new EventingLink(this);
    }
  }
}
