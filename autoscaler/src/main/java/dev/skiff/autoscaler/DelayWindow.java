package dev.skiff.autoscaler;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The counts decided within the last {@code scale-down-delay}, for Knative's rule that a revision
 * scales down only once the lower count has been wanted for the whole delay: the count applied is
 * the highest decided within it. Immutable; holds only the counts that can still be the highest
 * (each is above every later one), so it stays small however long the delay.
 *
 * @param entries decisions, oldest first, counts strictly falling
 */
public record DelayWindow(List<Entry> entries) {
  /** One decision. */
  public record Entry(Instant at, int count) {}

  public static final DelayWindow EMPTY = new DelayWindow(List.of());

  public DelayWindow {
    entries = List.copyOf(entries);
  }

  /**
   * This window with {@code count} decided at {@code now}, and decisions older than {@code delay}
   * dropped. A count of zero is not kept: it can never be above another, and an empty window's
   * highest is zero already, so a revision settled at zero holds {@link #EMPTY}.
   */
  public DelayWindow record(Instant now, int count, Duration delay) {
    Instant horizon = now.minus(delay);
    List<Entry> kept = new ArrayList<>();
    for (Entry e : entries) {
      if (e.at().isAfter(horizon) && e.count() > count) {
        kept.add(e);
      }
    }
    if (count > 0) {
      kept.add(new Entry(now, count));
    }
    return kept.isEmpty() ? EMPTY : new DelayWindow(kept);
  }

  /** The highest count in the window; 0 when it is empty. */
  public int max() {
    return entries.isEmpty() ? 0 : entries.get(0).count();
  }
}
