package dev.skiff.cli.internal;

import dev.skiff.api.model.Revision;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Picks where a rollback sends all traffic: the newest ready revision older than the one now
 * getting the most traffic. On a tie the newer revision counts as current, so after a 50/50 canary
 * a rollback leaves the canary.
 */
public final class RollbackPlanner {
  private RollbackPlanner() {}

  /**
   * @param from the revision that got the most traffic
   * @param fromPercent its share
   * @param to the revision to send 100% to
   */
  public record Choice(String from, int fromPercent, Revision to) {}

  public static Choice choose(String service, ResolvedTraffic traffic, List<Revision> revisions) {
    Map<String, Integer> percents = traffic.percents();
    percents.remove(ResolvedTraffic.LATEST);
    String current =
        percents.entrySet().stream()
            .max(
                Comparator.<Map.Entry<String, Integer>>comparingInt(Map.Entry::getValue)
                    .thenComparingInt(e -> numberOf(revisions, e.getKey())))
            .map(Map.Entry::getKey)
            .orElseThrow(
                () ->
                    new CliException(
                        "service " + service + " has no revision receiving traffic yet",
                        "wait for a revision to become ready: skiff describe " + service));
    int currentNumber = numberOf(revisions, current);
    Revision target =
        revisions.stream()
            .filter(r -> Revisions.number(r) < currentNumber && Conditions.isReady(r))
            .max(Comparator.comparingInt(Revisions::number))
            .orElseThrow(
                () ->
                    new CliException(
                        "no ready revision of "
                            + service
                            + " older than "
                            + current
                            + " to roll back to",
                        "list them with: skiff revisions " + service));
    return new Choice(current, percents.get(current), target);
  }

  private static int numberOf(List<Revision> revisions, String name) {
    return Revisions.named(revisions, name).map(Revisions::number).orElse(Revisions.numberOf(name));
  }
}
