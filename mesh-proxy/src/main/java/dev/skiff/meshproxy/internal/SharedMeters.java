package dev.skiff.meshproxy.internal;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Counts the holders of each sidecar meter: the sidecars of one revision's instances register the
 * same meters (same name and tags), so a meter is removed from its registry only when the last of
 * them closes, never under the others' feet.
 */
final class SharedMeters {
  private static final Map<MeterRegistry, Map<Meter.Id, Integer>> HOLDERS = new WeakHashMap<>();

  private SharedMeters() {}

  static synchronized <M extends Meter> M hold(MeterRegistry registry, M meter) {
    HOLDERS.computeIfAbsent(registry, r -> new HashMap<>()).merge(meter.getId(), 1, Integer::sum);
    return meter;
  }

  static synchronized void release(MeterRegistry registry, Meter meter) {
    Map<Meter.Id, Integer> holders = HOLDERS.get(registry);
    Integer left = holders == null ? null : holders.merge(meter.getId(), -1, Integer::sum);
    if (left == null || left <= 0) {
      if (holders != null) {
        holders.remove(meter.getId());
      }
      registry.remove(meter);
    }
  }
}
