package dev.skiff.routing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Weighted choice among revisions by their traffic percents. Immutable. Entries at 0 % are never
 * picked (they are reachable only through their tag's host).
 */
public final class TrafficSplit {
  private static final TrafficSplit EMPTY = new TrafficSplit(List.of(), new int[0]);

  private final List<String> revisions;

  /** cumulative[i] is the sum of the weights of revisions 0..i. */
  private final int[] cumulative;

  private TrafficSplit(List<String> revisions, int[] cumulative) {
    this.revisions = revisions;
    this.cumulative = cumulative;
  }

  public static TrafficSplit empty() {
    return EMPTY;
  }

  public static TrafficSplit single(String revision) {
    return of(Map.of(revision, 100));
  }

  /** A split over {@code weights} (revision to percent); non-positive weights are dropped. */
  public static TrafficSplit of(Map<String, Integer> weights) {
    List<String> names = new ArrayList<>();
    List<Integer> sums = new ArrayList<>();
    int sum = 0;
    for (Map.Entry<String, Integer> e : weights.entrySet()) {
      if (e.getValue() != null && e.getValue() > 0) {
        sum += e.getValue();
        names.add(e.getKey());
        sums.add(sum);
      }
    }
    if (names.isEmpty()) {
      return EMPTY;
    }
    return new TrafficSplit(
        List.copyOf(names), sums.stream().mapToInt(Integer::intValue).toArray());
  }

  public boolean isEmpty() {
    return revisions.isEmpty();
  }

  public int total() {
    return cumulative.length == 0 ? 0 : cumulative[cumulative.length - 1];
  }

  /**
   * A revision chosen with probability proportional to its weight; null when the split is empty.
   */
  public String pick(RandomGenerator random) {
    return isEmpty() ? null : at(random.nextInt(total()));
  }

  /** The revision that owns {@code roll}, where {@code 0 <= roll < total()}. */
  public String at(int roll) {
    for (int i = 0; i < cumulative.length; i++) {
      if (roll < cumulative[i]) {
        return revisions.get(i);
      }
    }
    throw new IllegalArgumentException("roll " + roll + " is outside [0, " + total() + ")");
  }

  /** Revision to weight, in split order. */
  public Map<String, Integer> weights() {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (int i = 0; i < revisions.size(); i++) {
      out.put(revisions.get(i), cumulative[i] - (i == 0 ? 0 : cumulative[i - 1]));
    }
    return Collections.unmodifiableMap(out);
  }

  @Override
  public String toString() {
    return weights().toString();
  }
}
