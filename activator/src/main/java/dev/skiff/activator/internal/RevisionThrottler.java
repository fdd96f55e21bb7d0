package dev.skiff.activator.internal;

import dev.skiff.activator.RequestQueueFullException;
import dev.skiff.activator.RevisionUnavailableException;
import dev.skiff.activator.spi.Endpoint;
import dev.skiff.activator.spi.Poker;
import dev.skiff.activator.spi.RevisionEndpoints;
import dev.skiff.api.stats.RevisionKey;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One revision's bounded queue and its endpoints' capacity (Knative's revision throttler and
 * breaker). With containerConcurrency N &gt; 0 every endpoint has N slots and a request waits until
 * one frees, going to the least busy endpoint with room; with 0 (unlimited) a request goes at once
 * to the less busy of two endpoints picked at random (power of two choices). Requests wait only
 * while no endpoint can take them, strictly first come, first served.
 *
 * <p>Thread-safe. All state is guarded by this object's lock, held only for bookkeeping: grants
 * ({@link Waiter#grant}) and pokes run after it is released.
 */
final class RevisionThrottler {
  private static final System.Logger LOG = System.getLogger(RevisionThrottler.class.getName());

  private final RevisionKey key;
  private final int maxQueued;
  private final Duration retryAfter;
  private final Poker poker;

  // Guarded by this.
  private final WaitQueue queue = new WaitQueue();
  private List<EndpointSlot> slots = List.of();
  private int containerConcurrency;
  private String unavailable;
  private boolean pokedThisColdPeriod;
  private int rotor;

  /** A copy of the queue's size for the gauge, which must not take the lock. */
  private volatile int queued;

  RevisionThrottler(RevisionKey key, int maxQueued, Duration retryAfter, Poker poker) {
    this.key = key;
    this.maxQueued = maxQueued;
    this.retryAfter = retryAfter;
    this.poker = poker;
  }

  /**
   * Lets a request in. Returns a slot the caller now holds when capacity is free and nobody waits
   * ahead; otherwise queues {@code w} (at the head when {@code atHead}: a request whose endpoint
   * vanished before it was sent) and returns null; {@link Waiter#grant} follows once capacity
   * frees. The first request to find no ready endpoint in a cold period pokes the autoscaler.
   *
   * @throws RequestQueueFullException when the queue is full; a request returning to the head is
   *     never refused, it was let in before
   * @throws RevisionUnavailableException when no endpoint is ready and the revision cannot get one
   */
  EndpointSlot admit(Waiter w, boolean atHead) {
    boolean poke = false;
    synchronized (this) {
      if (slots.isEmpty() && unavailable != null) {
        throw unavailable(unavailable);
      }
      if (atHead || queue.isEmpty()) {
        EndpointSlot slot = pick(w);
        if (slot != null) {
          slot.inFlight++;
          return slot;
        }
      }
      if (!atHead && queue.size() >= maxQueued) {
        throw queueFull();
      }
      if (atHead) {
        queue.addFirst(w);
      } else {
        queue.addLast(w);
      }
      queued = queue.size();
      if (slots.isEmpty() && !pokedThisColdPeriod) {
        pokedThisColdPeriod = true;
        poke = true;
      }
    }
    if (poke) {
      long started = System.nanoTime();
      try {
        poker.poke(key.namespace(), key.name());
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "poking the autoscaler for " + key + " failed", e);
      }
      if (w.trace != null) {
        w.trace.poked(started);
      }
    }
    return null;
  }

  /**
   * Takes {@code w} out of the queue (its timeout passed or its client left); false if not queued.
   */
  boolean withdraw(Waiter w) {
    List<Grant> grants;
    synchronized (this) {
      if (!queue.remove(w)) {
        return false;
      }
      // The head may have been blocked on an endpoint it avoids while others behind it would fit.
      grants = dispatch();
    }
    run(grants);
    return true;
  }

  /** Gives back a slot at the end of its request's exchange, and lets the next requests go. */
  void release(EndpointSlot slot) {
    List<Grant> grants;
    synchronized (this) {
      slot.inFlight--;
      grants = dispatch();
    }
    run(grants);
  }

  /**
   * Takes the revision's new serving state from the endpoint watch. Endpoints that stay keep their
   * slots (and in-flight counts); those that left are marked gone, so requests granted on them but
   * not yet sent go back to the queue, while requests already sent finish there.
   */
  void update(RevisionEndpoints now) {
    List<Grant> grants;
    List<Waiter> refused = List.of();
    synchronized (this) {
      unavailable = now.unavailable();
      Map<Endpoint, EndpointSlot> before = new HashMap<>();
      for (EndpointSlot s : slots) {
        before.put(s.endpoint(), s);
      }
      List<EndpointSlot> next = new ArrayList<>(now.ready().size());
      for (Endpoint e : new LinkedHashSet<>(now.ready())) {
        EndpointSlot kept = before.remove(e);
        next.add(kept != null ? kept : new EndpointSlot(e));
      }
      before.values().forEach(EndpointSlot::markGone);
      slots = List.copyOf(next);
      containerConcurrency = now.containerConcurrency();
      if (!slots.isEmpty()) {
        pokedThisColdPeriod = false; // the cold period is over; the next one pokes again
      }
      grants = dispatch();
      if (slots.isEmpty() && unavailable != null) {
        refused = new ArrayList<>(queue.size());
        for (Waiter w = queue.pollFirst(); w != null; w = queue.pollFirst()) {
          refused.add(w);
        }
        queued = 0;
      }
    }
    run(grants);
    if (!refused.isEmpty()) {
      RevisionUnavailableException why = unavailable(now.unavailable());
      refused.forEach(w -> w.refuse(why));
    }
  }

  /** Requests waiting now. */
  int queued() {
    return queued;
  }

  synchronized int readyEndpoints() {
    return slots.size();
  }

  synchronized int inFlight(Endpoint e) {
    for (EndpointSlot s : slots) {
      if (s.endpoint().equals(e)) {
        return s.inFlight;
      }
    }
    return 0;
  }

  /** Grants slots to waiters from the head while capacity lasts. Caller holds the lock. */
  private List<Grant> dispatch() {
    List<Grant> grants = null;
    while (!queue.isEmpty()) {
      Waiter head = queue.peekFirst();
      EndpointSlot slot = pick(head);
      if (slot == null) {
        break;
      }
      queue.pollFirst();
      slot.inFlight++;
      if (grants == null) {
        grants = new ArrayList<>();
      }
      grants.add(new Grant(head, slot));
    }
    queued = queue.size();
    return grants;
  }

  /** The endpoint for {@code w} now, or null when none can take it. Caller holds the lock. */
  private EndpointSlot pick(Waiter w) {
    List<EndpointSlot> candidates = slots;
    if (candidates.isEmpty()) {
      return null;
    }
    if (!w.refusedBy().isEmpty()) {
      List<EndpointSlot> others = new ArrayList<>(candidates.size());
      for (EndpointSlot s : candidates) {
        if (!w.refusedBy().contains(s.endpoint())) {
          others.add(s);
        }
      }
      if (!others.isEmpty()) {
        candidates = others;
      }
    }
    return containerConcurrency == 0 ? twoChoices(candidates) : leastBusyWithRoom(candidates);
  }

  /** Power of two choices: the less busy of two distinct endpoints picked at random. */
  private static EndpointSlot twoChoices(List<EndpointSlot> c) {
    int n = c.size();
    if (n == 1) {
      return c.get(0);
    }
    ThreadLocalRandom r = ThreadLocalRandom.current();
    int i = r.nextInt(n);
    int j = r.nextInt(n - 1);
    if (j >= i) {
      j++;
    }
    EndpointSlot a = c.get(i);
    EndpointSlot b = c.get(j);
    return b.inFlight < a.inFlight ? b : a;
  }

  /** The endpoint with the fewest requests among those with a free slot; ties rotate. */
  private EndpointSlot leastBusyWithRoom(List<EndpointSlot> c) {
    int n = c.size();
    int start = Math.floorMod(rotor++, n);
    EndpointSlot best = null;
    for (int i = 0; i < n; i++) {
      EndpointSlot s = c.get((start + i) % n);
      if (s.inFlight < containerConcurrency && (best == null || s.inFlight < best.inFlight)) {
        best = s;
      }
    }
    return best;
  }

  private RequestQueueFullException queueFull() {
    return new RequestQueueFullException(
        "revision " + key + " already has " + maxQueued + " requests waiting for capacity",
        "the revision is scaling up or overloaded; retry after the Retry-After delay, raise its"
            + " max-scale or containerConcurrency, or raise the activator's queue depth",
        retryAfter);
  }

  private RevisionUnavailableException unavailable(String reason) {
    return new RevisionUnavailableException(
        "revision " + key + " cannot start an instance: " + reason,
        "fix what the reason names (see skiff describe and skiff logs), then deploy the service"
            + " again",
        retryAfter);
  }

  private static void run(List<Grant> grants) {
    if (grants != null) {
      for (Grant g : grants) {
        g.waiter().grant(g.slot());
      }
    }
  }

  private record Grant(Waiter waiter, EndpointSlot slot) {}
}
