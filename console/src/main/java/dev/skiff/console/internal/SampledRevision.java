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
 * nothing. Holds arrays only (the lists that gather the meters live in a {@link Builder} for the
 * length of one search). Not thread-safe: {@link RevisionStats} holds its lock.
 */
final class SampledRevision {
  private static final Counter[] NO_COUNTERS = {};
  private static final Gauge[] NO_GAUGES = {};
  private static final boolean[] NO_ERRORS = {};

  private final Counter[] counters;
  private final boolean[] errors;
  private final Gauge[] desired;
  private final Gauge[] ready;

  /** The gateway's latency timer; null when none. */
  private final Timer latency;

  /** The node's cold-start timer; null when none. */
  private final Timer coldStart;

  private final RevisionSeries series;

  private SampledRevision(Builder b, RevisionSeries series) {
    this.counters = b.counters.isEmpty() ? NO_COUNTERS : b.counters.toArray(NO_COUNTERS);
    boolean[] e = counters.length == 0 ? NO_ERRORS : new boolean[counters.length];
    for (int i = 0; i < e.length; i++) {
      e[i] = b.errors.get(i);
    }
    this.errors = e;
    this.desired = b.desired.isEmpty() ? NO_GAUGES : b.desired.toArray(NO_GAUGES);
    this.ready = b.ready.isEmpty() ? NO_GAUGES : b.ready.toArray(NO_GAUGES);
    this.latency = b.latency;
    this.coldStart = b.coldStart;
    this.series = series;
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

  /** Gathers one revision's meters during a search of the registry. */
  static final class Builder {
    private final List<Counter> counters = new ArrayList<>(2);
    private final List<Boolean> errors = new ArrayList<>(2);
    private final List<Gauge> desired = new ArrayList<>(1);
    private final List<Gauge> ready = new ArrayList<>(1);
    Timer latency;
    Timer coldStart;

    void counter(Counter c, boolean fiveHundreds) {
      counters.add(c);
      errors.add(fiveHundreds);
    }

    void gauge(Gauge g, boolean isDesired) {
      (isDesired ? desired : ready).add(g);
    }

    SampledRevision build(RevisionSeries series) {
      return new SampledRevision(this, series);
    }
  }
}
