package dev.skiff.cli.internal;

import dev.skiff.api.model.TrafficTarget;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a service's complete {@code spec.traffic} from its current one plus changes: new percents
 * replace all old ones, tags stay on their revisions unless moved or removed, and a tagged revision
 * that receives no traffic stays as a 0% entry so its tag URL keeps working.
 */
public final class TrafficPlan {
  private static final String LATEST = ResolvedTraffic.LATEST;

  private final Map<String, Integer> percents = new LinkedHashMap<>();
  private final Map<String, String> tags = new LinkedHashMap<>(); // tag -> revision or @latest

  private TrafficPlan() {}

  /** Starts from a service's current {@code spec.traffic} (empty means 100% to the latest). */
  public static TrafficPlan from(List<TrafficTarget> spec) {
    TrafficPlan plan = new TrafficPlan();
    for (TrafficTarget t : spec) {
      String ref = ResolvedTraffic.nameOf(t);
      if (t.percentOrZero() > 0) {
        plan.percents.merge(ref, t.percentOrZero(), Integer::sum);
      }
      if (t.tag() != null) {
        plan.tags.put(t.tag(), ref);
      }
    }
    if (plan.percents.isEmpty()) {
      plan.percents.put(LATEST, 100);
    }
    return plan;
  }

  /** Applies the traffic command's arguments. Removing a tag that is not there is an error. */
  public TrafficPlan apply(TrafficArgs args) {
    if (!args.percents().isEmpty()) {
      route(args.percents());
    }
    for (String tag : args.untags()) {
      untag(tag);
    }
    args.tags().forEach((tag, ref) -> tag(ref, tag));
    return this;
  }

  /** Replaces every percent: revisions not named get none. */
  public TrafficPlan route(Map<String, Integer> newPercents) {
    percents.clear();
    newPercents.forEach((ref, p) -> percents.put(ref, p));
    return this;
  }

  /**
   * Moves the share that follows {@code @latest} to a fixed revision, so that a newer revision does
   * not take it over when it becomes ready. Tags on {@code @latest} keep following it.
   */
  public TrafficPlan pinLatest(String revision) {
    Map<String, Integer> pinned = new LinkedHashMap<>(); // same order, @latest renamed
    percents.forEach(
        (ref, p) -> pinned.merge(LATEST.equals(ref) ? revision : ref, p, Integer::sum));
    percents.clear();
    percents.putAll(pinned);
    return this;
  }

  /** Puts {@code tag} on {@code ref}, taking it off whichever revision had it. */
  public TrafficPlan tag(String ref, String tag) {
    tags.remove(tag);
    tags.put(tag, ref);
    return this;
  }

  public TrafficPlan untag(String tag) {
    if (tags.remove(tag) == null) {
      throw new CliException(
          "tag '" + tag + "' is not in the service's traffic",
          "current tags: " + (tags.isEmpty() ? "none" : String.join(", ", tags.keySet())));
    }
    return this;
  }

  /**
   * The full traffic list: one entry per routed revision (carrying its first tag), then 0% tags.
   */
  public List<TrafficTarget> targets() {
    List<TrafficTarget> out = new ArrayList<>();
    Map<String, String> unplaced = new LinkedHashMap<>(tags);
    percents.forEach(
        (ref, p) -> {
          String tag = firstTagOf(unplaced, ref);
          if (p > 0 || tag != null) {
            out.add(entry(ref, p, tag));
            unplaced.remove(tag);
          }
        });
    unplaced.forEach((tag, ref) -> out.add(entry(ref, 0, tag)));
    return out;
  }

  private static String firstTagOf(Map<String, String> tags, String ref) {
    return tags.entrySet().stream()
        .filter(e -> e.getValue().equals(ref))
        .map(Map.Entry::getKey)
        .findFirst()
        .orElse(null);
  }

  private static TrafficTarget entry(String ref, int percent, String tag) {
    return LATEST.equals(ref)
        ? new TrafficTarget(null, true, percent, tag)
        : new TrafficTarget(ref, null, percent, tag);
  }
}
