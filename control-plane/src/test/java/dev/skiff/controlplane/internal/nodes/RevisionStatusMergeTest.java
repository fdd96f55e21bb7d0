package dev.skiff.controlplane.internal.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.RevisionStatus;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RevisionStatusMergeTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant T1 = T0.plusSeconds(5);

  @Test
  void readyWhileAnyNodeServesAndCountsSum() {
    var by = new TreeMap<String, RevisionStatus>();
    by.put("n1", status(2, 2, "True", null, null));
    by.put("n2", status(1, 0, "False", "StartTimedOut", "slow"));
    RevisionStatus s = RevisionStatusMerge.merge(by, null, T0);
    assertEquals(2, s.readyInstances());
    assertEquals(3, s.desiredInstances());
    assertEquals("True", ready(s).status());
  }

  @Test
  void notReadyWithTheFirstFailingNodesReasonAndName() {
    var by = new TreeMap<String, RevisionStatus>();
    by.put("n1", status(1, 0, "Unknown", "Deploying", "waiting"));
    by.put("n2", status(1, 0, "False", "ImagePullFailed", "no such image"));
    Condition r = ready(RevisionStatusMerge.merge(by, null, T0));
    assertEquals("False", r.status());
    assertEquals("ImagePullFailed", r.reason());
    assertEquals("node n2: no such image", r.message());
  }

  @Test
  void aRetriedStartIsUnknownWithItsReason() {
    var by = new TreeMap<String, RevisionStatus>();
    by.put("n1", status(1, 0, "Unknown", "ExitCode1", "retrying after a failed start: boom"));
    Condition r = ready(RevisionStatusMerge.merge(by, null, T0));
    assertEquals("Unknown", r.status());
    assertEquals("ExitCode1", r.reason());
  }

  @Test
  void noNodeLeftKeepsReadyAtZeroAndNothingBeforeSaysNothing() {
    RevisionStatus before =
        RevisionStatusMerge.merge(one(status(1, 1, "True", null, null)), null, T0);
    RevisionStatus after = RevisionStatusMerge.merge(new TreeMap<>(), before, T1);
    assertEquals(0, after.readyInstances());
    assertEquals("True", ready(after).status());
    assertNull(RevisionStatusMerge.merge(new TreeMap<>(), null, T1));
  }

  @Test
  void anUnchangedConditionKeepsItsTime() {
    RevisionStatus first =
        RevisionStatusMerge.merge(one(status(1, 1, "True", null, null)), null, T0);
    RevisionStatus again =
        RevisionStatusMerge.merge(one(status(1, 1, "True", null, null)), first, T1);
    assertSame(ready(first), ready(again));
    assertEquals(first, again);
  }

  private static TreeMap<String, RevisionStatus> one(RevisionStatus s) {
    var by = new TreeMap<String, RevisionStatus>();
    by.put("n1", s);
    return by;
  }

  private static RevisionStatus status(
      int desired, int ready, String readyStatus, String reason, String message) {
    return new RevisionStatus(
        null, desired, ready, List.of(new Condition("Ready", readyStatus, reason, message, T0)));
  }

  private static Condition ready(RevisionStatus s) {
    return s.conditions().stream().filter(c -> c.type().equals("Ready")).findFirst().orElseThrow();
  }
}
