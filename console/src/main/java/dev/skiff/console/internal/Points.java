package dev.skiff.console.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * A revision's last points, oldest first, each {@code {time ms, requests/s, 5xx/s, p50 ms, p90 ms,
 * p99 ms}}. A quiet point (no request, so every value 0: each second of an idle revision) is held
 * as its time alone. An idle warm revision fills its window with quiet points, and as arrays a
 * window of 120 took about 8 KiB per revision; as times it takes 1.5 KiB (bench/notes/density.md,
 * twelfth round). Not thread-safe: {@link RevisionStats} holds its lock.
 */
final class Points {
  private final long[] times;
  private final double[][] busy; // a null entry: a quiet point
  private int oldest;
  private int size;

  /**
   * @param capacity how many points are kept; the oldest goes when one more comes
   */
  Points(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity: at least 1 point, got " + capacity);
    }
    this.times = new long[capacity];
    this.busy = new double[capacity][];
  }

  int capacity() {
    return times.length;
  }

  int size() {
    return size;
  }

  /**
   * Adds a point, dropping the oldest when full. A busy point reuses the array of the one it
   * replaces when that was busy too, so a revision under steady traffic allocates nothing here.
   */
  void add(long t, double perSecond, double errorsPerSecond, double p50, double p90, double p99) {
    int slot = (oldest + size) % times.length;
    if (size == times.length) {
      oldest = (oldest + 1) % times.length;
    } else {
      size++;
    }
    times[slot] = t;
    if (perSecond == 0 && errorsPerSecond == 0 && p50 == 0 && p90 == 0 && p99 == 0) {
      busy[slot] = null;
      return;
    }
    double[] p = busy[slot] == null ? new double[6] : busy[slot];
    p[0] = t;
    p[1] = perSecond;
    p[2] = errorsPerSecond;
    p[3] = p50;
    p[4] = p90;
    p[5] = p99;
    busy[slot] = p;
  }

  /**
   * The points, oldest first: a busy point's array is valid until the next {@link #add}; a quiet
   * one's is made here.
   */
  List<double[]> list() {
    List<double[]> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      int slot = (oldest + i) % times.length;
      double[] p = busy[slot];
      out.add(p != null ? p : new double[] {times[slot], 0, 0, 0, 0, 0});
    }
    return out;
  }

  /** How many points are held as arrays: the busy ones. */
  int arrays() {
    int n = 0;
    for (double[] p : busy) {
      n += p == null ? 0 : 1;
    }
    return n;
  }
}
