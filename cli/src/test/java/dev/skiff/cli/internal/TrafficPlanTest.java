package dev.skiff.cli.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.skiff.api.model.TrafficTarget;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrafficPlanTest {
  private static TrafficTarget tagged(String rev, int percent, String tag) {
    return new TrafficTarget(rev, null, percent, tag);
  }

  private static List<TrafficTarget> apply(
      List<TrafficTarget> current, List<String> targets, List<String> tags, List<String> untags) {
    return TrafficPlan.from(current).apply(TrafficArgs.parse(targets, tags, untags)).targets();
  }

  @Test
  void newPercentsReplaceAllOldOnes() {
    List<TrafficTarget> current = List.of(TrafficTarget.revision("a-00001", 100));
    assertEquals(
        List.of(TrafficTarget.revision("a-00002", 50), TrafficTarget.latest(50)),
        apply(current, List.of("a-00002=50", "@latest=50"), List.of(), List.of()));
  }

  @Test
  void emptySpecMeansAllTrafficToLatest() {
    assertEquals(
        List.of(TrafficTarget.latest(100), tagged("a-00001", 0, "stable")),
        apply(List.of(), List.of(), List.of("a-00001=stable"), List.of()));
  }

  @Test
  void tagsOnRevisionsWithoutTrafficStayAsZeroPercentEntries() {
    List<TrafficTarget> current =
        List.of(TrafficTarget.revision("a-00002", 100), tagged("a-00001", 0, "old"));
    assertEquals(
        List.of(TrafficTarget.latest(100), tagged("a-00001", 0, "old")),
        apply(current, List.of("@latest=100"), List.of(), List.of()));
  }

  @Test
  void tagRidesOnTheEntryCarryingTheRevisionsTraffic() {
    List<TrafficTarget> current = List.of(TrafficTarget.revision("a-00001", 100));
    assertEquals(
        List.of(tagged("a-00001", 70, "stable"), TrafficTarget.revision("a-00002", 30)),
        apply(current, List.of("a-00001=70", "a-00002=30"), List.of("a-00001=stable"), List.of()));
  }

  @Test
  void secondTagOfARevisionGetsItsOwnZeroEntry() {
    List<TrafficTarget> current = List.of(tagged("a-00001", 100, "one"));
    assertEquals(
        List.of(tagged("a-00001", 100, "one"), tagged("a-00001", 0, "two")),
        apply(current, List.of(), List.of("a-00001=two"), List.of()));
  }

  @Test
  void taggingMovesATagFromItsOldRevision() {
    List<TrafficTarget> current = List.of(tagged("a-00001", 100, "canary"));
    assertEquals(
        List.of(TrafficTarget.revision("a-00001", 100), tagged("a-00002", 0, "canary")),
        apply(current, List.of(), List.of("a-00002=canary"), List.of()));
  }

  @Test
  void untagDropsTheTagAndAnEntryLeftWithNothing() {
    List<TrafficTarget> current = List.of(TrafficTarget.latest(100), tagged("a-00001", 0, "old"));
    assertEquals(
        List.of(TrafficTarget.latest(100)), apply(current, List.of(), List.of(), List.of("old")));
  }

  @Test
  void untagOfAnUnknownTagIsAnError() {
    CliException e =
        assertThrows(
            CliException.class, () -> apply(List.of(), List.of(), List.of(), List.of("nope")));
    assertEquals("tag 'nope' is not in the service's traffic", e.problem().error());
  }

  @Test
  void latestEntriesKeepTheirTags() {
    List<TrafficTarget> current = List.of(new TrafficTarget(null, true, 100, "current"));
    assertEquals(
        List.of(
            new TrafficTarget(null, true, 50, "current"), TrafficTarget.revision("a-00001", 50)),
        apply(current, List.of("@latest=50", "a-00001=50"), List.of(), List.of()));
  }

  @Test
  void pinLatestMovesItsShareToTheServingRevision() {
    List<TrafficTarget> current =
        List.of(TrafficTarget.latest(80), TrafficTarget.revision("a-00001", 20));
    assertEquals(
        List.of(
            TrafficTarget.revision("a-00002", 80),
            TrafficTarget.revision("a-00001", 20),
            tagged("a-00003", 0, "canary")),
        TrafficPlan.from(current).pinLatest("a-00002").tag("a-00003", "canary").targets());
  }

  @Test
  void routeReplacesEverythingButTags() {
    List<TrafficTarget> current =
        List.of(TrafficTarget.revision("a-00002", 50), tagged("a-00001", 50, "stable"));
    assertEquals(
        List.of(tagged("a-00001", 100, "stable")),
        TrafficPlan.from(current).route(Map.of("a-00001", 100)).targets());
  }
}
