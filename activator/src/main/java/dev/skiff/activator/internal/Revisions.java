package dev.skiff.activator.internal;

import dev.skiff.activator.spi.EndpointWatch;
import dev.skiff.activator.spi.Poker;
import dev.skiff.api.stats.RevisionKey;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The revisions the activator currently knows, each set up by its first request (throttler,
 * endpoint subscription, meters) and forgotten after it stayed idle for the expiry period. Shared
 * by every event loop; lock-free for requests.
 */
final class Revisions {
  private final ConcurrentMap<RevisionKey, RevisionState> byKey = new ConcurrentHashMap<>();
  private final EndpointWatch endpoints;
  private final Poker poker;
  private final int queueDepth;
  private final Duration retryAfter;
  private final ActivatorMetrics metrics;

  Revisions(
      EndpointWatch endpoints,
      Poker poker,
      int queueDepth,
      Duration retryAfter,
      ActivatorMetrics metrics) {
    this.endpoints = endpoints;
    this.poker = poker;
    this.queueDepth = queueDepth;
    this.retryAfter = retryAfter;
    this.metrics = metrics;
  }

  /**
   * The revision's state with one more request counted as its load; set up on first sight. The
   * caller must {@link RevisionLoad#leave()} when the request is over.
   */
  RevisionState enter(RevisionKey key) {
    while (true) {
      RevisionState s = byKey.get(key);
      if (s == null) {
        // Set up outside the map's lock: watch() calls foreign code.
        RevisionState fresh = create(key);
        s = byKey.putIfAbsent(key, fresh);
        if (s == null) {
          fresh.activate(metrics);
          s = fresh;
        } else {
          fresh.close(metrics); // lost a race with another event loop
        }
      }
      if (s.load().enter()) {
        return s;
      }
      byKey.remove(key, s); // forgotten just now; help remove it, then set up anew
    }
  }

  /** Forgets {@code s} when nothing is queued or in flight; true when it was forgotten. */
  boolean forget(RevisionState s) {
    if (!s.load().tryClose()) {
      return false;
    }
    byKey.remove(s.key(), s);
    s.close(metrics);
    return true;
  }

  Collection<RevisionState> all() {
    return byKey.values();
  }

  /** Stops watching every revision. */
  void closeAll() {
    byKey.values().forEach(s -> s.close(metrics));
    byKey.clear();
  }

  private RevisionState create(RevisionKey key) {
    RevisionThrottler throttler = new RevisionThrottler(key, queueDepth, retryAfter, poker);
    EndpointWatch.Subscription sub =
        endpoints.watch(key.namespace(), key.name(), throttler::update);
    // The timer is used by requests as soon as the state is visible; registering one twice is a
    // lookup, so even a state that loses the race to the map may hold it.
    return new RevisionState(key, throttler, sub, metrics.queueWait(key));
  }
}
