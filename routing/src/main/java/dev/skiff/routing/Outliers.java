package dev.skiff.routing;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Outlier ejection (Envoy's consecutive-5xx detector, as Linkerd applies it): an endpoint that
 * fails {@link #CONSECUTIVE_FAILURES} times in a row is left out for a backoff that starts at 1 s
 * and doubles with each ejection up to 60 s; afterwards it is tried again (probed) and one success
 * clears its record. Thread-safe.
 *
 * @param <E> the endpoint type
 */
public final class Outliers<E> {
  public static final int CONSECUTIVE_FAILURES = 7;
  public static final long FIRST_BACKOFF_NANOS = 1_000_000_000L;
  public static final long MAX_BACKOFF_NANOS = 60_000_000_000L;

  private static final Outliers<Object> NEVER = new Outliers<>(Integer.MAX_VALUE);

  private final int threshold;
  private final ConcurrentMap<E, Record> records = new ConcurrentHashMap<>();

  private static final class Record {
    int consecutive; // guarded by this
    int ejections; // guarded by this
    long ejectedUntil; // guarded by this; 0 = not ejected
  }

  private Outliers(int threshold) {
    this.threshold = threshold;
  }

  /** The detector with Linkerd's defaults. */
  public static <E> Outliers<E> create() {
    return new Outliers<>(CONSECUTIVE_FAILURES);
  }

  /** A detector that never ejects. */
  @SuppressWarnings("unchecked")
  public static <E> Outliers<E> never() {
    return (Outliers<E>) NEVER;
  }

  public boolean ejected(E e, long now) {
    Record r = records.get(e);
    if (r == null) {
      return false;
    }
    synchronized (r) {
      return r.ejectedUntil != 0 && now < r.ejectedUntil;
    }
  }

  public void success(E e) {
    records.remove(e);
  }

  public void failure(E e, long now) {
    if (threshold == Integer.MAX_VALUE) {
      return;
    }
    Record r = records.computeIfAbsent(e, k -> new Record());
    synchronized (r) {
      if (r.ejectedUntil != 0 && now < r.ejectedUntil) {
        return; // a request that was under way when it was ejected
      }
      r.consecutive++;
      // A probe after an ejection that fails ejects again at once, for twice as long.
      if (r.consecutive >= threshold || r.ejectedUntil != 0) {
        eject(r, now);
      }
    }
  }

  /**
   * Ejects {@code e} at once, without waiting for {@link #CONSECUTIVE_FAILURES}: for a caller that
   * knows the endpoint cannot be reached (no connection could be made, or its connection broke).
   * The backoff is the detector's, as for any ejection; an endpoint ejected already stays as it is,
   * and the detector that {@link #never()} ejects does not.
   */
  public void eject(E e, long now) {
    if (threshold == Integer.MAX_VALUE) {
      return;
    }
    Record r = records.computeIfAbsent(e, k -> new Record());
    synchronized (r) {
      if (r.ejectedUntil == 0 || now >= r.ejectedUntil) {
        eject(r, now);
      }
    }
  }

  private static void eject(Record r, long now) {
    long backoff = Math.min(MAX_BACKOFF_NANOS, FIRST_BACKOFF_NANOS << Math.min(r.ejections, 16));
    r.ejections++;
    r.ejectedUntil = now + backoff;
    r.consecutive = 0;
  }

  /** How many times {@code e} has been ejected since its last success. */
  public int ejections(E e) {
    Record r = records.get(e);
    if (r == null) {
      return 0;
    }
    synchronized (r) {
      return r.ejections;
    }
  }
}
