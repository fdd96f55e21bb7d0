package dev.skiff.node.internal;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The agent's per-revision meters, tagged {@code namespace}, {@code service} and {@code revision}
 * like the gateway's: instances desired and ready, and cold-start durations (docs/metrics.md).
 */
public final class RevisionMeters {
  private static final String DESIRED = "skiff.node.instances.desired";
  private static final String READY = "skiff.node.instances.ready";
  private static final String COLD_START = "skiff.node.cold.start.duration";

  private final MeterRegistry meters;

  public RevisionMeters(MeterRegistry meters) {
    this.meters = meters;
  }

  /** Registers the revision's gauges; returns it for chaining. */
  public RevisionInstances register(RevisionInstances r) {
    Tags tags = tags(r);
    Gauge.builder(DESIRED, r, RevisionInstances::desired)
        .description("Instances the autoscaler wants")
        .tags(tags)
        .register(meters);
    Gauge.builder(READY, r, RevisionInstances::readyCount)
        .description("Instances ready to serve")
        .tags(tags)
        .register(meters);
    return r;
  }

  /** Removes the revision's gauges and its cold-start timer once it is gone. */
  public void unregister(RevisionInstances r) {
    for (String name : List.of(DESIRED, READY, COLD_START)) {
      Meter m = meters.find(name).tags(tags(r)).meter();
      if (m != null) {
        meters.remove(m);
      }
    }
  }

  /** Records how long the revision's first instance took from being asked for to ready. */
  public void coldStart(RevisionInstances r, long nanos) {
    Timer.builder(COLD_START)
        .description("From asking for the first instance to it being ready")
        .tags(tags(r))
        .publishPercentileHistogram()
        .register(meters)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  private static Tags tags(RevisionInstances r) {
    return Tags.of("namespace", r.namespace(), "service", r.service(), "revision", r.name());
  }
}
