package dev.skiff.activator.internal;

import dev.skiff.activator.spi.EndpointWatch;
import dev.skiff.activator.spi.Poker;
import dev.skiff.api.stats.RevisionKey;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The revisions the activator currently knows, each set up by its first request (throttler,
 * endpoint subscription; its meters follow off the request's path, {@link RevisionMeters}) and
 * forgotten after it stayed idle for the expiry period. Shared by every event loop; lock-free for
 * requests.
 */
final class Revisions {
  private final ConcurrentMap<RevisionKey, RevisionState> byKey = new ConcurrentHashMap<>();
  private final EndpointWatch endpoints;
  private final Poker poker;
  private final int queueDepth;
  private final Duration retryAfter;
  private final RevisionMeters meters;

  Revisions(
      EndpointWatch endpoints,
      Poker poker,
      int queueDepth,
      Duration retryAfter,
      RevisionMeters meters) {
    this.endpoints = endpoints;
    this.poker = poker;
    this.queueDepth = queueDepth;
    this.retryAfter = retryAfter;
    this.meters = meters;
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
          s = fresh;
        } else {
          fresh.close(); // lost a race with another event loop
        }
      }
      if (s.load().enter()) {
        return s;
      }
      byKey.remove(key, s); // forgotten just now; help remove it, then set up anew
    }
  }

  /**
   * Has the meters of {@code s} registered, once: called by each request after it was queued or
   * sent on, so that its revision's first request does not wait for them, nor share its core with
   * their registration before then. Only states that won their place in the map get here: a gauge
   * is bound to its state object.
   */
  void registerMeters(RevisionState s) {
    if (s.claimMeters()) {
      meters.added(s);
    }
  }

  /** Forgets {@code s} when nothing is queued or in flight; true when it was forgotten. */
  boolean forget(RevisionState s) {
    if (!s.load().tryClose()) {
      return false;
    }
    byKey.remove(s.key(), s);
    s.close();
    meters.removed(s);
    return true;
  }

  Collection<RevisionState> all() {
    return byKey.values();
  }

  /**
   * Stops watching every revision and removes their gauges; the future completes on {@code context}
   * once the gauges are gone.
   */
  Future<Void> closeAll(Context context) {
    byKey
        .values()
        .forEach(
            s -> {
              s.close();
              meters.removed(s);
            });
    byKey.clear();
    return meters.close(context);
  }

  private RevisionState create(RevisionKey key) {
    RevisionThrottler throttler = new RevisionThrottler(key, queueDepth, retryAfter, poker);
    EndpointWatch.Subscription sub =
        endpoints.watch(key.namespace(), key.name(), throttler::update);
    return new RevisionState(key, throttler, sub, meters);
  }
}
