package dev.skiff.console.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One revision's meters as {@link RevisionStats} last found them, and its series: what a sample
 * reads, without searching the registry. Reading a revision that has had no request allocates
 * nothing. Not thread-safe: {@link RevisionStats} holds its lock.
 */
final class SampledRevision {
  private static final Counter[] NO_COUNTERS = {};
  private static final Gauge[] NO_GAUGES = {};

  private final List<Counter> counterList = new ArrayList<>();
  private final List<Boolean> errorList = new ArrayList<>();
  private final List<Gauge> desiredList = new ArrayList<>();
  private final List<Gauge> readyList = new ArrayList<>();

  private Counter[] counters = NO_COUNTERS;
  private boolean[] errors = {};
  private Gauge[] desired = NO_GAUGES;
  private Gauge[] ready = NO_GAUGES;

  /** The gateway's latency timer; null when none. */
  Timer latency;

  /** The node's cold-start timer; null when none. */
  Timer coldStart;

  RevisionSeries series;

  void counter(Counter c, boolean fiveHundreds) {
    counterList.add(c);
    errorList.add(fiveHundreds);
  }

  void gauge(Gauge g, boolean isDesired) {
    (isDesired ? desiredList : readyList).add(g);
  }

  /** Fixes the meters found; returns this. */
  SampledRevision done() {
    counters = counterList.toArray(NO_COUNTERS);
    errors = new boolean[counters.length];
    for (int i = 0; i < errors.length; i++) {
      errors[i] = errorList.get(i);
    }
    desired = desiredList.toArray(NO_GAUGES);
    ready = readyList.toArray(NO_GAUGES);
    counterList.clear();
    errorList.clear();
    desiredList.clear();
    readyList.clear();
    return this;
  }

  /** Adds the point of the last {@code seconds} (when the revision has requests) and the gauges. */
  void sample(long t, double seconds, int history) {
    if (counters.length > 0) {
      double count = 0;
      double fiveHundreds = 0;
      for (int i = 0; i < counters.length; i++) {
        double n = counters[i].count();
        count += n;
        if (errors[i]) {
          fiveHundreds += n;
        }
      }
      series.add(t, seconds, count, fiveHundreds, latency, history);
    }
    // Several gauges of one name (one per node agent in this JVM): the last one read wins.
    for (Gauge g : desired) {
      series.desired((int) Math.round(g.value()));
    }
    for (Gauge g : ready) {
      series.ready((int) Math.round(g.value()));
    }
    if (coldStart != null && (desired.length > 0 || ready.length > 0)) {
      series.coldStarts(coldStart.count(), coldStart.mean(TimeUnit.MILLISECONDS));
    }
  }
}
