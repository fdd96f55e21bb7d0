package dev.skiff.meshproxy.internal;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Supplier;

/**
 * Counts the holders of each sidecar meter: the sidecars of one revision's instances register the
 * same meters (same name and tags), so a meter is removed from its registry only when the last of
 * them closes, never under the others' feet.
 */
final class SharedMeters {
  private static final Map<MeterRegistry, Map<Meter.Id, Integer>> HOLDERS = new WeakHashMap<>();

  /**
   * The gauges held, by the id they were asked for. A gauge registered again is not shared the way
   * a timer or counter is: Micrometer ignores the second registration's state and logs a warning,
   * so a revision's second sidecar takes the gauge its first registered instead.
   */
  private static final Map<MeterRegistry, Map<Meter.Id, Gauge>> GAUGES = new WeakHashMap<>();

  private SharedMeters() {}

  static synchronized <M extends Meter> M hold(MeterRegistry registry, M meter) {
    HOLDERS.computeIfAbsent(registry, r -> new HashMap<>()).merge(meter.getId(), 1, Integer::sum);
    return meter;
  }

  /**
   * Holds the gauge with id {@code asked}: the one already held, or the one {@code register} makes
   * when there is none.
   */
  static synchronized Gauge holdGauge(
      MeterRegistry registry, Meter.Id asked, Supplier<Gauge> register) {
    Map<Meter.Id, Gauge> gauges = GAUGES.computeIfAbsent(registry, r -> new HashMap<>());
    Gauge gauge = gauges.get(asked);
    if (gauge == null) {
      gauge = register.get();
      gauges.put(asked, gauge);
    }
    return hold(registry, gauge);
  }

  static synchronized void release(MeterRegistry registry, Meter meter) {
    Map<Meter.Id, Integer> holders = HOLDERS.get(registry);
    Integer left = holders == null ? null : holders.merge(meter.getId(), -1, Integer::sum);
    if (left == null || left <= 0) {
      if (holders != null) {
        holders.remove(meter.getId());
      }
      registry.remove(meter);
      if (meter instanceof Gauge) {
        Map<Meter.Id, Gauge> gauges = GAUGES.get(registry);
        if (gauges != null) {
          gauges.values().remove(meter); // one per revision: a walk when its last sidecar goes
        }
      }
    }
  }
}
