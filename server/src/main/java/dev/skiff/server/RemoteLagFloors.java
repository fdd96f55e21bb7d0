package dev.skiff.server;

import dev.skiff.controlplane.nodes.LagReports;
import dev.skiff.eventing.spi.LagListener;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The lag eventing processes ({@code skiffd --roles eventing}) report on the node port, handed to
 * the autoscaler's lag floor as the in-process dispatcher's is, one floor per trigger and
 * dispatcher ({@code {trigger}@{dispatcher}}). A dispatcher that stops reporting (killed, cut off)
 * never says its lag is gone, so a floor not renewed within {@link #STALE} is dropped by {@link
 * #expire} (lag 0), and the service is free to scale down again.
 */
final class RemoteLagFloors implements LagReports {
  /** How long a floor holds without a new report (reports come every 2 s). */
  static final Duration STALE = Duration.ofSeconds(10);

  private record Floor(String namespace, String service, String key, int threshold, Instant at) {}

  private final Supplier<LagListener> scaling;
  private final Clock clock;
  private final Map<String, Floor> floors = new ConcurrentHashMap<>();

  /**
   * @param scaling the autoscaler's lag floor (null while it is not built yet: reports dropped)
   */
  RemoteLagFloors(Supplier<LagListener> scaling, Clock clock) {
    this.scaling = scaling;
    this.clock = clock;
  }

  @Override
  public void onLag(
      String dispatcher,
      String namespace,
      String service,
      String trigger,
      long lag,
      int partitions,
      int lagThreshold) {
    LagListener s = scaling.get();
    if (s == null) {
      return;
    }
    String key = trigger + "@" + dispatcher;
    floors.put(
        namespace + "/" + key, new Floor(namespace, service, key, lagThreshold, clock.instant()));
    s.onLag(namespace, service, key, lag, partitions, lagThreshold);
  }

  /** Drops the floors whose dispatcher has not reported for {@link #STALE}; call periodically. */
  void expire() {
    Instant cutoff = clock.instant().minus(STALE);
    floors.forEach(
        (k, f) -> {
          LagListener s = scaling.get();
          if (f.at().isBefore(cutoff) && s != null && floors.remove(k, f)) {
            s.onLag(f.namespace(), f.service(), f.key(), 0, 0, f.threshold());
          }
        });
  }
}
