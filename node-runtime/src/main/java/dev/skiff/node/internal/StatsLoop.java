package dev.skiff.node.internal;

import dev.skiff.api.stats.RevisionKey;
import dev.skiff.api.stats.Stat;
import dev.skiff.node.internal.RevisionInstances.Running;
import dev.skiff.node.spi.StatsSink;
import dev.skiff.node.spi.Ticker;
import dev.skiff.node.stats.RequestTracker;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Samples every ready instance's concurrency and reports each instance's window to the stats sink,
 * both on the ticker. Ticks hop to the agent's context, which owns the instances. A tick walks only
 * the revisions with instances ({@link RevisionsWithInstances}): a node's revisions at zero cost it
 * nothing.
 */
public final class StatsLoop {
  private final Supplier<Collection<RevisionInstances>> revisions;
  private final StatsSink sink;
  private final Clock clock;
  private final List<Ticker.Cancellable> timers;
  private long revisionsVisited;

  /**
   * @param revisions the revisions with instances, as {@link RevisionsWithInstances#revisions()}
   *     keeps them
   */
  public StatsLoop(
      Supplier<Collection<RevisionInstances>> revisions,
      StatsSink sink,
      Clock clock,
      Ticker ticker,
      Executor onAgent,
      Duration sampleEvery,
      Duration reportEvery) {
    this.revisions = revisions;
    this.sink = sink;
    this.clock = clock;
    // The tasks are made once: a method reference per tick was an allocation per tick.
    Runnable sample = this::sample;
    Runnable report = this::report;
    this.timers =
        List.of(
            ticker.every(sampleEvery, () -> onAgent.execute(sample)),
            ticker.every(reportEvery, () -> onAgent.execute(report)));
  }

  private void sample() {
    for (RevisionInstances r : revisions.get()) {
      revisionsVisited++;
      if (r.isDeleted() || r.instances().isEmpty()) {
        continue;
      }
      for (Running i : r.instances()) {
        if (i.ready()) {
          i.tracker().sample();
        }
      }
    }
  }

  private void report() {
    var now = clock.instant();
    for (RevisionInstances r : revisions.get()) {
      revisionsVisited++;
      // A deleted revision's instances are on their way out: nothing more is reported for it.
      if (r.isDeleted() || r.instances().isEmpty()) {
        continue;
      }
      RevisionKey key = RevisionKey.of(r.namespace(), r.name());
      for (Running i : r.instances()) {
        if (i.ready()) {
          RequestTracker.Window w = i.tracker().drain();
          sink.report(
              Stat.builder(key, i.id(), now)
                  .withAverageConcurrency(w.averageConcurrency())
                  .withAverageProxiedConcurrency(w.averageProxiedConcurrency())
                  .withPeakConcurrency(w.peakConcurrency())
                  .withRequestCount(w.requests())
                  .withProxiedRequestCount(w.proxiedRequests())
                  .build());
        }
      }
    }
  }

  /** How many revisions the ticks have looked at so far: what a tick costs, for tests. */
  long revisionsVisited() {
    return revisionsVisited;
  }

  public void stop() {
    timers.forEach(Ticker.Cancellable::cancel);
  }
}
