package dev.skiff.routing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Weighted choice among revisions by their traffic percents, and optionally by a tag the request
 * names (header-based routing, off unless the service enables it). Immutable. Entries at 0 % are
 * never picked by weight (they are reachable through their tag's host, or their tag's header).
 */
public final class TrafficSplit {
  private static final TrafficSplit EMPTY = new TrafficSplit(List.of(), new int[0], Map.of());

  private final List<String> revisions;

  /** cumulative[i] is the sum of the weights of revisions 0..i. */
  private final int[] cumulative;

  /** Tag to revision, for requests that name a tag; empty when header routing is off. */
  private final Map<String, String> byTag;

  private TrafficSplit(List<String> revisions, int[] cumulative, Map<String, String> byTag) {
    this.revisions = revisions;
    this.cumulative = cumulative;
    this.byTag = byTag;
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
        List.copyOf(names), sums.stream().mapToInt(Integer::intValue).toArray(), Map.of());
  }

  /**
   * This split, where a request that names one of {@code tags} (tag to revision) goes to that
   * revision whatever the weights; other requests keep to the weights.
   */
  TrafficSplit withTags(Map<String, String> tags) {
    return new TrafficSplit(revisions, cumulative, Map.copyOf(tags));
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

  /**
   * The revision of {@code tag} when the split routes by tag and knows it; otherwise (no tag, an
   * unknown one, header routing off) one chosen by weight, as Knative does.
   */
  public String pick(RandomGenerator random, String tag) {
    if (tag != null && !byTag.isEmpty()) {
      String tagged = byTag.get(tag);
      if (tagged != null) {
        return tagged;
      }
    }
    return pick(random);
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
