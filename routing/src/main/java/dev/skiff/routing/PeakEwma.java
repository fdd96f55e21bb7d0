package dev.skiff.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * Endpoint choice by peak-EWMA "power of two choices" (Finagle's and Linkerd's balancer): two
 * endpoints drawn at random, the one with the lower cost wins, where cost is the moving average of
 * its response times (peak-sensitive: a slower answer replaces the average at once, faster ones
 * decay it with a time constant of {@link #DECAY}) times its requests in flight plus one. An
 * endpoint without a measurement yet costs as much as the slowest one seen, so new instances are
 * tried without being flooded. Ejected endpoints ({@link Outliers}) are left out while others
 * remain. Thread-safe; shared by every event loop.
 *
 * @param <E> the endpoint type (compared by equals)
 */
public final class PeakEwma<E> {
  /** The decay time constant of the average (Linkerd's default). */
  public static final long DECAY = 10_000_000_000L;

  private final LongSupplier nanoTime;
  private final ConcurrentMap<E, Load> loads = new ConcurrentHashMap<>();
  private final Outliers<E> outliers;

  /** One endpoint's measurements. */
  private static final class Load {
    long ewmaNanos; // guarded by this; 0 = no measurement yet
    long stamp; // guarded by this
    int pending; // guarded by this

    synchronized double cost(long now, long fallback) {
      long rtt = ewmaNanos;
      if (rtt == 0) {
        return (double) fallback * (pending + 1);
      }
      // Decay towards zero while nothing is observed, so a once-slow endpoint gets tried again.
      double decayed = rtt * Math.exp(-(double) Math.max(0, now - stamp) / DECAY);
      return Math.max(decayed, 1) * (pending + 1);
    }

    synchronized void observe(long now, long rtt) {
      if (ewmaNanos == 0 || rtt > ewmaNanos) {
        ewmaNanos = Math.max(1, rtt);
      } else {
        double w = Math.exp(-(double) Math.max(0, now - stamp) / DECAY);
        ewmaNanos = Math.max(1, (long) (ewmaNanos * w + rtt * (1 - w)));
      }
      stamp = now;
    }
  }

  public PeakEwma(LongSupplier nanoTime, Outliers<E> outliers) {
    this.nanoTime = nanoTime;
    this.outliers = outliers;
  }

  /** A balancer on the system's nano clock without ejection. */
  public static <E> PeakEwma<E> create() {
    return new PeakEwma<>(System::nanoTime, Outliers.never());
  }

  /** The chosen endpoint among {@code ready} (not empty); ejected ones only if all are. */
  public E pick(List<E> ready, RandomGenerator random) {
    List<E> candidates = available(ready);
    int n = candidates.size();
    if (n == 1) {
      return candidates.get(0);
    }
    int i = random.nextInt(n);
    int j = random.nextInt(n - 1);
    if (j >= i) {
      j++;
    }
    E a = candidates.get(i);
    E b = candidates.get(j);
    long now = nanoTime.getAsLong();
    long fallback = slowest();
    return cost(a, now, fallback) <= cost(b, now, fallback) ? a : b;
  }

  private List<E> available(List<E> ready) {
    long now = nanoTime.getAsLong();
    List<E> out = null;
    for (int k = 0; k < ready.size(); k++) {
      E e = ready.get(k);
      if (outliers.ejected(e, now)) {
        if (out == null) {
          out = new ArrayList<>(ready.subList(0, k));
        }
      } else if (out != null) {
        out.add(e);
      }
    }
    if (out == null) {
      return ready;
    }
    return out.isEmpty() ? ready : out;
  }

  private double cost(E e, long now, long fallback) {
    Load l = loads.get(e);
    return l == null ? fallback : l.cost(now, fallback);
  }

  private long slowest() {
    long max = 1;
    for (Load l : loads.values()) {
      synchronized (l) {
        max = Math.max(max, l.ewmaNanos);
      }
    }
    return max;
  }

  /** A request to {@code e} starts. */
  public void started(E e) {
    Load l = loads.computeIfAbsent(e, k -> new Load());
    synchronized (l) {
      l.pending++;
    }
  }

  /**
   * A request to {@code e} ended after {@code rttNanos}; {@code failed} when the endpoint failed it
   * (no connection, a 5xx), which {@link Outliers} counts.
   */
  public void finished(E e, long rttNanos, boolean failed) {
    long now = nanoTime.getAsLong();
    Load l = loads.get(e);
    if (l != null) {
      synchronized (l) {
        l.pending = Math.max(0, l.pending - 1);
        l.observe(now, rttNanos);
      }
    }
    if (failed) {
      outliers.failure(e, now);
    } else {
      outliers.success(e);
    }
  }

  /** Requests in flight to {@code e}. */
  public int pending(E e) {
    Load l = loads.get(e);
    if (l == null) {
      return 0;
    }
    synchronized (l) {
      return l.pending;
    }
  }

  /** Forgets endpoints not in {@code current} (instances gone), keeping the map small. */
  public void retainOnly(java.util.Collection<E> current) {
    loads.keySet().retainAll(current);
  }
}
