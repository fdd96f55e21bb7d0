package dev.skiff.controlplane.internal.nodes;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Node leases in memory: when each node last renewed. A node whose last renewal is more than the
 * lease duration ago has lost its lease. Time comes from the caller, so tests drive it. Not
 * thread-safe: the node service uses it from one event loop.
 */
public final class Leases {
  private final Duration duration;
  private final Map<String, Instant> renewed = new HashMap<>();

  public Leases(Duration duration) {
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("a lease lasts more than 0, got " + duration);
    }
    this.duration = duration;
  }

  public Duration duration() {
    return duration;
  }

  /** Renews {@code node}'s lease at {@code now}; a renewal never moves it back in time. */
  public void renew(String node, Instant now) {
    renewed.merge(node, now, (a, b) -> a.isAfter(b) ? a : b);
  }

  /** Forgets {@code node} (deleted). */
  public void remove(String node) {
    renewed.remove(node);
  }

  /** Whether {@code node} holds a lease at {@code now}: it renewed within the duration. */
  public boolean live(String node, Instant now) {
    Instant at = renewed.get(node);
    return at != null && !now.isAfter(at.plus(duration));
  }

  /** When {@code node} last renewed, or null when it never did (since this process started). */
  public Instant renewedAt(String node) {
    return renewed.get(node);
  }

  /** The nodes known here whose lease has run out at {@code now}, sorted. */
  public Set<String> expired(Instant now) {
    Set<String> out = new TreeSet<>();
    renewed.forEach(
        (node, at) -> {
          if (now.isAfter(at.plus(duration))) {
            out.add(node);
          }
        });
    return out;
  }
}
