package dev.skiff.cli.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.TrafficTarget;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlannersTest {
  private static List<Revision> revisions(boolean... ready) {
    List<Revision> out = new java.util.ArrayList<>();
    for (int i = 0; i < ready.length; i++) {
      out.add(Fixtures.revision("hello", i + 1, ready[i]));
    }
    return out;
  }

  private static Service serving(List<TrafficTarget> status, String latestReady) {
    return Fixtures.service("hello", status, status, latestReady);
  }

  @Test
  void rollbackGoesToTheNewestReadyRevisionOlderThanTheBusiestOne() {
    Service s = serving(List.of(TrafficTarget.revision("hello-00004", 100)), "hello-00004");
    RollbackPlanner.Choice c =
        RollbackPlanner.choose("hello", ResolvedTraffic.of(s), revisions(true, true, false, true));
    assertEquals("hello-00002", Revisions.name(c.to()));
    assertEquals("hello-00004", c.from());
    assertEquals(100, c.fromPercent());
  }

  @Test
  void rollbackAfterAnEvenSplitLeavesTheNewerRevision() {
    Service s =
        serving(
            List.of(
                TrafficTarget.revision("hello-00001", 50),
                TrafficTarget.revision("hello-00002", 50)),
            "hello-00002");
    RollbackPlanner.Choice c =
        RollbackPlanner.choose("hello", ResolvedTraffic.of(s), revisions(true, true));
    assertEquals("hello-00001", Revisions.name(c.to()));
    assertEquals("hello-00002", c.from());
  }

  @Test
  void rollbackWithNothingOlderFails() {
    Service s = serving(List.of(Fixtures.resolvedLatest("hello-00001", 100)), "hello-00001");
    CliException e =
        assertThrows(
            CliException.class,
            () -> RollbackPlanner.choose("hello", ResolvedTraffic.of(s), revisions(true, false)));
    assertEquals(
        "no ready revision of hello older than hello-00001 to roll back to", e.problem().error());
  }

  @Test
  void rollbackWithoutTrafficFails() {
    Service s = Fixtures.service("hello", List.of(), List.of(), null);
    assertThrows(
        CliException.class,
        () -> RollbackPlanner.choose("hello", ResolvedTraffic.of(s), revisions(false)));
  }

  @Test
  void pruneKeepsTrafficTagsAndTheLatest() {
    List<TrafficTarget> traffic =
        List.of(
            TrafficTarget.revision("hello-00003", 100),
            new TrafficTarget("hello-00002", null, 0, "old"));
    Service s = Fixtures.service("hello", traffic, traffic, "hello-00005");
    List<Revision> doomed =
        PrunePlanner.prunable(s, revisions(true, true, true, true, true, false));
    assertEquals(
        List.of("hello-00001", "hello-00004"), doomed.stream().map(Revisions::name).toList());
  }
}
