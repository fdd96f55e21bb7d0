package dev.skiff.node.internal;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.node.spi.Instance;
import dev.skiff.node.spi.InstanceFront;
import dev.skiff.node.stats.RequestTracker;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The agent's book of one revision: how many instances it should have, the ones it has, and why it
 * has fewer. Confined to the agent's context.
 */
public final class RevisionInstances {
  private static final long BACKOFF_RESET_MILLIS = Duration.ofMinutes(10).toMillis();

  /** One instance, from the moment it was asked for. */
  /**
   * @param cold whether the revision had no ready instance when this one was asked for
   * @param endedAtOnce whether its start had succeeded when the backend's call returned, with no
   *     progress told meanwhile: the agent then publishes it in the same turn of its context
   * @param trace its start's trace; null unless the cold-start trace is on
   */
  public record Running(
      String id,
      Future<Serving> started,
      RequestTracker tracker,
      long askedAtNanos,
      boolean cold,
      boolean endedAtOnce,
      StartTrace trace) {
    public boolean ready() {
      return started.succeeded();
    }

    /** The instance and its front once ready; null while starting or after a failed start. */
    public Serving serving() {
      return started.succeeded() ? started.result() : null;
    }
  }

  /**
   * A started instance behind its front.
   *
   * @param since when it became ready
   */
  public record Serving(Instance instance, InstanceFront front, Instant since) {}

  /** Why the revision cannot run: a CamelCase reason and a message for its status. */
  public record Failure(String reason, String message) {
    public String text() {
      return reason + ": " + message;
    }
  }

  private Revision revision;
  private int desired;
  private Failure failed;
  private Failure lastStartFailure;
  private Failure lastExit;
  private String capacityShortfall;
  private int startFailures;
  private boolean everReady;
  private boolean backingOff;
  private boolean deleted;
  private int restarts;
  private Failure lastRestart;
  private int restartCount;
  private long lastRestartMillis = Long.MIN_VALUE / 2;
  private Condition decision;
  private String imageDigest;
  private RevisionStatus lastReported;
  private Future<Void> reports = Future.succeededFuture();
  private int exits;
  private long scaleAskedNanos;
  private final List<Running> instances = new ArrayList<>();
  private final List<Running> instancesView = Collections.unmodifiableList(instances);
  private final List<Running> draining = new ArrayList<>();
  private final RevisionsWithInstances index;

  /** A book outside any node's index of revisions with instances (tests, benchmarks). */
  public RevisionInstances(Revision revision) {
    this(revision, new RevisionsWithInstances());
  }

  /**
   * @param index the node's revisions with instances: this book enters it with its first instance
   *     and leaves it with its last
   */
  public RevisionInstances(Revision revision, RevisionsWithInstances index) {
    this.revision = revision;
    this.index = index;
  }

  public Revision revision() {
    return revision;
  }

  public void revision(Revision r) {
    this.revision = r;
    RevisionStatus back = r.status();
    if (lastReported != null && back != null && lastReported != back && lastReported.equals(back)) {
      // The control plane wrote what this agent reported and the feed brought it back: keep one
      // copy of the status (its conditions, strings and instants), not two per revision.
      lastReported = back;
    }
  }

  public String namespace() {
    return revision.metadata().namespaceOrDefault();
  }

  public String name() {
    return revision.metadata().name();
  }

  public String service() {
    return revision.spec().service();
  }

  public int desired() {
    return desired;
  }

  public void desired(int n) {
    this.desired = n;
  }

  /**
   * When ({@link System#nanoTime}) the scaler last asked for a count, before the call reached the
   * agent's context; 0 when the count did not come from a scaler's call. For the start trace.
   */
  public long scaleAskedNanos() {
    return scaleAskedNanos;
  }

  public void scaleAskedNanos(long at) {
    this.scaleAskedNanos = at;
  }

  /** The autoscaler's latest decision, as a status condition; null before the first. */
  public Condition decision() {
    return decision;
  }

  public void decision(Condition c) {
    this.decision = c;
  }

  /** The status this agent last sent for the revision; null before the first report. */
  public RevisionStatus lastReported() {
    return lastReported;
  }

  public void lastReported(RevisionStatus s) {
    this.lastReported = s;
  }

  /** The revision's reports in flight, chained so they reach the control plane in order. */
  public Future<Void> reports() {
    return reports;
  }

