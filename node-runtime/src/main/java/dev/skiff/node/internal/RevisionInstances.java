package dev.skiff.node.internal;

import dev.skiff.api.model.Revision;
import dev.skiff.node.spi.Instance;
import dev.skiff.node.stats.RequestTracker;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;

/** The agent's book of one revision: how many instances it should have and the ones it has. */
public final class RevisionInstances {
  /** One instance, from the moment it was asked for. */
  public record Running(
      String id, Future<Instance> started, RequestTracker tracker, long askedAtNanos) {
    public boolean ready() {
      return started.succeeded();
    }
  }

  private Revision revision;
  private int desired;
  private boolean failed;
  private boolean everReady;
  private boolean deleted;
  private int restarts;
  private dev.skiff.api.model.Condition decision;
  private String imageDigest;
  private dev.skiff.api.model.RevisionStatus lastReported;
  private io.vertx.core.Future<Void> reports = io.vertx.core.Future.succeededFuture();
  private long lastRestartNanos;
  private final List<Running> instances = new ArrayList<>();

  public RevisionInstances(Revision revision) {
    this.revision = revision;
  }

  public Revision revision() {
    return revision;
  }

  public void revision(Revision r) {
    this.revision = r;
  }

  public int desired() {
    return desired;
  }

  public void desired(int n) {
    this.desired = n;
  }

  /** The autoscaler's latest decision, as a status condition; null before the first. */
  public dev.skiff.api.model.Condition decision() {
    return decision;
  }

  public void decision(dev.skiff.api.model.Condition c) {
    this.decision = c;
  }

  /** The status this agent last sent for the revision; null before the first report. */
  public dev.skiff.api.model.RevisionStatus lastReported() {
    return lastReported;
  }

  public void lastReported(dev.skiff.api.model.RevisionStatus s) {
    this.lastReported = s;
  }

  /** The revision's reports in flight, chained so they reach the control plane in order. */
  public io.vertx.core.Future<Void> reports() {
    return reports;
  }

  public void reports(io.vertx.core.Future<Void> f) {
    this.reports = f;
  }

  /** The image digest the revision's first instance ran; later instances run the same. */
  public String imageDigest() {
    return imageDigest;
  }

  public void imageDigest(String d) {
    this.imageDigest = d;
  }

  /** The revision was deleted: its instances stop and nothing more is reported for it. */
  public void deleted() {
    this.deleted = true;
  }

  public boolean isDeleted() {
    return deleted;
  }

  public boolean failed() {
    return failed;
  }

  public void failed(boolean f) {
    this.failed = f;
  }

  public boolean everReady() {
    return everReady;
  }

  public void markReady() {
    this.everReady = true;
  }

  /**
   * The delay before the next restart: {@code first}, doubling per restart up to {@code max}; the
   * count resets after ten minutes without one (as Kubernetes' crash-loop backoff).
   */
  public java.time.Duration nextBackoff(java.time.Duration first, java.time.Duration max) {
    long now = System.nanoTime();
    if (now - lastRestartNanos > java.util.concurrent.TimeUnit.MINUTES.toNanos(10)) {
      restarts = 0;
    }
    lastRestartNanos = now;
    java.time.Duration d = first.multipliedBy(1L << Math.min(restarts++, 20));
    return d.compareTo(max) > 0 ? max : d;
  }

  /** Instances asked for and not stopped: starting or ready. */
  public List<Running> instances() {
    return instances;
  }

  public int readyCount() {
    return (int) instances.stream().filter(Running::ready).count();
  }
}