  public void reports(Future<Void> f) {
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

  /** Set once its starts failed too often: no more starts until a redeploy. Null otherwise. */
  public Failure failed() {
    return failed;
  }

  public void failed(Failure f) {
    this.failed = f;
  }

  /** Counts a failed start and returns how many failed in a row since the last success. */
  public int startFailed(Failure f) {
    lastStartFailure = f;
    return ++startFailures;
  }

  /** The last failed start while retries go on; null after a success or a reset. */
  public Failure lastStartFailure() {
    return lastStartFailure;
  }

  /** How the last instance ended by itself while none was ready; null once one is ready again. */
  public Failure lastExit() {
    return lastExit;
  }

  public void lastExit(Failure f) {
    this.lastExit = f;
  }

  /** How the last instance that ended by itself ended, to be restarted; null if none did. */
  public Failure lastRestart() {
    return lastRestart;
  }

  /** How many instances ended by themselves and were restarted since the revision came here. */
  public int restartCount() {
    return restartCount;
  }

  /** An instance ended by itself (it crashed, or a liveness probe failed) and is restarted. */
  public void restarted(Failure why) {
    lastRestart = why;
    restartCount++;
  }

  /** A redeploy: forget past failures and try again from the first backoff. */
  public void resetFailures() {
    failed = null;
    lastStartFailure = null;
    startFailures = 0;
    restarts = 0;
  }

  /**
   * Why fewer instances run than desired because the node is full; null when none are held back.
   */
  public String capacityShortfall() {
    return capacityShortfall;
  }

  public void capacityShortfall(String why) {
    this.capacityShortfall = why;
  }

  /** A restart is pending after a backoff: no new instance starts before it. */
  public boolean backingOff() {
    return backingOff;
  }

  public void backingOff(boolean b) {
    this.backingOff = b;
  }

  public boolean everReady() {
    return everReady;
  }

  /** Starts published but not yet told (logged, reported): their report follows. */
  private int untoldStarts;

  /** A start was published; its log line, event and status report follow later. */
  public void startPublished() {
    untoldStarts++;
  }

  /** A published start was told, its status report among it. */
  public void startTold() {
    untoldStarts--;
  }

  /** Whether a published start is still to be told, with a status report of its own. */
  public boolean startsUntold() {
    return untoldStarts > 0;
  }

  public void markReady() {
    this.everReady = true;
    this.startFailures = 0;
    this.lastStartFailure = null;
    this.lastExit = null;
  }

  /**
   * The delay before the next restart: {@code first}, doubling per restart up to {@code max}; the
   * count resets after ten minutes without one (as Kubernetes' crash-loop backoff).
   */
  public Duration nextBackoff(Duration first, Duration max, long nowMillis) {
    if (nowMillis - lastRestartMillis > BACKOFF_RESET_MILLIS) {
      restarts = 0;
    }
    lastRestartMillis = nowMillis;
    Duration d = first.multipliedBy(1L << Math.min(restarts++, 20));
    return d.compareTo(max) > 0 ? max : d;
  }

  /** Instances being stopped: their endpoint is withdrawn and they finish what is in flight. */
  public List<Running> draining() {
    return draining;
  }

  /** Counts an instance that ended by itself (and is replaced). */
  public void exited() {
    exits++;
  }

  /** How many instances of this revision ended by themselves on this node. */
  public int exits() {
    return exits;
  }

  /**
   * Instances asked for and not stopped: starting or ready. Read-only: they change through {@link
   * #add}, {@link #remove}, {@link #removeNewest} and {@link #removeAll}, which keep the node's
   * index of revisions with instances.
   */
  public List<Running> instances() {
    return instancesView;
  }

  /** An instance was asked for. */
  public void add(Running running) {
    instances.add(running);
    if (instances.size() == 1) {
      index.changed(this);
    }
  }

  /** Takes the instance out of the list; false when it was not in it (already being stopped). */
  public boolean remove(Running running) {
    if (!instances.remove(running)) {
      return false;
    }
    if (instances.isEmpty()) {
      index.changed(this);
    }
    return true;
  }

  /** Takes the newest instance out of the list and returns it; the list must not be empty. */
  public Running removeNewest() {
    Running newest = instances.remove(instances.size() - 1);
    if (instances.isEmpty()) {
      index.changed(this);
    }
    return newest;
  }

  /** Takes every instance out of the list. */
  public void removeAll() {
    if (!instances.isEmpty()) {
      instances.clear();
      index.changed(this);
    }
  }

  public int readyCount() {
    // Read every second by the console through the ready gauge, for every revision: no stream.
    if (instances.isEmpty()) {
      return 0;
    }
    int n = 0;
    for (Running i : instances) {
      if (i.ready()) {
        n++;
      }
    }
    return n;
  }
}
